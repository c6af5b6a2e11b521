// The answer-to-reset read as ISO/IEC 7816-3 (2006) section 8 defines it: which protocols the card offers, TA1's
// clock rate conversion (Fi, f max) and baud rate adjustment (Di), T=1's IFSC, the historical bytes and the check
// byte TCK. `simcert probe` draws its t0/t1 claims from here, so the parser refuses an ATR it cannot read in full
// rather than guess: a wrong protocol claim sends every suite down the wrong path.
import { hex } from '../bytes.ts';

/** ISO/IEC 7816-3 table 7: Fi and f(max) in MHz by the high nibble of TA1 (RFU values are undefined). */
const FI: (readonly [number, number] | undefined)[] = [
  [372, 4], [372, 5], [558, 6], [744, 8], [1116, 12], [1488, 16], [1860, 20], undefined,
  undefined, [512, 5], [768, 7.5], [1024, 10], [1536, 15], [2048, 20], undefined, undefined,
];
/** ISO/IEC 7816-3 table 8: Di by the low nibble of TA1. */
const DI: (number | undefined)[] = [undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined];

export class AtrError extends Error {}

export interface InterfaceBytes {
  /** i of TAi..TDi, counted from 1. */
  ta?: number;
  tb?: number;
  tc?: number;
  td?: number;
}

export interface Ta1 {
  byte: number;
  fi: number;
  fMaxMHz: number;
  di: number;
  /** Bits per second at f(max): f * Di / Fi (ISO/IEC 7816-3 7.1, one etu = Fi / (Di * f)). */
  baudAtFmax: number;
}

export interface CompactCapabilities {
  /** Third software function byte (ISO/IEC 7816-4 table 118), the card-capabilities bits that matter here. */
  commandChaining: boolean;
  extendedLength: boolean;
  /** Logical channel assignment by the card (b5) and the terminal (b4). */
  channelAssignment: { byCard: boolean; byTerminal: boolean };
  /** b3-b1 + 1; 8 means "8 or more". */
  maxLogicalChannels: number;
}

export interface Atr {
  raw: Uint8Array;
  /** 3B direct convention, 3F inverse. */
  convention: 'direct' | 'inverse';
  groups: InterfaceBytes[];
  /** Transmission protocols the card offers (T of each TDi, in order, without T=15 which marks global bytes). */
  protocols: number[];
  ta1?: Ta1;
  /** T=1 information field size of the card (first TAi, i >= 3, after a T=1 TD); 32 when not stated. */
  ifsc?: number;
  historical: Uint8Array;
  /** Card capabilities from a compact-TLV tag 7 in the historical bytes (category indicator 80), if any. */
  capabilities?: CompactCapabilities;
  /** TCK, present unless only T=0 is indicated; `valid` when T0..TCK XOR to zero (ISO/IEC 7816-3 8.2.5). */
  tck?: { value: number; valid: boolean };
}

export function parseAtr(raw: Uint8Array): Atr {
  const fail = (why: string): never => {
    throw new AtrError(`ATR ${hex(raw, ' ')}: ${why}`);
  };
  if (raw.length < 2) fail('shorter than TS and T0');
  const ts = raw[0]!;
  if (ts !== 0x3b && ts !== 0x3f) fail(`TS ${hex(Uint8Array.of(ts))} is neither 3B (direct) nor 3F (inverse convention)`);
  let p = 1;
  let y = raw[p]! >> 4;
  const k = raw[p]! & 0x0f;
  p++;
  const groups: InterfaceBytes[] = [];
  const protocols: number[] = [];
  let ifsc: number | undefined;
  let lastT: number | undefined;
  let anyOtherThanT0 = false;
  for (let i = 1; ; i++) {
    const g: InterfaceBytes = {};
    const take = (): number => {
      if (p >= raw.length) fail(`interface byte group ${i} runs past the end`);
      return raw[p++]!;
    };
    if (y & 0x1) g.ta = take();
    if (y & 0x2) g.tb = take();
    if (y & 0x4) g.tc = take();
    if (y & 0x8) g.td = take();
    groups.push(g);
    // TA3 onwards after a TD that named T=1 is that protocol's IFSC (ISO/IEC 7816-3 11.4.2).
    if (i >= 3 && lastT === 1 && g.ta !== undefined && ifsc === undefined) ifsc = g.ta;
    if (g.td === undefined) break;
    const t = g.td & 0x0f;
    if (t !== 0) anyOtherThanT0 = true;
    if (t !== 15 && !protocols.includes(t)) protocols.push(t);
    lastT = t;
    y = g.td >> 4;
  }
  // No TD1: T=0 is the only protocol (ISO/IEC 7816-3 8.2.3).
  if (protocols.length === 0) protocols.push(0);
  const historical = raw.slice(p, p + k);
  if (historical.length < k) fail(`T0 announces ${k} historical bytes, ${historical.length} follow`);
  p += k;
  let tck: Atr['tck'];
  // TCK is absent only when T=0 alone is indicated; T=15 (global bytes) counts as another T (ISO/IEC 7816-3 8.2.5).
  const needsTck = anyOtherThanT0;
  if (needsTck) {
    if (p >= raw.length) fail('TCK is missing (a protocol other than T=0 is offered)');
    let x = 0;
    for (let i = 1; i <= p; i++) x ^= raw[i]!;
    tck = { value: raw[p]!, valid: x === 0 };
    p++;
  }
  if (p !== raw.length) fail(`${raw.length - p} byte(s) after the ${needsTck ? 'TCK' : 'historical bytes'}`);
  const ta1 = groups[0]?.ta;
  const out: Atr = { raw, convention: ts === 0x3b ? 'direct' : 'inverse', groups, protocols, historical };
  if (ta1 !== undefined) {
    const f = FI[ta1 >> 4];
    const d = DI[ta1 & 0x0f];
    if (f && d) out.ta1 = { byte: ta1, fi: f[0], fMaxMHz: f[1], di: d, baudAtFmax: Math.round((f[1] * 1e6 * d) / f[0]) };
  }
  if (ifsc !== undefined) out.ifsc = ifsc;
  else if (protocols.includes(1)) out.ifsc = 32;
  const caps = compactCapabilities(historical);
  if (caps) out.capabilities = caps;
  if (tck) out.tck = tck;
  return out;
}

/**
 * The card-capabilities data object (compact-TLV tag 7, ISO/IEC 7816-4 8.1.1.2.7) in historical bytes that start
 * with category indicator 80; its third byte carries chaining, extended length and logical channels.
 */
export function compactCapabilities(historical: Uint8Array): CompactCapabilities | undefined {
  if (historical[0] !== 0x80) return undefined;
  for (let p = 1; p < historical.length;) {
    const tag = historical[p]! >> 4;
    const len = historical[p]! & 0x0f;
    const value = historical.subarray(p + 1, p + 1 + len);
    if (value.length < len) return undefined;
    if (tag === 0x7 && len >= 3) {
      const b = value[2]!;
      return {
        commandChaining: (b & 0x80) !== 0,
        extendedLength: (b & 0x40) !== 0,
        channelAssignment: { byCard: (b & 0x10) !== 0, byTerminal: (b & 0x08) !== 0 },
        maxLogicalChannels: (b & 0x07) + 1,
      };
    }
    p += 1 + len;
  }
  return undefined;
}

/** One line for a person: "T=1; TA1 18 (Fi 372, Di 12, up to 161 kbit/s at 5 MHz); IFSC 254; TCK 98 valid". */
export function describeAtr(a: Atr): string {
  const parts = [a.protocols.map((t) => `T=${t}`).join(', ')];
  if (a.ta1) parts.push(`TA1 ${hex(Uint8Array.of(a.ta1.byte))} (Fi ${a.ta1.fi}, Di ${a.ta1.di}, f max ${a.ta1.fMaxMHz} MHz: ${a.ta1.baudAtFmax} bit/s)`);
  else parts.push('no TA1 (Fi 372, Di 1: 9600 bit/s at 3.57 MHz)');
  if (a.ifsc !== undefined) parts.push(`IFSC ${a.ifsc}`);
  parts.push(`historical bytes ${hex(a.historical) || 'none'}`);
  if (a.tck) parts.push(`TCK ${hex(Uint8Array.of(a.tck.value))} ${a.tck.valid ? 'valid' : 'INVALID'}`);
  return parts.join('; ');
}
