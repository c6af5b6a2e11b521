// Reading a card's GlobalPlatform identity and content: CPLC (GET DATA 9F7F, GPCS table H-5) and GET STATUS in
// the tagged E3 format (GPCS 11.4.3). Commands go through a secure channel where the card requires one.
import { hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { isOk } from '../apdu/status-words.ts';
import { CardError } from '../apdu/session.ts';
import { parseAnswer } from '../apdu/answer.ts';
import { parseTlvs } from '../tlv/ber.ts';
import type { SecureChannel } from './secure-channel.ts';

/** The card answered 9000 with data this harness cannot read as what the command returns. */

export interface Cplc {
  raw: Uint8Array;
  icFabricator: string;
  icType: string;
  osId: string;
  icSerialNumber: string;
  icBatchIdentifier: string;
}

/** CPLC fields by offset (GPCS table H-5); the IC serial number is what identifies a card in a rack. */
export function parseCplc(value: Uint8Array): Cplc {
  if (value.length < 42) throw new Error(`CPLC of ${value.length} bytes; 42 expected`);
  const f = (off: number, len: number): string => hex(value.subarray(off, off + len));
  return { raw: value, icFabricator: f(0, 2), icType: f(2, 2), osId: f(4, 2), icSerialNumber: f(12, 4), icBatchIdentifier: f(16, 2) };
}

/** GET DATA CPLC, as GPPro sends it (80 CA 9F 7F 00, then 00 CA on cards that want the ISO class). */
export async function readCplc(session: CardSession): Promise<Cplc | undefined> {
  for (const cla of [0x80, 0x00]) {
    const r = await session.transmit({ cla, ins: 0xca, p1: 0x9f, p2: 0x7f, le: 256 }, { name: 'GET DATA CPLC' });
    if (isOk(r.sw)) {
      return parseAnswer('GET DATA CPLC', r.data, (d) => {
        const tlv = parseTlvs(d).find((t) => t.tag === '9F7F');
        return parseCplc(tlv ? tlv.value : d);
      });
    }
  }
  return undefined;
}

export interface RegistryEntry {
  aid: string;
  lifeCycle: number;
  privileges: string;
}

/** GET STATUS in the legacy format (P2 = 00): length, AID, life cycle, one privileges byte per entry. */
export async function getStatusLegacy(channel: SecureChannel, p1: 0x80 | 0x40 | 0x20): Promise<RegistryEntry[]> {
  const r = await channel.transmit({ cla: 0x80, ins: 0xf2, p1, p2: 0x00, data: Uint8Array.of(0x4f, 0x00), le: 256 }, `GET STATUS ${p1.toString(16)} (legacy)`);
  if (r.sw === 0x6a88) return [];
  if (!isOk(r.sw)) throw new CardError('GET STATUS (legacy)', { cla: 0x80, ins: 0xf2, p1, p2: 0x00 }, r.sw);
  const out: RegistryEntry[] = [];
  for (let p = 0; p < r.data.length;) {
    const len = r.data[p]!;
    if (p + 1 + len + 2 > r.data.length) throw new Error(`GET STATUS (legacy): entry at ${p} runs past the ${r.data.length}-byte answer`);
    out.push({ aid: hex(r.data.subarray(p + 1, p + 1 + len)), lifeCycle: r.data[p + 1 + len]!, privileges: hex(r.data.subarray(p + 2 + len, p + 3 + len)) });
    p += 3 + len;
  }
  return out;
}

/** GET STATUS with P2 = 02 (E3 format), following 6310 "more data" with P2 = 03. P1: 80 ISD, 40 applications, 20 load files. */
export async function getStatus(channel: SecureChannel, p1: 0x80 | 0x40 | 0x20): Promise<RegistryEntry[]> {
  const out: RegistryEntry[] = [];
  let p2 = 0x02;
  for (let round = 0; round < 64; round++) {
    const r = await channel.transmit({ cla: 0x80, ins: 0xf2, p1, p2, data: Uint8Array.of(0x4f, 0x00), le: 256 }, `GET STATUS ${p1.toString(16)}`);
    if (r.sw === 0x6a88) return out; // nothing (more) matches
    if (!isOk(r.sw) && r.sw !== 0x6310) throw new CardError('GET STATUS', { cla: 0x80, ins: 0xf2, p1, p2 }, r.sw, [0x9000, 0x6310]);
    out.push(...parseAnswer(`GET STATUS ${p1.toString(16).toUpperCase()}`, r.data, (d) => parseTlvs(d).filter((t) => t.tag === 'E3').map((e) => {
      const inner = parseTlvs(e.value);
      const get = (tag: string): Uint8Array => inner.find((t) => t.tag === tag)?.value ?? new Uint8Array(0);
      if (get('4F').length === 0) throw new Error('an E3 entry without an AID (4F)');
      return { aid: hex(get('4F')), lifeCycle: get('9F70')[0] ?? 0, privileges: hex(get('C5')) };
    })));
    if (r.sw !== 0x6310) return out;
    p2 = 0x03;
  }
  throw new Error('GET STATUS kept answering 6310 (more data); giving up after 64 rounds');
}

export interface CardRecognition {
  /** GlobalPlatform card management version from the 60 tag, e.g. "2.3.1". */
  gpVersion?: string;
  /** Secure channel protocol and its i parameter from the 64 tag. */
  scp?: { version: number; i: number };
}

/** OID prefix of GlobalPlatform's card recognition data objects: 1.2.840.114283 (GPCS 2.3.1 H.2). */
const GP_OID = '2A864886FC6B';

/** Parses GET DATA 0066 (card recognition data, GPCS H.2): 66 { 73 { 06 GP-RID-OID, 60, 63, 64 ... } }. */
export function parseCardRecognition(data: Uint8Array): CardRecognition {
  let t = parseTlvs(data);
  if (t[0]?.tag === '66') t = parseTlvs(t[0].value);
  const inner = t[0]?.tag === '73' ? parseTlvs(t[0].value) : t;
  const oidIn = (tag: string): Uint8Array | undefined => {
    const v = inner.find((x) => x.tag === tag)?.value;
    const oid = v ? parseTlvs(v).find((x) => x.tag === '06')?.value : undefined;
    return oid && hex(oid).startsWith(GP_OID) ? oid.subarray(GP_OID.length / 2) : undefined;
  };
  const out: CardRecognition = {};
  const v = oidIn('60');
  if (v && v[0] === 0x02) out.gpVersion = [...v.subarray(1)].join('.');
  const p = oidIn('64');
  if (p && p[0] === 0x04 && p.length >= 3) out.scp = { version: p[1]!, i: p[2]! };
  return out;
}

export async function readCardRecognition(session: CardSession): Promise<CardRecognition | undefined> {
  const r = await session.transmit({ cla: 0x80, ins: 0xca, p1: 0x00, p2: 0x66, le: 256 }, { name: 'GET DATA card recognition data' });
  return isOk(r.sw) ? parseAnswer('GET DATA card recognition data', r.data, parseCardRecognition) : undefined;
}
