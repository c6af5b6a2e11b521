// BER-TLV (ISO/IEC 7816-4 section 5.2 and ITU-T X.690 8.1): tags of one or more bytes, definite lengths in short
// or long form. Parsing is bounds-checked throughout because the bytes come from cards that may be broken.
import { hex } from '../bytes.ts';

export interface Tlv {
  /** Tag as upper-case hex of its bytes, e.g. "30", "7F49", "9F7F". */
  tag: string;
  constructed: boolean;
  /** Offset of the tag and of the value within the parsed buffer, and the value's length. */
  offset: number;
  valueOffset: number;
  length: number;
  value: Uint8Array;
}

export class TlvError extends Error {}

/** Reads one TLV header and value at `offset`. */
export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  let p = offset;
  const need = (n: number, what: string): void => {
    if (p + n > buf.length) throw new TlvError(`truncated ${what} at offset ${p} (buffer has ${buf.length} bytes)`);
  };
  need(1, 'tag');
  const first = buf[p++]!;
  const tagBytes = [first];
  if ((first & 0x1f) === 0x1f) {
    let b: number;
    do {
      need(1, 'multi-byte tag');
      b = buf[p++]!;
      tagBytes.push(b);
      if (tagBytes.length > 4) throw new TlvError(`tag longer than 4 bytes at offset ${offset}`);
    } while (b & 0x80);
  }
  need(1, 'length');
  let length = buf[p++]!;
  if (length === 0x80) throw new TlvError(`indefinite length at offset ${offset} is not allowed here`);
  if (length > 0x80) {
    const n = length & 0x7f;
    if (n > 3) throw new TlvError(`length field of ${n} bytes at offset ${offset} is too large`);
    need(n, 'long-form length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[p++]!;
  }
  need(length, `value of tag ${hex(Uint8Array.from(tagBytes))} (${length} bytes)`);
  return {
    tag: hex(Uint8Array.from(tagBytes)),
    constructed: (first & 0x20) !== 0,
    offset,
    valueOffset: p,
    length,
    value: buf.subarray(p, p + length),
  };
}

/** All TLVs in sequence in `buf` (one level; descend with parseTlvs(tlv.value)). */
export function parseTlvs(buf: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < buf.length) {
    // 00 and FF between TLVs are padding (ISO/IEC 7816-4 5.2).
    if (buf[p] === 0x00 || buf[p] === 0xff) {
      p++;
      continue;
    }
    const t = readTlv(buf, p);
    out.push(t);
    p = t.valueOffset + t.length;
  }
  return out;
}

/** Encodes a definite length in the shortest form. */
export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  if (n <= 0xffff) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  if (n <= 0xffffff) return Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
  throw new TlvError(`length ${n} too large`);
}

/**
 * Total size of a DER object from its first bytes (tag + length), e.g. a certificate EF whose file is larger than
 * the certificate it holds. Needs only the header bytes.
 */
export function derObjectSize(head: Uint8Array): number {
  if (head.length < 2) throw new TlvError('need at least 2 bytes to size a DER object');
  if ((head[0]! & 0x1f) === 0x1f) throw new TlvError('multi-byte tag not expected at the start of a DER object');
  const l = head[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 3) throw new TlvError(`unsupported DER length form 0x${l.toString(16)}`);
  if (head.length < 2 + n) throw new TlvError('DER length field truncated');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + head[2 + i]!;
  return 2 + n + len;
}
