// Catches a card that signs twice with one ECDSA nonce. Two signatures (r, s1), (r, s2) made with the same k under
// one key give k = (h1 - h2) / (s1 - s2) and then the private key (SEC 1 v2 section 4.1.3 and the PS3 break of
// 2010): a single repeat is a total loss, so every ECDSA signature a run obtains from the card is recorded here
// by its r, and an r seen a second time anywhere in the run fails the test that got it, naming the test that got
// it first. r and the hash are public values; the file never holds anything secret.
//
// The ledger is a JSON-lines file under the run's results folder, so suites in separate test processes of one
// `simcert run` share it; `simcert run` clears that folder at the start, which starts the ledger afresh.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
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

export class NonceLedger {
  private readonly memory: NonceUse[] = [];

  /** `file`: the shared ledger of the run; without it the ledger lives in this process only. */
  constructor(readonly file?: string) {}

  private seen(): NonceUse[] {
    if (!this.file || !existsSync(this.file)) return this.memory;
    // Only whole lines: cards of a rack append to one ledger at once, and a line being written has no newline yet.
    return readFileSync(this.file, 'utf8').split('\n').slice(0, -1).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as NonceUse);
  }

  /** Records the signature's r; throws NonceReuseError when the run has seen that r before on that curve. */
  record(curve: EcCurve, signature: Uint8Array, hash: Uint8Array, test: string): void {
    const n = EC_CURVES[curve].fieldBytes;
    if (signature.length !== 2 * n) throw new RangeError(`an ECDSA ${curve} signature is ${2 * n} bytes (r || s), got ${signature.length}`);
    const use: NonceUse = { curve, r: hex(signature.subarray(0, n)), hash: hex(hash), test };
    const earlier = this.seen().find((u) => u.curve === curve && u.r === use.r);
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
    return this.seen().length;
  }
}
