// The Mann–Whitney U test against published worked examples (vectors/bench/mann-whitney.json: SciPy's
// documentation example, with and without continuity correction, exact and one-sided; NAG's examples with and
// without ties), plus the properties the comparison page relies on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { erfc, exactUCdf, mannWhitneyU, midRanks, normalCdf, normalSf, type MannWhitneyOptions } from './mann-whitney.ts';

interface MwCase {
  id: string;
  source: string;
  x: number[];
  y: number[];
  options: MannWhitneyOptions;
  expected: { u: number; u2?: number; z?: number; p: number; decimals: number };
}

const CASES = (JSON.parse(readFileSync(join(repoRoot, 'vectors', 'bench', 'mann-whitney.json'), 'utf8')) as { cases: MwCase[] }).cases;

describe('Mann–Whitney U: published examples', () => {
  it.each(CASES)('$id', ({ x, y, options, expected }) => {
    const r = mannWhitneyU(x, y, options);
    const tolerance = 0.5 * 10 ** -expected.decimals;
    expect(r.u).toBe(expected.u);
    if (expected.u2 !== undefined) expect(r.u2).toBe(expected.u2);
    expect(Math.abs(r.p - expected.p)).toBeLessThanOrEqual(tolerance + 1e-15);
    if (expected.z !== undefined) expect(Math.abs(r.z - expected.z)).toBeLessThanOrEqual(tolerance);
    if (options.method) expect(r.method).toBe(options.method);
  });

  it('the tied NAG example is recognized as tied and needs the asymptotic method', () => {
    const tied = CASES.find((c) => c.id === 'nag-g08amc-ties')!;
    expect(mannWhitneyU(tied.x, tied.y).ties).toBe(true);
    expect(mannWhitneyU(tied.x, tied.y).method).toBe('asymptotic');
    expect(() => mannWhitneyU(tied.x, tied.y, { method: 'exact' })).toThrow(/ties/);
  });
});

describe('Mann–Whitney U: properties', () => {
  const a = [1.2, 3.4, 2.2, 5.1, 4.4, 0.7];
  const b = [6.1, 5.5, 7.3, 4.9, 8.8];

  it('U1 + U2 = n1 n2, and swapping the samples swaps them', () => {
    const r = mannWhitneyU(a, b);
    const s = mannWhitneyU(b, a);
    expect(r.u + r.u2).toBe(a.length * b.length);
    expect(s.u).toBe(r.u2);
    expect(s.p).toBeCloseTo(r.p, 14);
  });

  it('counts pairs: U of x is the number of (x_i, y_j) with x_i > y_j, ties counting 1/2', () => {
    const x = [1, 2, 5, 5];
    const y = [3, 5, 0];
    let pairs = 0;
    for (const xi of x) for (const yj of y) pairs += xi > yj ? 1 : xi === yj ? 0.5 : 0;
    expect(mannWhitneyU(x, y).u).toBe(pairs);
  });

  it('one-sided p-values point the way scipy does: less = x stochastically smaller', () => {
    expect(mannWhitneyU(a, b, { alternative: 'less' }).p).toBeLessThan(0.05);
    expect(mannWhitneyU(a, b, { alternative: 'greater' }).p).toBeGreaterThan(0.95);
  });

  it('gives p = 1 when every observation is equal, and never more than 1', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3]).p).toBe(1);
    expect(mannWhitneyU([1, 4], [2, 3], { method: 'asymptotic' }).p).toBeLessThanOrEqual(1);
    expect(mannWhitneyU([1, 4], [2, 3], { method: 'exact' }).p).toBe(1);
  });

  it('refuses empty samples and NaN', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(/NaN/);
  });

  it('mid-ranks ties and sums the tie term', () => {
    expect(midRanks([10, 20, 20, 30])).toEqual({ ranks: [1, 2.5, 2.5, 4], tieTerm: 6 });
    expect(midRanks([5, 5, 5]).ranks).toEqual([2, 2, 2]);
  });

  it('the exact distribution is a distribution, symmetric about n1 n2 / 2', () => {
    const cdf = exactUCdf(7, 9);
    expect(cdf[cdf.length - 1]).toBeCloseTo(1, 14);
    const pmf = (u: number): number => cdf[u]! - (u > 0 ? cdf[u - 1]! : 0);
    for (let u = 0; u <= 63; u++) expect(pmf(u)).toBeCloseTo(pmf(63 - u), 14);
    // U = 0 happens for one arrangement in C(16, 7) = 11440.
    expect(pmf(0)).toBeCloseTo(1 / 11440, 16);
  });

  it('uses the exact distribution automatically only for small samples without ties', () => {
    expect(mannWhitneyU(a, b).method).toBe('exact');
    const big = Array.from({ length: 60 }, (_, i) => i + 0.5);
    const other = Array.from({ length: 60 }, (_, i) => i + 0.25);
    expect(mannWhitneyU(big, other).method).toBe('asymptotic');
  });
});

describe('normal distribution', () => {
  it('matches the standard table values', () => {
    // The two-sided 5 % critical value z = 1.959963984540054 (standard normal 0.975 quantile).
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(normalCdf(0)).toBe(0.5);
    // erfc(1) = 0.157299207050285130658... (Abramowitz & Stegun, Table 7.1).
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 15);
  });

  it('stays accurate in the far tail, where 1 - cdf would cancel', () => {
    // P(Z > 6) = 9.8658765e-10 (standard tables); relative accuracy matters here, not absolute.
    expect(normalSf(6) / 9.8658765e-10).toBeCloseTo(1, 6);
    expect(1 - normalSf(-6)).toBeCloseTo(9.8658765e-10, 15);
    expect(erfc(30)).toBe(0);
  });
});
