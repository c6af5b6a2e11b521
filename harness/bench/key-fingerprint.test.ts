// The key-source fingerprint must tell an unbiased RSA generator from one biased on purpose. The unbiased keys come
// from Node's crypto (OpenSSL 3), which the fingerprint code does not use; the biased ones from a small generator
// here that forces one property at a time, each a bias The Million-Key Question (USENIX Security 2016) found in
// real libraries or cards. Keys are 512 bits (cards make 2048) and 100 per run, to keep the test fast; the tests
// do not depend on the size. The chi-square tail is checked against the published table (NIST/SEMATECH
// e-Handbook of Statistical Methods, 1.3.6.7.4, critical values of the chi-square distribution).
import { checkPrimeSync, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chiSquareSf, fingerprint, keyFeatures, productCdf, type KeyFeatures } from './key-fingerprint.ts';

const N = 100;
const BITS = 512;

function nodeKeys(count: number): KeyFeatures[] {
  const out: KeyFeatures[] = [];
  for (let i = 0; i < count; i++) {
    const jwk = generateKeyPairSync('rsa', { modulusLength: BITS }).publicKey.export({ format: 'jwk' });
    out.push(keyFeatures(BigInt(`0x${Buffer.from(jwk.n!, 'base64url').toString('hex')}`)));
  }
  return out;
}

/** A random odd `bits`-bit number with the given top bits forced to 1, then the next prime in the residue class. */
function prime(bits: number, o: { topOnes: number; modulus?: bigint; residue?: bigint }): bigint {
  let x = BigInt(`0x${randomBytes(bits / 8).toString('hex')}`);
  x |= ((1n << BigInt(o.topOnes)) - 1n) << BigInt(bits - o.topOnes);
  const m = o.modulus ?? 2n;
  const r = o.residue ?? 1n;
  x += (r - (x % m) + m) % m; // into the class r mod m (m even keeps it odd when r is)
  for (; ; x += m) if (SMALL_PRIMES.every((q) => x % q !== 0n) && checkPrimeSync(x)) return x;
}

/** Trial division first: checkPrimeSync on every candidate makes the test several times slower. */
const SMALL_PRIMES = [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n];

/** Pairs of primes from `make`, keeping products of the full length (as generators do). */
function keysFrom(make: () => bigint): KeyFeatures[] {
  const out: KeyFeatures[] = [];
  while (out.length < N) {
    const n = make() * make();
    if (n.toString(2).length === BITS) out.push(keyFeatures(n));
  }
  return out;
}

describe('the key-source fingerprint', () => {
  it('calls RSA keys from Node crypto (OpenSSL) consistent with uniform', () => {
    const r = fingerprint(nodeKeys(N));
    expect(r.keys).toBe(N);
    expect(r.bits).toBe(BITS);
    expect(r.verdict, r.summary).toBe('consistent with uniform');
    expect(r.summary).toMatch(new RegExp(`^consistent with uniform \\(100 keys of ${BITS} bits; top byte fits: .*top two bits set`));
  });

  it('calls keys from uniform half-length primes (top bit only) consistent with uniform', () => {
    const r = fingerprint(keysFrom(() => prime(BITS / 2, { topOnes: 1 })));
    expect(r.verdict, r.summary).toBe('consistent with uniform');
  });

  it('calls primes with their top four bits forced biased, naming the top byte', () => {
    const r = fingerprint(keysFrom(() => prime(BITS / 2, { topOnes: 4 })));
    expect(r.verdict).toBe('biased');
    expect(r.summary).toMatch(/^biased: the modulus's top byte fits no interval/);
    expect(r.summary).not.toMatch(/second least significant|mod 3/);
  });

  it('calls Blum primes (p = q = 3 mod 4) biased, naming the second least significant bit', () => {
    const r = fingerprint(keysFrom(() => prime(BITS / 2, { topOnes: 2, modulus: 4n, residue: 3n })));
    expect(r.verdict).toBe('biased');
    expect(r.lsb2.ones).toBe(0);
    expect(r.summary).toBe(`biased: the second least significant bit is 1 in 0/100 keys, not about half (p = ${r.lsb2.pValue.toExponential(1)}): like Blum primes, p = q = 3 mod 4`);
  });

  it('calls primes kept at 2 mod 3 biased, naming n mod 3', () => {
    // 6k + 5: odd and 2 mod 3.
    const r = fingerprint(keysFrom(() => prime(BITS / 2, { topOnes: 2, modulus: 6n, residue: 5n })));
    expect(r.verdict).toBe('biased');
    expect(r.mod3).toMatchObject({ ones: 100, n: 100, divisibleBy3: 0 });
    expect(r.summary).toMatch(/^biased: n mod 3 is 1 in 100\/100 keys, not about half .*: like primes kept at 2 mod 3$/);
  });

  it('gives no verdict below 20 keys', () => {
    expect(fingerprint(nodeKeys(5)).verdict).toBe('too few keys');
  });
});

describe('the statistics under it', () => {
  it('chi-square upper tail matches the published 5 % and 0.1 % critical values', () => {
    // NIST/SEMATECH table 1.3.6.7.4: upper-tail critical values for df 1, 10, 30 at 0.05 and 0.001.
    expect(chiSquareSf(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(18.307, 10)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(43.773, 30)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(10.828, 1)).toBeCloseTo(0.001, 5);
    expect(chiSquareSf(29.588, 10)).toBeCloseTo(0.001, 5);
  });

  it('the product distribution is a distribution and matches a direct count on a grid', () => {
    for (const low of [0.5, Math.SQRT1_2, 0.75]) {
      expect(productCdf(low * low, low)).toBe(0);
      expect(productCdf(1, low)).toBe(1);
      // Midpoint grid over the square [low, 1)^2: the share of cells with x * y <= t.
      const steps = 400;
      for (const t of [0.55, 0.6, 0.7, 0.8, 0.9]) {
        let below = 0;
        for (let i = 0; i < steps; i++) for (let j = 0; j < steps; j++) {
          const x = low + ((i + 0.5) * (1 - low)) / steps;
          const y = low + ((j + 0.5) * (1 - low)) / steps;
          if (x * y <= t) below++;
        }
        expect(productCdf(t, low)).toBeCloseTo(below / steps ** 2, 2);
      }
    }
  });
});
