// The issuer security domain as any terminal may see it, before authentication (GPCS 2.3.1 section 11.3 GET DATA,
// appendix H): SELECT by the default (empty) name and by the well-known ISD AIDs, then GET DATA of the CPLC (9F7F,
// table H-5), card recognition data (66, H.2: GP version, SCP and i), key information template (E0, 11.3.3.1: key
// versions, types, lengths), sequence counter (C1) and extended card resources (FF21, ETSI TS 102 226 8.2.1.7.2:
// free non-volatile memory). No INITIALIZE UPDATE: it would move an SCP02 card's counters and is an
// authentication attempt; nothing here changes the card.
import { hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { parseCardRecognition, parseCplc, type CardRecognition } from '../gp/card-content.ts';
import { parseTlvs, type Tlv } from '../tlv/ber.ts';
import { ask, worked, type Evidence } from './evidence.ts';

/** ISD AIDs seen on cards (GPCS table H-1; Visa OP, used by sysmocom SIMs and JCOP; Gemalto), in the order tried. */
export const WELL_KNOWN_ISD_AIDS = ['A000000151000000', 'A000000003000000', 'A0000001510000', 'A000000018434D00'] as const;

/** Java Card platform OID 1.3.6.1.4.1.42.2.110.1 (card recognition data tag 66, as GPPro decodes it). */
const JAVA_CARD_OID = '2B060104012A026E01';

export interface KeyInfo {
  id: number;
  kvn: number;
  /** Key type (80 DES, 88 AES, ...) and length in bytes, per component. */
  components: { type: number; length: number }[];
}

export interface IsdInfo {
  /** The AID that selected the ISD, and how (default selection by an empty name, or the AID). */
  aid?: string;
  fci?: string;
  /** Maximum command data length from the FCI (9F65). */
  maxCommandData?: number;
  cplc?: { raw: string; icFabricator: string; icType: string; osId: string; icSerialNumber: string };
  recognition?: CardRecognition & { javaCardMajor?: number; raw: string };
  keys?: KeyInfo[];
  sequenceCounter?: number;
  /** From FF21: free non-volatile memory (82) and installed applications (81). */
  resources?: { freeNonVolatile?: number; applications?: number };
  evidence: {
    select: Evidence[];
    cplc: Evidence[];
    recognition: Evidence[];
    keys: Evidence[];
    sequenceCounter: Evidence[];
    resources: Evidence[];
  };
}

function find(tlvs: Tlv[], tag: string): Tlv | undefined {
  for (const t of tlvs) {
    if (t.tag === tag) return t;
    if (t.constructed) {
      try {
        const inner = find(parseTlvs(t.value), tag);
        if (inner) return inner;
      } catch {
        // not BER inside
      }
    }
  }
  return undefined;
}

function uint(b: Uint8Array): number {
  return b.reduce((n, x) => n * 256 + x, 0);
}

/** Key information template (GPCS 11.3.3.1): E0 { C0 { key id, KVN, (type, length)+ } }. */
export function parseKeyInfo(data: Uint8Array): KeyInfo[] {
  let t = parseTlvs(data);
  if (t[0]?.tag === 'E0') t = parseTlvs(t[0].value);
  return t.filter((x) => x.tag === 'C0' && x.value.length >= 4).map((x) => {
    const v = x.value;
    const components: KeyInfo['components'] = [];
    for (let p = 2; p + 1 < v.length; p += 2) components.push({ type: v[p]!, length: v[p + 1]! });
    return { id: v[0]!, kvn: v[1]!, components };
  });
}

/** The Java Card major version in card recognition data (tag 66 inside 73, OID 1.3.6.1.4.1.42.2.110.1.v). */
export function javaCardMajor(data: Uint8Array): number | undefined {
  const oid = hex(data).toUpperCase().indexOf(JAVA_CARD_OID);
  if (oid < 0 || oid % 2 !== 0) return undefined;
  return data[oid / 2 + JAVA_CARD_OID.length / 2];
}

export async function probeIsd(session: CardSession): Promise<IsdInfo> {
  const ev: IsdInfo['evidence'] = { select: [], cplc: [], recognition: [], keys: [], sequenceCounter: [], resources: [] };
  const out: IsdInfo = { evidence: ev };
  // GPPro's discover(): SELECT with no name reaches the default-selected application, often the ISD.
  const candidates: { name: string; aid: Uint8Array }[] = [{ name: '(default)', aid: new Uint8Array(0) },
    ...WELL_KNOWN_ISD_AIDS.map((a) => ({ name: a, aid: Buffer.from(a, 'hex') }))];
  for (const c of candidates) {
    const r = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: c.aid, le: 256 }, `SELECT ISD ${c.name}`);
    ev.select.push(...r.evidence);
    if (!worked(r)) continue;
    // The FCI names the selected application (84); a default selection may have reached something else.
    let fci: Tlv[] = [];
    try {
      fci = parseTlvs(r.data);
    } catch {
      fci = [];
    }
    const named = find(fci, '84');
    const namedAid = named ? hex(named.value).toUpperCase() : undefined;
    const looksLikeIsd = (namedAid !== undefined && (WELL_KNOWN_ISD_AIDS as readonly string[]).includes(namedAid)) || find(fci, '73') !== undefined;
    if (c.aid.length === 0 && !looksLikeIsd) continue;
    out.aid = namedAid ?? c.name;
    out.fci = hex(r.data).toUpperCase();
    const max = find(fci, '9F65');
    if (max) out.maxCommandData = uint(max.value);
    break;
  }
  if (!out.aid) return out;

  // CPLC as GPPro asks for it: class 80, then 00 for cards that want the ISO class.
  for (const cla of [0x80, 0x00]) {
    const r = await ask(session, { cla, ins: 0xca, p1: 0x9f, p2: 0x7f, le: 256 }, 'GET DATA CPLC');
    ev.cplc.push(...r.evidence);
    if (!worked(r)) continue;
    try {
      const t = find(parseTlvs(r.data), '9F7F');
      const c = parseCplc(t ? t.value : r.data);
      out.cplc = { raw: hex(c.raw).toUpperCase(), icFabricator: c.icFabricator, icType: c.icType, osId: c.osId, icSerialNumber: c.icSerialNumber };
    } catch {
      // an answer that is not a CPLC: the evidence shows it
    }
    break;
  }
  const getData = async (p1: number, p2: number, name: string, into: Evidence[]): Promise<Uint8Array | undefined> => {
    const r = await ask(session, { cla: 0x80, ins: 0xca, p1, p2, le: 256 }, name);
    into.push(...r.evidence);
    return worked(r) ? r.data : undefined;
  };
  const crd = await getData(0x00, 0x66, 'GET DATA card recognition data', ev.recognition);
  if (crd) {
    try {
      const major = javaCardMajor(crd);
      out.recognition = { ...parseCardRecognition(crd), ...(major !== undefined ? { javaCardMajor: major } : {}), raw: hex(crd).toUpperCase() };
    } catch {
      out.recognition = { raw: hex(crd).toUpperCase() };
    }
  }
  const kit = await getData(0x00, 0xe0, 'GET DATA key information template', ev.keys);
  if (kit) {
    try {
      out.keys = parseKeyInfo(kit);
    } catch {
      // kept in the evidence
    }
  }
  const ssc = await getData(0x00, 0xc1, 'GET DATA sequence counter', ev.sequenceCounter);
  if (ssc) {
    try {
      const t = find(parseTlvs(ssc), 'C1');
      out.sequenceCounter = uint(t ? t.value : ssc);
    } catch {
      out.sequenceCounter = uint(ssc);
    }
  }
  const res = await getData(0xff, 0x21, 'GET DATA extended card resources', ev.resources);
  if (res) {
    try {
      // FF21 by hand: a first tag byte FF is one ISO/IEC 7816-4 reserves, and the BER reader here does not take it.
      const body = res[0] === 0xff && res[1] === 0x21 && res.length >= 3 && res[2]! < 0x80 ? res.subarray(3, 3 + res[2]!) : res;
      const inner = parseTlvs(body);
      const apps = inner.find((t) => t.tag === '81');
      const nv = inner.find((t) => t.tag === '82');
      out.resources = { ...(apps ? { applications: uint(apps.value) } : {}), ...(nv ? { freeNonVolatile: uint(nv.value) } : {}) };
    } catch {
      // kept in the evidence
    }
  }
  return out;
}
