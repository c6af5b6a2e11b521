// The nonce-reuse check must fail a run in which the card repeats r, wherever the two signatures came from
// (one test, two tests, two suite processes sharing the run's ledger file), and must stay quiet for distinct r.
// Signatures: RFC 6979 appendix A.2.5 / A.2.6 (vectors/jpki/ec-keys.json); "another r" flips a byte of r.
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { NonceLedger, NonceReuseError } from './nonce-reuse.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

let v: JpkiVectors;
let dir: string;
beforeAll(async () => {
  v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
  dir = await mkdtemp(join(tmpdir(), 'simcert-nonces-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const otherR = (sig: Uint8Array): Uint8Array => {
  const s = Uint8Array.from(sig);
  s[3]! ^= 0x5a;
  return s;
};

describe.each(['p256', 'p384'] as const)('ECDSA nonce reuse (%s)', (curve) => {
  const hashOf = (m: Uint8Array): Uint8Array => createHash(v.ecKeys[curve].hash).update(m).digest();

  it('fails the second signature with an r already seen, naming both tests', () => {
    const k = v.ecKeys[curve];
    const ledger = new NonceLedger();
    ledger.record(curve, k.signature, hashOf(k.message), 'jpki-signing > signs twice');
    let err: unknown;
    try {
      ledger.record(curve, k.signature, hashOf(k.message), 'personalization > injects a key');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonceReuseError);
    expect((err as Error).message).toContain('"personalization > injects a key" got a');
    expect((err as Error).message).toContain('"jpki-signing > signs twice" already got, over the same hash');
    expect((err as Error).message).toContain('reveal the private key');
  });

  it('accepts signatures whose r differ, and counts them', () => {
    const k = v.ecKeys[curve];
    const ledger = new NonceLedger();
    ledger.record(curve, k.signature, hashOf(k.message), 'a');
    ledger.record(curve, otherR(k.signature), hashOf(k.message), 'b');
    expect(ledger.count()).toBe(2);
  });

  it('sees a repeat across two processes of one run through the ledger file, which holds only public values', async () => {
    const k = v.ecKeys[curve];
    const file = join(dir, `${curve}`, 'ecdsa-r.jsonl');
    new NonceLedger(file).record(curve, k.signature, hashOf(k.message), 'handset-swap > first');
    const second = new NonceLedger(file);
    expect(() => second.record(curve, otherR(k.signature), hashOf(k.message), 'b')).not.toThrow();
    expect(() => second.record(curve, k.signature, hashOf(Uint8Array.of(1)), 'jpki-signing > later'))
      .toThrow(/"handset-swap > first" already got, over different hashes/);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
    expect(text.toUpperCase()).not.toContain(Buffer.from(k.d).toString('hex').toUpperCase());
  });

  it('reads on from where it stopped: another process\'s line counts once whole, and a new run\'s ledger starts afresh', async () => {
    const k = v.ecKeys[curve];
    const file = join(dir, `${curve}-on`, 'ecdsa-r.jsonl');
    const ledger = new NonceLedger(file);
    ledger.record(curve, otherR(k.signature), hashOf(k.message), 'a');
    // Another card's process is half-way through writing its line: not a use yet.
    const line = JSON.stringify({ curve, r: Buffer.from(k.signature.subarray(0, k.signature.length / 2)).toString('hex').toUpperCase(), hash: '00', test: 'other card > signs' });
    await appendFile(file, line.slice(0, 20));
    expect(ledger.count()).toBe(1);
    await appendFile(file, `${line.slice(20)}\n`);
    expect(ledger.count()).toBe(2);
    expect(() => ledger.record(curve, k.signature, hashOf(k.message), 'b')).toThrow(/"other card > signs" already got/);
    // `simcert run` clears the results folder at its start: the next run's ledger knows none of these.
    await rm(file);
    await writeFile(file, '');
    expect(ledger.count()).toBe(0);
    expect(() => ledger.record(curve, k.signature, hashOf(k.message), 'next run')).not.toThrow();
    expect(ledger.count()).toBe(1);
  });
});

