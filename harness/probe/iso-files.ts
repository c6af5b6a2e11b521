// The files a UICC keeps under its MF that tell a lab what card this is, read without any access condition:
// EF.DIR (2F00, ISO/IEC 7816-4 8.2.1.1 / ETSI TS 102 221 13.1: the applications, one record each), EF ICCID
// (2FE2, TS 102 221 13.2: BCD with swapped nibbles) and EF.ATR (2F01, ISO/IEC 7816-4 8.2.1.1: the card's
// extended capabilities, e.g. extended length information 7F66). SELECT and READ only: nothing is written.
import { hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { parseTlvs } from '../tlv/ber.ts';
import { ask, worked, type Evidence } from './evidence.ts';

export interface IsoFiles {
  /** Whether SELECT MF worked at all (many Java Cards have no file system outside their applets). */
  mf: boolean;
  iccid?: string;
  /** Application AIDs listed in EF.DIR records (tag 61 { 4F AID }). */
  dirAids: string[];
  /** EF.ATR raw content, and its extended length information (7F66) if present. */
  efAtr?: { raw: string; extendedLengthInfo?: string };
  evidence: Evidence[];
}

/** EF ICCID digits: each byte holds two digits, low nibble first; F pads (ITU-T E.118, TS 102 221 13.2). */
export function decodeIccid(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  return s.replace(/f+$/i, '').toUpperCase();
}

async function selectFile(session: CardSession, fid: number, ev: Evidence[]): Promise<boolean> {
  const r = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x04, data: Uint8Array.of(fid >> 8, fid & 0xff), le: 256 }, `SELECT ${fid.toString(16).toUpperCase()}`);
  ev.push(...r.evidence);
  return worked(r);
}

async function readBinary(session: CardSession, name: string, ev: Evidence[]): Promise<Uint8Array | undefined> {
  const r = await ask(session, { cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 256 }, `READ BINARY ${name}`);
  ev.push(...r.evidence);
  return worked(r) ? r.data : undefined;
}

export async function probeIsoFiles(session: CardSession): Promise<IsoFiles> {
  const evidence: Evidence[] = [];
  const out: IsoFiles = { mf: false, dirAids: [], evidence };
  out.mf = await selectFile(session, 0x3f00, evidence);
  if (!out.mf) return out;
  if (await selectFile(session, 0x2fe2, evidence)) {
    const d = await readBinary(session, 'EF ICCID', evidence);
    if (d && d.length > 0) out.iccid = decodeIccid(d);
  }
  await selectFile(session, 0x3f00, evidence);
  if (await selectFile(session, 0x2f00, evidence)) {
    for (let n = 1; n <= 16; n++) {
      const r = await ask(session, { cla: 0x00, ins: 0xb2, p1: n, p2: 0x04, le: 256 }, `READ RECORD EF.DIR ${n}`);
      evidence.push(...r.evidence);
      if (!worked(r)) break;
      try {
        for (const t of parseTlvs(r.data)) {
          if (t.tag !== '61') continue;
          const aid = parseTlvs(t.value).find((x) => x.tag === '4F');
          if (aid) out.dirAids.push(hex(aid.value).toUpperCase());
        }
      } catch {
        break; // padding (FF) after the last template, or a record this parser cannot read: keep what was read
      }
    }
  }
  await selectFile(session, 0x3f00, evidence);
  if (await selectFile(session, 0x2f01, evidence)) {
    const d = await readBinary(session, 'EF.ATR', evidence);
    if (d) {
      out.efAtr = { raw: hex(d).toUpperCase() };
      try {
        const ext = findTag(parseTlvs(d), '7F66');
        if (ext) out.efAtr.extendedLengthInfo = hex(ext).toUpperCase();
      } catch {
        // EF.ATR may be compact-TLV or padded; the raw content is kept for a person to read
      }
    }
  }
  return out;
}

function findTag(tlvs: ReturnType<typeof parseTlvs>, tag: string): Uint8Array | undefined {
  for (const t of tlvs) {
    if (t.tag === tag) return t.value;
    if (t.constructed) {
      try {
        const inner = findTag(parseTlvs(t.value), tag);
        if (inner) return inner;
      } catch {
        // not BER inside
      }
    }
  }
  return undefined;
}
