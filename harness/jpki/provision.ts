// Gets the JPKI applet onto an emulated card and personalizes it with the test fixture from vectors/jpki: with
// jCardSim's CREATE APPLET and DGIs sent straight to the applet, or through the security domain (INSTALL [for
// personalization], key DGIs encrypted under the DEK). The applet accepts DGIs only before it is PERSONALIZED.
import { concat, hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import { encodeDgi, splitIntoBlocks, type Dgi } from '../tlv/dgi.ts';
import type { JpkiVectors } from './vectors.ts';
import { pad80 } from '../gp/crypto.ts';
import type { SecureChannel } from '../gp/secure-channel.ts';
import { parseTlvs, readTlv } from '../tlv/ber.ts';
import { parseAnswer } from '../apdu/answer.ts';
import type { JpkiClient } from './client.ts';
import { assertOnCurve } from './ecdsa-check.ts';
import { createAppletInstance } from '../sim/create-applet.ts';
import { EC_CURVES, installParameters, type EcCurve, type KeyAlgorithm } from './key-algorithm.ts';

/** EF the reference applet puts a generated public key in (lab/applets/jpki/README.md). */
export const EF_GENERATED_PUBLIC_KEY = 0x0021;

/** DGIs the reference applet takes (lab/applets/jpki/README.md). 82xx numbering: EMV CPS v1.1 ICC private key in CRT form. */
export const DGI = {
  RSA_QINV: 0x8201,
  RSA_DQ: 0x8202,
  RSA_DP: 0x8203,
  RSA_Q: 0x8204,
  RSA_P: 0x8205,
  /** EC private scalar d (the project's numbering: EMV CPS has no EC key DGI). */
  EC_PRIVATE: 0x8301,
  PIN: 0x8010,
  PIN_TRY: 0x9010,
  /** Binary EF contents: A000 | FID (the project's own numbering). */
  ef: (fid: number): number => 0xa000 | fid,
} as const;

/** STORE DATA P1: b8 last block; b4-b5 = 01 "DGI format" (GlobalPlatform Card Specification 2.3.1, 11.11.2.1). */
const P1_DGI = 0x08;
const P1_LAST = 0x80;
/** STORE DATA P1 b7-b6 = 11: the data is encrypted (GPCS 2.3.1 table 11-89). */
const P1_ENCRYPTED = 0x60;

/** jCardSim's CREATE APPLET; the key algorithm goes in the application data as the reference applet reads it. */
export async function createApplet(session: CardSession, aid: Uint8Array, algorithm: KeyAlgorithm = 'rsa2048'): Promise<void> {
  await createAppletInstance(session, aid, installParameters(algorithm));
}

export function fixtureDgis(v: JpkiVectors, pin: string, tryLimit: number): Dgi[] {
  const dgis: Dgi[] = [
    { id: DGI.RSA_QINV, data: v.key.qinv },
    { id: DGI.RSA_DQ, data: v.key.dq },
    { id: DGI.RSA_DP, data: v.key.dp },
    { id: DGI.RSA_Q, data: v.key.q },
    { id: DGI.RSA_P, data: v.key.p },
    { id: DGI.PIN, data: new TextEncoder().encode(pin) },
    { id: DGI.PIN_TRY, data: Uint8Array.of(tryLimit, tryLimit) },
  ];
  for (const [fid, content] of v.files) dgis.push({ id: DGI.ef(Number.parseInt(fid, 16)), data: content });
  return dgis;
}

/** Sends the fixture as STORE DATA blocks; every block carries key or PIN bytes, so all data is redacted. */
export async function personalizeFixture(session: CardSession, v: JpkiVectors, pin: string, tryLimit: number, blockSize = 255): Promise<number> {
  session.trace.registerSecret(new TextEncoder().encode(pin));
  for (const part of [v.key.p, v.key.q, v.key.dp, v.key.dq, v.key.qinv, v.key.d]) session.trace.registerSecret(part);
  const stream = concat(...fixtureDgis(v, pin, tryLimit).map(encodeDgi));
  const blocks = splitIntoBlocks(stream, blockSize);
  for (let i = 0; i < blocks.length; i++) {
    const last = i === blocks.length - 1;
    const r = await session.transmit({ cla: 0x80, ins: 0xe2, p1: P1_DGI | (last ? P1_LAST : 0), p2: i & 0xff, data: blocks[i] },
      { name: `STORE DATA block ${i}${last ? ' (last)' : ''}`, redact: 'command-data' });
    if (r.sw !== 0x9000) throw new CardError(`STORE DATA block ${i} of ${blocks.length}`, { cla: 0x80, ins: 0xe2, p1: P1_DGI | (last ? P1_LAST : 0), p2: i & 0xff }, r.sw);
  }
  return blocks.length;
}

/**
 * The fixture with an EC key instead of the RSA one: the scalar d of vectors/jpki/ec-keys.json, the PIN, and the
 * given EF contents (the certificate must certify that key: the RSA fixture's certificate does not).
 */
export function ecFixtureDgis(d: Uint8Array, pin: string, tryLimit: number, files: Map<string, Uint8Array>): Dgi[] {
  return [{ id: DGI.EC_PRIVATE, data: d }, ...pinDgis(pin, tryLimit), ...fileDgis(files)];
}

/** The DGIs whose values are secret: sent encrypted under the domain's DEK when personalizing through it. */
const SENSITIVE = new Set<number>([DGI.RSA_QINV, DGI.RSA_DQ, DGI.RSA_DP, DGI.RSA_Q, DGI.RSA_P, DGI.EC_PRIVATE, DGI.PIN]);

/**
 * Personalizes through the security domain after INSTALL [for personalization] (GPCS 11.11): key components and
 * the PIN go encrypted under the DEK, one DGI per STORE DATA block with P1 b7-b6 = 11; the rest in clear blocks.
 * Returns the number of STORE DATA commands.
 */
export async function personalizeThroughDomain(ch: SecureChannel, v: JpkiVectors, pin: string, tryLimit: number, blockSize = 200): Promise<number> {
  return sendDgis(domainSender(ch), fixtureDgis(v, pin, tryLimit), { final: true, blockSize });
}

/** Where DGI blocks go: straight to the selected applet, or through its security domain (with DEK encryption). */
export interface DgiSender {
  send(p1: number, p2: number, data: Uint8Array, name: string): Promise<void>;
  /** Encrypts a value under the domain's DEK; absent when sending straight to the applet. */
  encrypt?: (value: Uint8Array) => Uint8Array;
  /** Cipher block of the DEK (8 for SCP02, 16 for SCP03). */
  cipherBlock?: number;
}

export function directSender(session: CardSession): DgiSender {
  return {
    send: async (p1, p2, data, name) => {
      const r = await session.transmit({ cla: 0x80, ins: 0xe2, p1, p2, data }, { name, redact: 'command-data' });
      if (r.sw !== 0x9000) throw new CardError(name, { cla: 0x80, ins: 0xe2, p1, p2 }, r.sw);
    },
  };
}

export function domainSender(ch: SecureChannel): DgiSender {
  return {
    send: async (p1, p2, data, name) => {
      await ch.send({ cla: 0x80, ins: 0xe2, p1, p2, data }, name, { secret: true });
    },
    encrypt: (v) => ch.encryptSensitive(v),
    cipherBlock: ch.scp === 3 ? 16 : 8,
  };
}

/**
 * Sends DGIs as one personalization phase (block numbers from 00): sensitive ones encrypted one per block when
 * the sender can, the rest in clear blocks; `final` marks the last block, which ends personalization.
 */
export async function sendDgis(sender: DgiSender, dgis: Dgi[], opts: { final: boolean; blockSize?: number }): Promise<number> {
  const blocks: { data: Uint8Array; encrypted: boolean }[] = [];
  const clear: Uint8Array[] = [];
  for (const d of dgis) {
    if (sender.encrypt && SENSITIVE.has(d.id)) {
      const value = d.id === DGI.PIN ? pad80(d.data, sender.cipherBlock ?? 16) : d.data;
      blocks.push({ data: encodeDgi({ id: d.id, data: sender.encrypt(value) }), encrypted: true });
    } else {
      clear.push(encodeDgi(d));
    }
  }
  if (clear.length > 0) for (const b of splitIntoBlocks(concat(...clear), opts.blockSize ?? 200)) blocks.push({ data: b, encrypted: false });
  for (let i = 0; i < blocks.length; i++) {
    const last = opts.final && i === blocks.length - 1;
    const p1 = P1_DGI | (blocks[i]!.encrypted ? P1_ENCRYPTED : 0) | (last ? P1_LAST : 0);
    await sender.send(p1, i & 0xff, blocks[i]!.data, `STORE DATA block ${i}${blocks[i]!.encrypted ? ' (encrypted DGI)' : ''}${last ? ' (last)' : ''}`);
  }
  return blocks.length;
}

export interface RsaPublicKey {
  kind: 'rsa';
  n: Uint8Array;
  e: Uint8Array;
}

export interface EcPublicKey {
  kind: 'ec';
  curve: EcCurve;
  /** Uncompressed point 04 || X || Y. */
  point: Uint8Array;
}

export type CardPublicKey = RsaPublicKey | EcPublicKey;

/**
 * GENERATE ASYMMETRIC KEY PAIR (00 46 00 00, ISO/IEC 7816-8) in the selected JPKI AP, then the public key it
 * exported to EF 0021 as a 7F49 template, checked against the key type the instance was installed for.
 */
export async function generateKeyOnCard(jpki: JpkiClient, expected: KeyAlgorithm = 'rsa2048'): Promise<CardPublicKey> {
  await jpki.session.send({ cla: 0x00, ins: 0x46, p1: 0x00, p2: 0x00 }, { name: 'GENERATE ASYMMETRIC KEY PAIR' });
  const tlv = await jpki.readEf(EF_GENERATED_PUBLIC_KEY);
  const key = parseAnswer('READ BINARY of EF 0021 (generated public key)', tlv, parsePublicKeyTemplate);
  const got = key.kind === 'rsa' ? 'rsa2048' : key.curve;
  if (got !== expected) throw new Error(`GENERATE ASYMMETRIC KEY PAIR made a ${got} key; the instance was installed for ${expected}`);
  return key;
}

/**
 * The ISO/IEC 7816-8 public key data object: 7F49 { 81 modulus, 82 exponent } for RSA, 7F49 { 86 point } for EC
 * (uncompressed, its length naming the curve; the point must lie on it).
 */
export function parsePublicKeyTemplate(tlv: Uint8Array): CardPublicKey {
  const outer = readTlv(tlv);
  if (outer.tag !== '7F49') throw new Error(`tag ${outer.tag}, not a 7F49 public key template`);
  const inner = parseTlvs(outer.value);
  const point = inner.find((t) => t.tag === '86')?.value;
  if (point) {
    const curve = (Object.keys(EC_CURVES) as EcCurve[]).find((c) => point.length === 1 + 2 * EC_CURVES[c].fieldBytes);
    if (!curve || point[0] !== 0x04) throw new Error(`an EC point of ${point.length} bytes starting ${hex(point.subarray(0, 1))}: not an uncompressed P-256 or P-384 point`);
    assertOnCurve(curve, point);
    return { kind: 'ec', curve, point };
  }
  const n = inner.find((t) => t.tag === '81')?.value;
  const e = inner.find((t) => t.tag === '82')?.value;
  if (!n || !e) throw new Error('the 7F49 public key template has no modulus (81) or exponent (82), nor an EC point (86)');
  if (n.length < 128 || e.length === 0 || e.length > 8) throw new Error(`an implausible RSA key: ${n.length}-byte modulus, ${e.length}-byte exponent`);
  return { kind: 'rsa', n, e };
}

/** The DGIs of a personalization without the private key: the PIN and its tries. */
export function pinDgis(pin: string, tryLimit: number): Dgi[] {
  return [{ id: DGI.PIN, data: new TextEncoder().encode(pin) }, { id: DGI.PIN_TRY, data: Uint8Array.of(tryLimit, tryLimit) }];
}

/** The EF contents as DGIs; `files` maps FID (hex) to content. */
export function fileDgis(files: Map<string, Uint8Array>): Dgi[] {
  return [...files].map(([fid, content]) => ({ id: DGI.ef(Number.parseInt(fid, 16)), data: content }));
}
