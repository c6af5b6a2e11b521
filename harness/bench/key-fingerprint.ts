// The key-source fingerprint of a run of RSA public keys: does the card's generator look like an unbiased one?
// After Švenda, Nemec, Sekan, Kvasnovsky, Formanek, Komarek, Matyas, "The Million-Key Question – Investigating the
// Origins of RSA Public Keys", USENIX Security 2016 (section 3): a public modulus alone betrays how its primes were
// chosen through (1) its most significant bits (the interval the primes were drawn from), (2) its second least
// significant bit (primes p = q = 3 mod 4, "Blum" primes, make it always 0) and (3) n mod 3 (primes kept away from
// 1 mod 3 make it always 1). Each feature is compared here with the distribution an unbiased generator gives, with a
// significance test, and the verdict says in plain words which feature departs. The ROCA test (roca.ts) is reported
// alongside by the caller. Only these per-key features are needed, so a run resumed after an interruption can judge
// the keys generated before it from what the result file kept (no modulus is stored).
import { binomialHalfCdf } from './stats.ts';

/** What one public key contributes (features of its modulus only). */
export interface KeyFeatures {
  /** Bit length of the modulus. */
  bits: number;
  /** The modulus's 8 most significant bits (128..255 for a modulus of exactly `bits` bits). */
  topByte: number;
  /** Bit 1 of the modulus (the second least significant). */
  lsb2: 0 | 1;
  /** The modulus mod 3. */
  mod3: 0 | 1 | 2;
}

export function keyFeatures(modulus: bigint): KeyFeatures {
  const bits = modulus.toString(2).length;
  return {
    bits,
    topByte: bits >= 8 ? Number(modulus >> BigInt(bits - 8)) : Number(modulus),
    lsb2: Number((modulus >> 1n) & 1n) as 0 | 1,
    mod3: Number(modulus % 3n) as 0 | 1 | 2,
  };
}

/**
 * Significance level for the whole verdict: a generator that is fine is called biased in at most 1 run in 1000.
 * Split evenly over the three features (Bonferroni), so each feature's test runs at ALPHA / 3.
 */
export const ALPHA = 0.001;
/** Below this many keys no verdict is given: the tests could not see even a strong bias. */
export const MIN_KEYS = 20;

/**
 * Intervals unbiased generators draw each prime from, as fractions of 2^(bits/2). An unbiased generator picks the
 * primes uniformly in its interval, so the modulus's leading bits follow the product of two uniform variables; which
 * interval it uses is a design choice, not a weakness, and The Million-Key Question uses it to tell sources apart.
 * - any half-length prime, keeping only pairs whose product has the full length: [1/2, 1);
 * - FIPS 186-4 B.3.1 (and SP 800-56B): p, q >= sqrt(2) * 2^(bits/2 - 1), so n always has the full length;
 * - the top two bits of each prime set (OpenSSL's BN_generate_prime, used by Node for keys below 2048 bits).
 * The density of primes (1 / ln x) changes by a factor of 1 + 1/(bits/2) over the interval, negligible here.
 */
export const PRIME_INTERVALS = [
  { name: 'primes uniform among half-length numbers, modulus kept at full length', low: 0.5 },
  { name: 'primes >= sqrt(2)*2^(k/2-1) (FIPS 186-4 B.3.1)', low: Math.SQRT1_2 },
  { name: 'primes with their top two bits set (OpenSSL BN_generate_prime)', low: 0.75 },
] as const;

/**
 * P(x * y <= t) for x, y independent and uniform on [L, 1). Integrating over x the length of the y interval below
 * t / x, divided by the square's area (1 - L)^2:
 *   t in [L^2, L]: integral from L to t/L of (t/x - L) dx = t ln(t / L^2) - t + L^2;
 *   t in [L, 1]:   (t - L)(1 - L) + integral from t to 1 of (t/x - L) dx = (t - L)(1 - L) + t ln(1/t) - L(1 - t).
 */
export function productCdf(t: number, low: number): number {
  const L = low;
  if (t <= L * L) return 0;
  if (t >= 1) return 1;
  const area = (1 - L) * (1 - L);
  if (t <= L) return (t * Math.log(t / (L * L)) - t + L * L) / area;
  return ((t - L) * (1 - L) + t * Math.log(1 / t) - L * (1 - t)) / area;
}

/** The modulus's value as a fraction of 2^bits, in [1/2, 1) for a full-length key, conditioned on being there. */
function leadingCdf(t: number, low: number): number {
  const f0 = productCdf(0.5, low);
  return (productCdf(t, low) - f0) / (1 - f0);
}

export interface ChiSquare {
  statistic: number;
  df: number;
  pValue: number;
  /** Keys in a top-byte range the model gives no probability (any one rejects the model outright). */
  impossible: number;
}

/**
 * Pearson's chi-square of the top bytes against one interval model: top-byte values are merged, from 0x80 up, into
 * bins of at least 5 expected keys (the usual condition for the chi-square approximation); byte ranges the model
 * cannot produce are set apart, and a key in one is counted as impossible.
 */
export function topByteChiSquare(topBytes: readonly number[], low: number): ChiSquare {
  const n = topBytes.length;
  const counts = new Array<number>(256).fill(0);
  for (const b of topBytes) counts[b]!++;
  const bins: Array<{ expected: number; observed: number }> = [];
  let impossible = 0;
  let acc = { expected: 0, observed: 0 };
  for (let b = 128; b < 256; b++) {
    const p = leadingCdf((b + 1) / 256, low) - leadingCdf(b / 256, low);
    if (p <= 1e-12) {
      impossible += counts[b]!;
      continue;
    }
    acc.expected += n * p;
    acc.observed += counts[b]!;
    if (acc.expected >= 5) {
      bins.push(acc);
      acc = { expected: 0, observed: 0 };
    }
  }
  if (acc.expected > 0 || acc.observed > 0) {
    const last = bins.pop();
    bins.push(last ? { expected: last.expected + acc.expected, observed: last.observed + acc.observed } : acc);
  }
  let statistic = 0;
  for (const bin of bins) statistic += (bin.observed - bin.expected) ** 2 / bin.expected;
  const df = Math.max(1, bins.length - 1);
  return { statistic, df, pValue: impossible > 0 ? 0 : chiSquareSf(statistic, df), impossible };
}

/** Exact two-sided binomial test of `k` successes in `n` against probability 1/2 (symmetric, so twice one tail). */
export function binomialHalfTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(k, n - k), n));
}

export interface FingerprintReport {
  keys: number;
  /** Keys of the most common length, the ones the tests use. */
  bits: number;
  verdict: 'consistent with uniform' | 'biased' | 'too few keys';
  /** The plain sentence: "consistent with uniform (...)" or "biased: ...". */
  summary: string;
  msb: { intervals: Array<{ name: string; pValue: number; fits: boolean }> };
  /** Second least significant bit: how many keys have it 1; unbiased: half. */
  lsb2: { ones: number; n: number; pValue: number };
  /** n mod 3 = 1 among keys not divisible by 3; unbiased: half (p, q each 1 or 2 mod 3 with equal chance). */
  mod3: { ones: number; n: number; divisibleBy3: number; pValue: number };
}

export function fingerprint(features: readonly KeyFeatures[]): FingerprintReport {
  const lengths = new Map<number, number>();
  for (const f of features) lengths.set(f.bits, (lengths.get(f.bits) ?? 0) + 1);
  const bits = [...lengths].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const keys = features.filter((f) => f.bits === bits);
  const perFeature = ALPHA / 3;

  const intervals = PRIME_INTERVALS.map((m) => {
    const c = topByteChiSquare(keys.map((k) => k.topByte), m.low);
    return { name: m.name, pValue: c.pValue, fits: c.pValue >= perFeature };
  });
  const ones = keys.filter((k) => k.lsb2 === 1).length;
  const lsb2 = { ones, n: keys.length, pValue: binomialHalfTwoSided(ones, keys.length) };
  const notBy3 = keys.filter((k) => k.mod3 !== 0);
  const mod3Ones = notBy3.filter((k) => k.mod3 === 1).length;
  const mod3 = { ones: mod3Ones, n: notBy3.length, divisibleBy3: keys.length - notBy3.length, pValue: binomialHalfTwoSided(mod3Ones, notBy3.length) };
  const report = { keys: keys.length, bits, msb: { intervals }, lsb2, mod3 };

  if (keys.length < MIN_KEYS) {
    return { ...report, verdict: 'too few keys', summary: `too few keys for a verdict: ${keys.length} of ${bits} bits, at least ${MIN_KEYS} needed` };
  }
  const pct = (k: number, n: number): string => `${k}/${n}`;
  const found: string[] = [];
  if (!intervals.some((i) => i.fits)) {
    const best = intervals.reduce((a, b) => (b.pValue > a.pValue ? b : a));
    found.push(`the modulus's top byte fits no interval an unbiased generator draws primes from (closest: ${best.name}, chi-square p = ${best.pValue.toExponential(1)})`);
  }
  if (lsb2.pValue < perFeature) {
    found.push(`the second least significant bit is 1 in ${pct(ones, keys.length)} keys, not about half (p = ${lsb2.pValue.toExponential(1)})${ones === 0 ? ': like Blum primes, p = q = 3 mod 4' : ''}`);
  }
  if (mod3.divisibleBy3 > 0) found.push(`${mod3.divisibleBy3} modulus(es) divisible by 3`);
  if (mod3.pValue < perFeature) {
    found.push(`n mod 3 is 1 in ${pct(mod3Ones, notBy3.length)} keys, not about half (p = ${mod3.pValue.toExponential(1)})${mod3Ones === notBy3.length ? ': like primes kept at 2 mod 3' : ''}`);
  }
  if (found.length > 0) return { ...report, verdict: 'biased', summary: `biased: ${found.join('; ')}` };
  const fits = intervals.filter((i) => i.fits).map((i) => i.name);
  return { ...report, verdict: 'consistent with uniform', summary: `consistent with uniform (${keys.length} keys of ${bits} bits; top byte fits: ${fits.join(' | ')})` };
}

// ---------------------------------------------------------------------------------------------------------------
// The chi-square distribution's upper tail: Q(df/2, x/2), the regularized upper incomplete gamma function, by its
// power series below a + 1 and its continued fraction (modified Lentz) above, as in Press et al., Numerical Recipes,
// 3rd ed., section 6.2.

export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

function logGamma(z: number): number {
  // Lanczos approximation, g = 7, n = 9 (the coefficients published with it; relative error below 1e-13).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const zz = z - 1;
  let a = c[0]!;
  const t = zz + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (zz + i);
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(a);
}

function gammaQ(a: number, x: number): number {
  const lead = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lead) * h);
}
