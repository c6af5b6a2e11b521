// The two-sample Kolmogorov–Smirnov test against SciPy's own expected values (vectors/bench/kolmogorov-smirnov.json,
// transcribed from scipy/stats/tests/test_stats.py, TestKSTwoSamples), plus what the comparison page relies on: the
// smallest p two samples can reach and the smallest D they can call significant.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { exactTwoSidedSf, kolmogorovSf, ksCriticalD, ksTwoSample, smallestTwoSidedP } from './kolmogorov-smirnov.ts';

type Sample = number[] | { linspace: [number, number, number]; plus: number } | { repeat: Array<[number, number]> };
interface KsCase {
  id: string;
  source: string;
  x: Sample;
  y: Sample;
  expected: { d: number; p: number; decimals: number };
}

/** The sample as the SciPy test builds it: numpy.linspace(start, stop, num) + c is start + k (stop - start)/(num - 1) + c. */
function expand(s: Sample): number[] {
  if (Array.isArray(s)) return s;
  if ('repeat' in s) return s.repeat.flatMap(([v, count]) => new Array<number>(count).fill(v));
  const [start, stop, num] = s.linspace;
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, k) => (k === num - 1 ? stop : start + k * step) + s.plus);
}

const CASES = (JSON.parse(readFileSync(join(repoRoot, 'vectors', 'bench', 'kolmogorov-smirnov.json'), 'utf8')) as { cases: KsCase[] }).cases;

describe('Kolmogorov–Smirnov, two samples: SciPy test-suite values', () => {
  it.each(CASES)('$id', ({ x, y, expected }) => {
    const r = ksTwoSample(expand(x), expand(y));
    const tolerance = 1.5 * 10 ** -expected.decimals; // numpy's assert_array_almost_equal(decimal=6)
    expect(Math.abs(r.d - expected.d)).toBeLessThan(tolerance);
    expect(Math.abs(r.p - expected.p)).toBeLessThan(tolerance);
    expect(r.method).toBe('exact');
  });
});

describe('Kolmogorov–Smirnov: properties the page relies on', () => {
  it('is symmetric in its samples and 1 for identical ones', () => {
    const a = [5, 1, 9, 3, 7, 2];
    const b = [4, 8, 6, 10, 12];
    expect(ksTwoSample(a, b)).toMatchObject({ d: ksTwoSample(b, a).d, p: ksTwoSample(b, a).p });
    expect(ksTwoSample(a, a)).toMatchObject({ d: 0, p: 1 });
  });

  it('complete separation gives exactly 2 / C(m+n, m), the smallest p these sizes allow', () => {
    // C(8, 4) = 70: 2/70; C(7, 3) = 35: 2/35.
    expect(ksTwoSample([1, 2, 3, 4], [5, 6, 7, 8]).p).toBeCloseTo(2 / 70, 14);
    expect(ksTwoSample([1, 2, 3], [5, 6, 7, 8]).p).toBeCloseTo(2 / 35, 14);
    expect(smallestTwoSidedP(4, 4)).toBeCloseTo(2 / 70, 14);
    expect(smallestTwoSidedP(3, 3)).toBeCloseTo(2 / 20, 14);
  });

  it('needs 4 samples each to reach 5 %: with 3 each no D is significant', () => {
    expect(ksCriticalD(3, 3, 0.05)).toBeUndefined();
    expect(ksCriticalD(4, 4, 0.05)).toBe(1);
  });

  it('the critical D for 20 and 200 per card approaches the large-sample 1.358 sqrt(2/n)', () => {
    // Smirnov's limit: D_crit = c(alpha) sqrt((m+n)/(m n)), c(0.05) = 1.358 (NIST/SEMATECH e-Handbook 1.3.5.16 gives
    // the one-sample analogue; the two-sample form is in Conover, Practical Nonparametric Statistics, table A20 notes).
    const d200 = ksCriticalD(200, 200, 0.05)!;
    expect(d200).toBeGreaterThan(1.358 * Math.sqrt(2 / 200) - 0.01);
    expect(d200).toBeLessThan(1.358 * Math.sqrt(2 / 200) + 0.01);
    expect(exactTwoSidedSf(200, 200, d200 * 200 * 200)).toBeLessThan(0.05);
    expect(ksCriticalD(20, 20, 0.05)!).toBeGreaterThan(ksCriticalD(200, 200, 0.05)!);
  });

  it('the limiting distribution gives the published 5 % point 1.358', () => {
    expect(kolmogorovSf(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovSf(1.628)).toBeCloseTo(0.01, 3);
  });
});

describe('Kolmogorov–Smirnov: the critical D is the first D below alpha', () => {
  it('for unequal sizes (gcd 1) as a linear walk finds it', () => {
    for (const [m, n] of [[7, 9], [20, 23], [11, 30]] as const) {
      const d = ksCriticalD(m, n, 0.05)!;
      const h = Math.round(d * m * n);
      expect(exactTwoSidedSf(m, n, h)).toBeLessThan(0.05);
      // Every smaller possible D is not significant.
      for (let k = 1; k < h; k++) expect(exactTwoSidedSf(m, n, k)).toBeGreaterThanOrEqual(0.05);
    }
  });
});
