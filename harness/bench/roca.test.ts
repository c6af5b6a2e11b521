// ROCA fingerprint and key-quality checks. The tables the detector computes from the primes are compared with the
// ones the authors published (vectors/bench/roca.json, from crocs-muni/roca), published vulnerable moduli must be
// flagged and published negatives not; freshly generated keys (Node's OpenSSL, not Infineon RSALib) must come out
// clean; planted duplicates and shared primes must be found.
import { generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { bitLength, checkKeyQuality, primesUpTo, ROCA_MAX_PRIME, rocaModulusFacts, rocaTest, subgroupMask, type RsaPublicKeyInput } from './roca.ts';

interface RocaVectors {
  primes: { values: number[] };
  markers: { primes: number[]; prints: string[] };
  constants: { primorial: string; phiPrimorial: string; generatorOrder: string };
  moduli: Array<{ id: string; hex: string; vulnerable: boolean }>;
  fakeModuli: { decimal: string[] };
}

const V = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'bench', 'roca.json'), 'utf8')) as RocaVectors;

function freshKey(bits: number): RsaPublicKeyInput {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 });
  const jwk = publicKey.export({ format: 'jwk' });
  const big = (b64url: string): bigint => BigInt(`0x${Buffer.from(b64url, 'base64url').toString('hex')}`);
  return { modulus: big(jwk.n!), exponent: big(jwk.e!) };
}

// Generated once: RSA key generation is the slow part of this file.
const FRESH_2048 = [freshKey(2048), freshKey(2048), freshKey(2048)];

describe('ROCA tables computed from the primes equal the published ones', () => {
  it('primes up to 167', () => {
    expect(primesUpTo(ROCA_MAX_PRIME)).toEqual(V.primes.values);
  });

  it('the residue bitmask of <65537 mod p> for every marker prime', () => {
    V.markers.primes.forEach((p, i) => {
      expect(subgroupMask(p).toString(), `p = ${p}`).toBe(V.markers.prints[i]);
    });
  });

  it('167#, its totient and the order of 65537 modulo it', () => {
    const f = rocaModulusFacts();
    expect(f.primorial.toString()).toBe(V.constants.primorial);
    expect(f.phi.toString()).toBe(V.constants.phiPrimorial);
    expect(f.generatorOrder.toString()).toBe(V.constants.generatorOrder);
  });
});

describe('rocaTest on published moduli', () => {
  it.each(V.moduli)('$id: vulnerable = $vulnerable', ({ hex, vulnerable }) => {
    const r = rocaTest(BigInt(`0x${hex}`));
    expect(r.fingerprint).toBe(vulnerable);
    expect(r.markers).toBe(vulnerable);
    if (!vulnerable) expect(r.failedPrime).toBeTypeOf('number');
  });

  it('the detector authors’ fake moduli pass every marker but are not in the subgroup', () => {
    for (const d of V.fakeModuli.decimal) {
      expect(rocaTest(BigInt(d))).toEqual({ fingerprint: false, markers: true });
    }
  });

  it('refuses a modulus that is not > 1', () => {
    expect(() => rocaTest(1n)).toThrow(RangeError);
  });
});

describe('rocaTest on keys that are not Infineon RSALib keys', () => {
  it('freshly generated 2048-bit keys are not fingerprinted', () => {
    for (const k of FRESH_2048) {
      expect(bitLength(k.modulus)).toBe(2048);
      expect(rocaTest(k.modulus).fingerprint).toBe(false);
    }
  });

  it('products of fresh random primes are not fingerprinted either', () => {
    for (let i = 0; i < 5; i++) {
      const p = generatePrimeSync(256, { bigint: true });
      const q = generatePrimeSync(256, { bigint: true });
      expect(rocaTest(p * q).fingerprint).toBe(false);
    }
  });
});

describe('checkKeyQuality', () => {
  it('passes a clean batch', () => {
    const report = checkKeyQuality(FRESH_2048, { expectedBits: 2048 });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.keys.map((k) => k.label)).toEqual(['key 1', 'key 2', 'key 3']);
  });

  it('finds duplicates, shared primes, ROCA moduli, wrong lengths, exponents and small factors', () => {
    const p = generatePrimeSync(1024, { bigint: true });
    const q = generatePrimeSync(1024, { bigint: true });
    const r = generatePrimeSync(1024, { bigint: true });
    const roca = BigInt(`0x${V.moduli.find((m) => m.id === 'mod03')!.hex}`);
    const keys: RsaPublicKeyInput[] = [
      { ...FRESH_2048[0]!, label: 'gen 1' },
      { modulus: p * q, exponent: 65537n, label: 'gen 2' },
      { modulus: p * r, exponent: 65537n, label: 'gen 3' },
      { ...FRESH_2048[0]!, label: 'gen 4' },
      { modulus: roca, exponent: 65537n, label: 'gen 5' },
      { modulus: FRESH_2048[1]!.modulus, exponent: 3n, label: 'gen 6' },
      { modulus: 3n * q, exponent: 65537n, label: 'gen 7' },
    ];
    const report = checkKeyQuality(keys, { expectedBits: 2048 });
    expect(report.ok).toBe(false);
    expect(report.duplicates).toEqual([{ first: 0, duplicate: 3 }]);
    // gen 2 and gen 3 share p; gen 2 and gen 7 share q.
    expect(report.sharedFactors).toEqual(
      expect.arrayContaining([
        { a: 1, b: 2, factorBits: 1024 },
        { a: 1, b: 6, factorBits: 1024 },
      ]),
    );
    expect(report.sharedFactors).toHaveLength(2);
    expect(report.rocaVulnerable).toEqual([4]);
    expect(report.keys[5]!.exponentOk).toBe(false);
    expect(report.keys[6]).toMatchObject({ smallFactor: 3, bitsOk: false });
    expect(report.keys[0]!.problems).toEqual([]);
    const text = report.problems.join('\n');
    expect(text).toMatch(/gen 4: same modulus as gen 1/);
    expect(text).toMatch(/gen 3: shares a prime factor with gen 2/);
    expect(text).toMatch(/gen 5: ROCA fingerprint/);
    expect(text).toMatch(/gen 6: public exponent 3, expected 65537/);
    expect(text).toMatch(/gen 7: modulus is \d+ bits, expected 2048/);
  });

  it('a copy of a modulus that shares a prime carries that finding too', () => {
    const p = generatePrimeSync(512, { bigint: true });
    const q = generatePrimeSync(512, { bigint: true });
    const r = generatePrimeSync(512, { bigint: true });
    const report = checkKeyQuality(
      [
        { modulus: p * q, exponent: 65537n },
        { modulus: p * r, exponent: 65537n },
        { modulus: p * q, exponent: 65537n },
      ],
      { expectedBits: 1024 },
    );
    expect(report.sharedFactors).toEqual([{ a: 0, b: 1, factorBits: 512 }]);
    expect(report.keys[2]!.problems.join('\n')).toMatch(/shares a prime factor with key 2/);
  });
});
