// Reads who a card is: its ICCID from EF ICCID (2FE2) under the MF of a UICC. The command sequence is the one
// pySim uses against real SIMs (SELECT MF, SELECT EF ICCID, READ BINARY); the coding is ETSI TS 102 221 section
// 13.2: BCD digits, the two nibbles of each byte swapped, F as padding.
import type { CardSession } from '../apdu/session.ts';
import { isOk } from '../apdu/status-words.ts';

export function decodeIccid(ef: Uint8Array): string {
  let digits = '';
  for (const b of ef) digits += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  return digits.replace(/f+$/i, '');
}

/** The card's ICCID, or undefined when it has no readable EF ICCID (not a UICC, or an applet-only card). */
export async function readIccid(session: CardSession): Promise<string | undefined> {
  const select = async (fid: number, name: string): Promise<boolean> =>
    isOk((await session.transmit({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x04, data: Uint8Array.of(fid >> 8, fid & 0xff) }, { name })).sw);
  if (!(await select(0x3f00, 'SELECT MF')) || !(await select(0x2fe2, 'SELECT EF ICCID'))) return undefined;
  const r = await session.transmit({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 10 }, { name: 'READ BINARY EF ICCID' });
  if (!isOk(r.sw) || r.data.length !== 10) return undefined;
  const iccid = decodeIccid(r.data);
  return /^[0-9]+$/.test(iccid) ? iccid : undefined;
}
