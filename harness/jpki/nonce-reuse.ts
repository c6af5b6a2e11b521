// Catches a card that signs twice with one ECDSA nonce. Two signatures (r, s1), (r, s2) made with the same k under
// one key give k = (h1 - h2) / (s1 - s2) and then the private key (SEC 1 v2 section 4.1.3 and the PS3 break of
// 2010): a single repeat is a total loss, so every ECDSA signature a run obtains from the card is recorded here
// by its r, and an r seen a second time anywhere in the run fails the test that got it, naming the test that got
// it first. r and the hash are public values; the file never holds anything secret.
//
// The ledger is a JSON-lines file under the run's results folder, so suites in separate test processes of one
// `simcert run` share it; `simcert run` clears that folder at the start, which starts the ledger afresh. A process
// reads the file once and then only what was appended since (a rack's cards append hundreds of signatures to it,
// and reading it whole for each was a quarter of a CPU-second per worker).
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { hex } from '../bytes.ts';
import { EC_CURVES, type EcCurve } from './key-algorithm.ts';

/** One ECDSA signature seen on the card: where it came from, its r, and the hash it signs (hex). */
export interface NonceUse {
  curve: EcCurve;
  r: string;
  hash: string;
  test: string;
}

export class NonceReuseError extends Error {
  constructor(readonly first: NonceUse, readonly second: NonceUse) {
    const same = first.hash === second.hash ? 'over the same hash' : 'over different hashes';
    super(`ECDSA nonce reuse on the card under test: "${second.test}" got a ${first.curve} signature whose r (${first.r.slice(0, 16)}…) ` +
      `"${first.test}" already got, ${same}; two signatures with one nonce reveal the private key, so the card's nonce generation is broken`);
  }
}

/** What this process has read of a ledger file: up to `offset`, the uses by curve and r (the first of each). */
interface FileIndex {
  ino: number;
  offset: number;
  count: number;
  first: Map<string, NonceUse>;
}

const indexes = new Map<string, FileIndex>();

/** The uses in `file`, read on from where this process stopped; anew when the file was replaced or cut short. */
function readOn(file: string): FileIndex {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    indexes.delete(file);
    return { ino: -1, offset: 0, count: 0, first: new Map() };
  }
  try {
    const st = fstatSync(fd);
    let index = indexes.get(file);
    if (!index || index.ino !== st.ino || st.size < index.offset) {
      index = { ino: st.ino, offset: 0, count: 0, first: new Map() };
      indexes.set(file, index);
    }
    if (st.size > index.offset) {
      const bytes = Buffer.alloc(st.size - index.offset);
      const got = readSync(fd, bytes, 0, bytes.length, index.offset);
      // Only whole lines: cards of a rack append to one ledger at once, and a line being written has no newline yet.
      const end = bytes.subarray(0, got).lastIndexOf(0x0a) + 1;
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const use = JSON.parse(line) as NonceUse;
        index.count++;
        const key = `${use.curve}:${use.r}`;
        if (!index.first.has(key)) index.first.set(key, use);
      }
      index.offset += end;
    }
    return index;
  } finally {
    closeSync(fd);
  }
}

export class NonceLedger {
  private readonly memory: NonceUse[] = [];

  /** `file`: the shared ledger of the run; without it the ledger lives in this process only. */
  constructor(readonly file?: string) {}

  private earlier(curve: EcCurve, r: string): NonceUse | undefined {
    if (this.file) return readOn(this.file).first.get(`${curve}:${r}`);
    return this.memory.find((u) => u.curve === curve && u.r === r);
  }

  /** Records the signature's r; throws NonceReuseError when the run has seen that r before on that curve. */
  record(curve: EcCurve, signature: Uint8Array, hash: Uint8Array, test: string): void {
    const n = EC_CURVES[curve].fieldBytes;
    if (signature.length !== 2 * n) throw new RangeError(`an ECDSA ${curve} signature is ${2 * n} bytes (r || s), got ${signature.length}`);
    const use: NonceUse = { curve, r: hex(signature.subarray(0, n)), hash: hex(hash), test };
    const earlier = this.earlier(curve, use.r);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify(use)}\n`);
    } else {
      this.memory.push(use);
    }
    if (earlier) throw new NonceReuseError(earlier, use);
  }

  /** How many signatures the run has recorded (for the report). */
  count(): number {
    return this.file ? readOn(this.file).count : this.memory.length;
  }
}
