// Gets the JPKI applet onto an emulated card and personalizes both halves of it (user authentication and digital
// signature) with the test fixture from vectors/jpki or keys generated on the card: with jCardSim's CREATE APPLET
// and DGIs sent straight to the applet, or through the security domain (INSTALL [for personalization], key and
// PIN DGIs encrypted under the DEK). The applet accepts DGIs only before it is PERSONALIZED, and becomes
// PERSONALIZED only when both halves are complete (lab/applets/jpki/README.md).
import { concat, hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import { encodeDgi, splitIntoBlocks, type Dgi } from '../tlv/dgi.ts';
import type { JpkiVectors, RsaCrtKey } from './vectors.ts';
import { pad80 } from '../gp/crypto.ts';
import type { SecureChannel } from '../gp/secure-channel.ts';
import { parseTlvs, readTlv } from '../tlv/ber.ts';
import { parseAnswer } from '../apdu/answer.ts';
import type { JpkiClient } from './client.ts';
import { assertOnCurve } from './ecdsa-check.ts';
import { createAppletInstance } from '../sim/create-applet.ts';
import { EC_CURVES, installParameters, type EcCurve, type KeyAlgorithm } from './key-algorithm.ts';

/** EFs the reference applet puts a generated public key in (lab/applets/jpki/README.md): user-auth key, signing key. */
export const EF_GENERATED_PUBLIC_KEY = 0x0021;
export const EF_GENERATED_SIGNING_PUBLIC_KEY = 0x0022;

/**
 * DGIs the reference applet takes (lab/applets/jpki/README.md). 82xx numbering: EMV CPS v1.1 ICC private key in
 * CRT form; 821x / 8311 / 8011 / 9011 the project's numbering for the second (signing) key and its password.
 */
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
  SIGNING_RSA_QINV: 0x8211,
  SIGNING_RSA_DQ: 0x8212,
  SIGNING_RSA_DP: 0x8213,
  SIGNING_RSA_Q: 0x8214,
  SIGNING_RSA_P: 0x8215,
  SIGNING_EC_PRIVATE: 0x8311,
  SIGNING_PIN: 0x8011,
  SIGNING_PIN_TRY: 0x9011,
  /** Binary EF contents: A000 | FID (the project's own numbering). */
  ef: (fid: number): number => 0xa000 | fid,
} as const;

/** The two halves of the JPKI AP: user authentication (key 0017, PIN 0018) and digital signature (key 001A, password 001B). */
export type JpkiHalf = 'userAuth' | 'signing';

/** The signing password the emulated card gets when a caller gives none (6..16 of A-Z 0-9; the contract's example). */
export const DEFAULT_SIGNING_PIN = 'SIMCERT1';
/** Try limits of the JPKI AP (reference: 3 for the auth PIN, 5 for the signing password). */
export const TRY_LIMIT: Record<JpkiHalf, number> = { userAuth: 3, signing: 5 };

/** The private key of one half: injected as DGIs (RSA CRT components or the EC scalar), or generated in the card. */
export type KeyInjection =
  | { kind: 'rsa'; key: Pick<RsaCrtKey, 'p' | 'q' | 'dp' | 'dq' | 'qinv'> }
  | { kind: 'ec'; d: Uint8Array }
  | { kind: 'on-card' };

export interface HalfPersonalization {
  key: KeyInjection;
  /** The PIN (user-auth: 4 digits) or password (signing: 6..16 of A-Z 0-9). */
  pin: string;
  tryLimit: number;
}

/** Everything a complete personalization of the JPKI AP delivers (both halves; the applet refuses less). */
export interface JpkiPersonalization {
  userAuth: HalfPersonalization;
  signing: HalfPersonalization;
  /** FID (4 hex digits) -> content: 000A, 000B, 0001, 0002, 0006, 0008. */
  files: Map<string, Uint8Array>;
}

/** STORE DATA P1: b8 last block; b4-b5 = 01 "DGI format" (GlobalPlatform Card Specification 2.3.1, 11.11.2.1). */
const P1_DGI = 0x08;
const P1_LAST = 0x80;
/** STORE DATA P1 b7-b6 = 11: the data is encrypted (GPCS 2.3.1 table 11-89). */
const P1_ENCRYPTED = 0x60;

/**
 * jCardSim's CREATE APPLET; the key algorithms go in the application data as the reference applet reads them
 * (`signing` defaults to the user-auth key's type, as in the applet).
 */
export async function createApplet(session: CardSession, aid: Uint8Array, algorithm: KeyAlgorithm = 'rsa2048', signing: KeyAlgorithm = algorithm): Promise<void> {
  await createAppletInstance(session, aid, installParameters(algorithm, signing));
}

/** The key DGIs of one half (none when the key is generated on the card). */
export function keyDgis(half: JpkiHalf, key: KeyInjection): Dgi[] {
  const s = half === 'signing';
  if (key.kind === 'on-card') return [];
  if (key.kind === 'ec') return [{ id: s ? DGI.SIGNING_EC_PRIVATE : DGI.EC_PRIVATE, data: key.d }];
  return [
    { id: s ? DGI.SIGNING_RSA_QINV : DGI.RSA_QINV, data: key.key.qinv },
    { id: s ? DGI.SIGNING_RSA_DQ : DGI.RSA_DQ, data: key.key.dq },
    { id: s ? DGI.SIGNING_RSA_DP : DGI.RSA_DP, data: key.key.dp },
    { id: s ? DGI.SIGNING_RSA_Q : DGI.RSA_Q, data: key.key.q },
    { id: s ? DGI.SIGNING_RSA_P : DGI.RSA_P, data: key.key.p },
  ];
}

/** The DGIs of one half's PIN: the value (8010 / 8011) and tries left || limit (9010 / 9011), all tries left. */
export function pinDgis(pin: string, tryLimit: number, half: JpkiHalf = 'userAuth'): Dgi[] {
  const s = half === 'signing';
  return [
    { id: s ? DGI.SIGNING_PIN : DGI.PIN, data: new TextEncoder().encode(pin) },
    { id: s ? DGI.SIGNING_PIN_TRY : DGI.PIN_TRY, data: Uint8Array.of(tryLimit, tryLimit) },
  ];
}

/** The EF contents as DGIs; `files` maps FID (hex) to content. */
export function fileDgis(files: Map<string, Uint8Array>): Dgi[] {
  return [...files].map(([fid, content]) => ({ id: DGI.ef(Number.parseInt(fid, 16)), data: content }));
}

/** All DGIs of a personalization: both keys (unless generated on the card), both PINs, the EFs. */
export function personalizationDgis(p: JpkiPersonalization): Dgi[] {
  return [
    ...keyDgis('userAuth', p.userAuth.key), ...keyDgis('signing', p.signing.key),
    ...pinDgis(p.userAuth.pin, p.userAuth.tryLimit, 'userAuth'), ...pinDgis(p.signing.pin, p.signing.tryLimit, 'signing'),
    ...fileDgis(p.files),
  ];
}

/**
 * The known-answer fixture of vectors/jpki: the NIST key for user authentication, the Wycheproof key for signing;
 * or, when the fixture carries EC keys (`v.ec`), those two scalars.
 */
export function fixturePersonalization(v: JpkiVectors, pin = v.pin, tryLimit = v.pinTryLimit, signingPin = v.signingPin,
  signingTryLimit = v.signingPinTryLimit): JpkiPersonalization {
  return {
    userAuth: { key: v.ec ? { kind: 'ec', d: v.ec.userAuth } : { kind: 'rsa', key: v.key }, pin, tryLimit },
    signing: { key: v.ec ? { kind: 'ec', d: v.ec.signing } : { kind: 'rsa', key: v.signingKey }, pin: signingPin, tryLimit: signingTryLimit },
    files: v.files,
  };
}

/** The fixture's DGIs (both halves); the signing password defaults to the fixture's. */
export function fixtureDgis(v: JpkiVectors, pin: string, tryLimit: number, signingPin = v.signingPin): Dgi[] {
  return personalizationDgis(fixturePersonalization(v, pin, tryLimit, signingPin));
}

/** Registers every PIN and key component of a personalization as a secret of the trace. */
export function registerSecrets(session: CardSession, p: JpkiPersonalization): void {
  for (const half of [p.userAuth, p.signing]) {
    session.trace.registerSecret(new TextEncoder().encode(half.pin));
    if (half.key.kind === 'rsa') for (const part of [half.key.key.p, half.key.key.q, half.key.key.dp, half.key.key.dq, half.key.key.qinv]) session.trace.registerSecret(part);
    if (half.key.kind === 'ec') session.trace.registerSecret(half.key.d);
  }
}

/** Sends a whole personalization as STORE DATA blocks straight to the selected applet; all data is redacted. */
export async function personalize(session: CardSession, p: JpkiPersonalization, blockSize = 255): Promise<number> {
  registerSecrets(session, p);
  const stream = concat(...personalizationDgis(p).map(encodeDgi));
  const blocks = splitIntoBlocks(stream, blockSize);
  for (let i = 0; i < blocks.length; i++) {
    const last = i === blocks.length - 1;
    const r = await session.transmit({ cla: 0x80, ins: 0xe2, p1: P1_DGI | (last ? P1_LAST : 0), p2: i & 0xff, data: blocks[i] },
      { name: `STORE DATA block ${i}${last ? ' (last)' : ''}`, redact: 'command-data' });
    if (r.sw !== 0x9000) throw new CardError(`STORE DATA block ${i} of ${blocks.length}`, { cla: 0x80, ins: 0xe2, p1: P1_DGI | (last ? P1_LAST : 0), p2: i & 0xff }, r.sw);
  }
  return blocks.length;
}

/** Sends the fixture (both halves) as STORE DATA blocks; every block carries key or PIN bytes, so all data is redacted. */
export async function personalizeFixture(session: CardSession, v: JpkiVectors, pin: string, tryLimit: number, blockSize = 255,
  signingPin = v.signingPin): Promise<number> {
  session.trace.registerSecret(v.key.d);
  session.trace.registerSecret(v.signingKey.d);
  if (v.ec) for (const d of [v.ec.userAuth, v.ec.signing]) session.trace.registerSecret(d);
  return personalize(session, fixturePersonalization(v, pin, tryLimit, signingPin), blockSize);
}

/**
 * The fixture with EC keys instead of the RSA ones: the scalar d of vectors/jpki/ec-keys.json for the user-auth
 * key, the PIN, and the given EF contents (the certificate must certify that key: the RSA fixture's does not).
 * The signing half defaults to the same scalar, DEFAULT_SIGNING_PIN and 5 tries; `files` must hold all six EFs.
 */
export function ecFixtureDgis(d: Uint8Array, pin: string, tryLimit: number, files: Map<string, Uint8Array>,
  signing: HalfPersonalization = { key: { kind: 'ec', d }, pin: DEFAULT_SIGNING_PIN, tryLimit: TRY_LIMIT.signing }): Dgi[] {
  return personalizationDgis({ userAuth: { key: { kind: 'ec', d }, pin, tryLimit }, signing, files });
}

/** The DGIs whose values are secret: sent encrypted under the domain's DEK when personalizing through it. */
const SENSITIVE = new Set<number>([
  DGI.RSA_QINV, DGI.RSA_DQ, DGI.RSA_DP, DGI.RSA_Q, DGI.RSA_P, DGI.EC_PRIVATE, DGI.PIN,
  DGI.SIGNING_RSA_QINV, DGI.SIGNING_RSA_DQ, DGI.SIGNING_RSA_DP, DGI.SIGNING_RSA_Q, DGI.SIGNING_RSA_P, DGI.SIGNING_EC_PRIVATE, DGI.SIGNING_PIN,
]);
const PIN_DGIS = new Set<number>([DGI.PIN, DGI.SIGNING_PIN]);

/**
 * Personalizes through the security domain after INSTALL [for personalization] (GPCS 11.11): key components and
 * the PIN go encrypted under the DEK, one DGI per STORE DATA block with P1 b7-b6 = 11; the rest in clear blocks.
 * Returns the number of STORE DATA commands.
 */
export async function personalizeThroughDomain(ch: SecureChannel, v: JpkiVectors, pin: string, tryLimit: number, blockSize = 200,
  signingPin = v.signingPin): Promise<number> {
  return sendDgis(domainSender(ch), fixtureDgis(v, pin, tryLimit, signingPin), { final: true, blockSize });
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
      const value = PIN_DGIS.has(d.id) ? pad80(d.data, sender.cipherBlock ?? 16) : d.data;
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
 * GENERATE ASYMMETRIC KEY PAIR (ISO/IEC 7816-8) in the selected JPKI AP: `00 46 00 00` for the user-auth key
 * (public key exported to EF 0021), `00 46 00 9A` for the signing key (EF 0022); then the public key read from
 * that EF as a 7F49 template, checked against the key type the instance was installed for.
 */
export async function generateKeyOnCard(jpki: JpkiClient, expected: KeyAlgorithm = 'rsa2048', half: JpkiHalf = 'userAuth'): Promise<CardPublicKey> {
  const signing = half === 'signing';
  await jpki.session.send({ cla: 0x00, ins: 0x46, p1: 0x00, p2: signing ? 0x9a : 0x00 },
    { name: `GENERATE ASYMMETRIC KEY PAIR (${signing ? 'signing' : 'user-auth'} key)` });
  const ef = signing ? EF_GENERATED_SIGNING_PUBLIC_KEY : EF_GENERATED_PUBLIC_KEY;
  const tlv = await jpki.readEf(ef);
  const key = parseAnswer(`READ BINARY of EF ${ef.toString(16).padStart(4, '0')} (generated public key)`, tlv, parsePublicKeyTemplate);
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
