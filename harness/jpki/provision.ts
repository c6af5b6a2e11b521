// Gets the JPKI applet onto an emulated card and personalizes it with the test fixture from vectors/jpki.
// Until the GlobalPlatform path lands, install uses jCardSim's CREATE APPLET, and personalization sends the
// EMV CPS-style DGIs straight to the applet, which accepts them only before it is PERSONALIZED.
import { concat, equalBytes, hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import { encodeDgi, splitIntoBlocks, type Dgi } from '../tlv/dgi.ts';
import type { JpkiVectors } from './vectors.ts';

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
