// Gets the JPKI applet onto an emulated card and personalizes it with the test fixture from vectors/jpki: with
// jCardSim's CREATE APPLET and DGIs sent straight to the applet, or through the security domain (INSTALL [for
// personalization], key DGIs encrypted under the DEK). The applet accepts DGIs only before it is PERSONALIZED.
import { concat, equalBytes, hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import { encodeDgi, splitIntoBlocks, type Dgi } from '../tlv/dgi.ts';
import type { JpkiVectors } from './vectors.ts';
import { pad80 } from '../gp/crypto.ts';
import type { SecureChannel } from '../gp/secure-channel.ts';

/** DGIs the reference applet takes (lab/applets/jpki/README.md). 82xx numbering: EMV CPS v1.1 ICC private key in CRT form. */
export const DGI = {
  RSA_QINV: 0x8201,
  RSA_DQ: 0x8202,
  RSA_DP: 0x8203,
  RSA_Q: 0x8204,
  RSA_P: 0x8205,
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

export async function createApplet(session: CardSession, aid: Uint8Array): Promise<void> {
  // jCardSim's format: aidLen AID, then an empty control field and empty application data, GP install layout.
  const r = await session.send({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: concat(Uint8Array.of(aid.length), aid, Uint8Array.of(0, 0)) },
    { name: 'CREATE APPLET (jCardSim)' });
  if (!equalBytes(r.data, aid)) {
    throw new Error(`CREATE APPLET answered instance AID ${hex(r.data)}, expected ${hex(aid)}`);
  }
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
    if (r.sw !== 0x9000) throw new CardError(`STORE DATA block ${i} of ${blocks.length}`, `80 E2 .. ${(i & 0xff).toString(16).padStart(2, '0')}`, r.sw);
  }
  return blocks.length;
}

/** The DGIs whose values are secret: sent encrypted under the domain's DEK when personalizing through it. */
const SENSITIVE = new Set<number>([DGI.RSA_QINV, DGI.RSA_DQ, DGI.RSA_DP, DGI.RSA_Q, DGI.RSA_P, DGI.PIN]);

/**
 * Personalizes through the security domain after INSTALL [for personalization] (GPCS 11.11): key components and
 * the PIN go encrypted under the DEK, one DGI per STORE DATA block with P1 b7-b6 = 11; the rest in clear blocks.
 * Returns the number of STORE DATA commands.
 */
export async function personalizeThroughDomain(ch: SecureChannel, v: JpkiVectors, pin: string, tryLimit: number, blockSize = 200): Promise<number> {
  const blocks: { data: Uint8Array; encrypted: boolean }[] = [];
  let clear: Uint8Array[] = [];
  for (const d of fixtureDgis(v, pin, tryLimit)) {
    if (SENSITIVE.has(d.id)) {
      const block = ch.scp === 3 ? 16 : 8;
      // Key components fill whole blocks; the PIN is padded (ISO 9797-1 method 2) to one.
      const value = d.id === DGI.PIN ? pad80(d.data, block) : d.data;
      blocks.push({ data: encodeDgi({ id: d.id, data: ch.encryptSensitive(value) }), encrypted: true });
    } else {
      clear.push(encodeDgi(d));
    }
  }
  for (const b of splitIntoBlocks(concat(...clear), blockSize)) blocks.push({ data: b, encrypted: false });
  clear = [];
  for (let i = 0; i < blocks.length; i++) {
    const last = i === blocks.length - 1;
    const p1 = P1_DGI | (blocks[i]!.encrypted ? P1_ENCRYPTED : 0) | (last ? P1_LAST : 0);
    await ch.send({ cla: 0x80, ins: 0xe2, p1, p2: i & 0xff, data: blocks[i]!.data },
      `STORE DATA block ${i}${blocks[i]!.encrypted ? ' (encrypted DGI)' : ''}${last ? ' (last)' : ''}`, { secret: true });
  }
  return blocks.length;
}
