// Data Grouping Identifiers as the EMV Card Personalization Specification (EMV CPS v1.1, section 5.3 "Data
// grouping") frames personalization data in STORE DATA: a 2-byte DGI, a length of one byte (0..254) or FF
// followed by two bytes, then the data. A DGI may be split across STORE DATA blocks.
import { concat } from '../bytes.ts';

export interface Dgi {
  /** The 2-byte identifier, e.g. 0x8201. */
  id: number;
  data: Uint8Array;
}

export class DgiError extends Error {}

export function encodeDgi(dgi: Dgi): Uint8Array {
  if (!Number.isInteger(dgi.id) || dgi.id < 0 || dgi.id > 0xffff) throw new DgiError(`DGI ${dgi.id} is not 2 bytes`);
  const n = dgi.data.length;
  if (n > 0xffff) throw new DgiError(`DGI ${dgi.id.toString(16)} data of ${n} bytes exceeds 65535`);
  const len = n < 0xff ? Uint8Array.of(n) : Uint8Array.of(0xff, n >> 8, n & 0xff);
  return concat(Uint8Array.of(dgi.id >> 8, dgi.id & 0xff), len, dgi.data);
}

export function decodeDgis(buf: Uint8Array): Dgi[] {
  const out: Dgi[] = [];
  let p = 0;
  while (p < buf.length) {
    if (p + 3 > buf.length) throw new DgiError(`truncated DGI header at offset ${p}`);
    const id = (buf[p]! << 8) | buf[p + 1]!;
    let n = buf[p + 2]!;
    p += 3;
    if (n === 0xff) {
      if (p + 2 > buf.length) throw new DgiError(`truncated 3-byte DGI length at offset ${p - 1}`);
      n = (buf[p]! << 8) | buf[p + 1]!;
      p += 2;
    }
    if (p + n > buf.length) throw new DgiError(`DGI ${id.toString(16).padStart(4, '0')} says ${n} bytes, ${buf.length - p} remain`);
    out.push({ id, data: buf.slice(p, p + n) });
    p += n;
  }
  return out;
}

/**
 * Splits a DGI stream into STORE DATA block payloads of at most `blockSize` bytes. CPS allows a DGI to span
 * blocks, so the split ignores DGI boundaries.
 */
export function splitIntoBlocks(stream: Uint8Array, blockSize: number): Uint8Array[] {
  if (blockSize < 1) throw new DgiError('block size must be positive');
  const blocks: Uint8Array[] = [];
  for (let off = 0; off < stream.length; off += blockSize) blocks.push(stream.subarray(off, off + blockSize));
  return blocks;
}
