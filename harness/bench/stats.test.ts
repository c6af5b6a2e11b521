// Known answers for the benchmark statistics: quantiles and median intervals from published tables and
// documentation (vectors/bench/stats.json, with sources), and the behaviour of outlier removal and JCAlgTest-style
// baseline subtraction, including the failures it must report rather than throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import {
  binomialHalfCdf,
  median,
  medianConfidenceInterval,
  nsFromBigInt,
  quantile,
  sampleStats,
  splitOutliers,
  subtractBaseline,
  tukeyFences,
  withoutOutliers,
} from './stats.ts';

interface StatsVectors {
  quantiles: { cases: Array<{ source: string; data: number[]; p: number; expected: number }> };
  medianIntervals: {
    cases: Array<{ n: number; lowerRank: number; upperRank: number; levelPercent: number; next: { lowerRank: number; upperRank: number; levelPercent: number } }>;
    unattainable: { n: number; bestLevelPercent: number };
  };
  medianIntervalData: { data: number[]; median: number; lower: number; upper: number };
}

const V = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'bench', 'stats.json'), 'utf8')) as StatsVectors;

describe('quantile (Hyndman–Fan type 7)', () => {
  it.each(V.quantiles.cases)('$source', ({ data, p, expected }) => {
    expect(quantile(data, p)).toBeCloseTo(expected, 12);
  });

  it('is the minimum at 0 and the maximum at 1, whatever the input order', () => {
    expect(quantile([5, 1, 9, 3], 0)).toBe(1);
    expect(quantile([5, 1, 9, 3], 1)).toBe(9);
    expect(median([42])).toBe(42);
  });

  it('does not reorder the caller’s samples', () => {
    const s = [3, 1, 2];
    quantile(s, 0.5);
    expect(s).toEqual([3, 1, 2]);
  });

  it('refuses empty input, NaN and probabilities outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/not a finite number/);
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe('sampleStats', () => {
  it('gives min, max, mean, the n - 1 standard deviation and CV', () => {
    // Worked by hand: mean 5, squared deviations sum to 32, so s^2 = 32 / 7.
    const st = sampleStats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(st).toMatchObject({ n: 8, min: 2, max: 9, mean: 5, p50: 4.5 });
    expect(st.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(st.cv).toBeCloseTo(Math.sqrt(32 / 7) / 5, 12);
  });

  it('keeps precision for a tiny spread on a large value (sign timings are stable to about 0.5 %)', () => {
    const base = 60_700_000_000; // 60.7 s in ns, far larger than any real sign
    const st = sampleStats([base - 1, base, base + 1]);
    expect(st.sd).toBeCloseTo(1, 9);
  });

  it('reports the standard deviation of one sample as undefined (NaN), not 0', () => {
    const st = sampleStats([7]);
    expect(st.sd).toBeNaN();
    expect(st.cv).toBeNaN();
    expect(st.p99).toBe(7);
  });
});

describe('binomialHalfCdf', () => {
  it('matches hand-computed binomial sums', () => {
    expect(binomialHalfCdf(1, 10)).toBeCloseTo(11 / 1024, 15);
    expect(binomialHalfCdf(0, 3)).toBeCloseTo(1 / 8, 15);
    expect(binomialHalfCdf(-1, 3)).toBe(0);
    expect(binomialHalfCdf(3, 3)).toBe(1);
  });

  it('stays finite and symmetric for large n, where 2^-n underflows', () => {
    const n = 5001;
    expect(binomialHalfCdf((n - 1) / 2, n)).toBeCloseTo(0.5, 10);
  });
});

describe('medianConfidenceInterval (binomial order statistics)', () => {
  it.each(V.medianIntervals.cases)('n = $n: [x($lowerRank), x($upperRank)] at $levelPercent %, as the published table', (c) => {
    const samples = Array.from({ length: c.n }, (_, i) => (i + 1) * 10);
    const ci = medianConfidenceInterval(samples, 0.95)!;
    expect(ci.lowerRank).toBe(c.lowerRank);
    expect(ci.upperRank).toBe(c.upperRank);
    expect(ci.lower).toBe(c.lowerRank * 10);
    expect(ci.upper).toBe(c.upperRank * 10);
    expect(ci.coverage * 100).toBeCloseTo(c.levelPercent, 1);
    // The table's next narrower interval is below 95 %, which is why it was not chosen.
    expect((1 - 2 * binomialHalfCdf(c.next.lowerRank - 1, c.n)) * 100).toBeCloseTo(c.next.levelPercent, 1);
  });

  it('is undefined when even [min, max] cannot reach 95 % (n = 5)', () => {
    const { n, bestLevelPercent } = V.medianIntervals.unattainable;
    expect(medianConfidenceInterval([1, 2, 3, 4, 5].slice(0, n))).toBeUndefined();
    expect((1 - 2 * binomialHalfCdf(0, n)) * 100).toBeCloseTo(bestLevelPercent, 1);
  });

  it('gives the published interval for a worked data set (n = 19)', () => {
    const d = V.medianIntervalData;
    expect(median(d.data)).toBe(d.median);
    const ci = medianConfidenceInterval(d.data)!;
    expect([ci.lower, ci.upper]).toEqual([d.lower, d.upper]);
  });

  it('widens as the confidence grows and works on unsorted input', () => {
    const s = [9, 3, 7, 1, 5, 2, 8, 6, 4, 10, 12, 11, 15, 14, 13, 20, 19, 18, 17, 16];
    const c90 = medianConfidenceInterval(s, 0.9)!;
    const c99 = medianConfidenceInterval(s, 0.99)!;
    expect(c99.lower).toBeLessThanOrEqual(c90.lower);
    expect(c99.upper).toBeGreaterThanOrEqual(c90.upper);
    expect(c99.coverage).toBeGreaterThanOrEqual(0.99);
  });
});

describe('Tukey fences', () => {
  it('puts the fences 1.5 IQR beyond the type-7 quartiles and keeps samples in order', () => {
    // 1..8 and 100: q1 = x(3) = 3, q3 = x(7) = 7, IQR 4, fences -3 and 13.
    const samples = [5, 1, 100, 2, 3, 4, 6, 7, 8];
    expect(tukeyFences(samples)).toMatchObject({ q1: 3, q3: 7, iqr: 4, lower: -3, upper: 13 });
    const split = splitOutliers(samples);
    expect(split.removed).toEqual([100]);
    expect(split.kept).toEqual([5, 1, 2, 3, 4, 6, 7, 8]);
    expect(withoutOutliers(samples)).toEqual(split.kept);
  });

  it('keeps every sample when none is outside (a sample on the fence stays)', () => {
    expect(withoutOutliers([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
    // q1 = 2, q3 = 4, upper fence 7: 7 is on it.
    expect(withoutOutliers([1, 2, 3, 4, 7])).toEqual([1, 2, 3, 4, 7]);
  });
});

describe('subtractBaseline (JCAlgTest method)', () => {
  const baseline = [900_000, 50_000, 50_400, 49_800, 50_200, 49_900, 50_100, 50_300, 49_700, 50_000];
  const loop = [9_000_000, 3_050_000, 3_049_000, 3_051_000, 3_050_500, 3_049_500, 3_050_000, 30_000_000, 3_050_200];

  it('drops the first sample of each series, removes outliers and subtracts the baseline median per operation', () => {
    const r = subtractBaseline(loop, baseline, { operationsPerSample: 50 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.loop.kept).not.toContain(9_000_000);
    expect(r.loop.removed).toEqual([30_000_000]);
    expect(r.baseline.kept).not.toContain(900_000);
    expect(r.loopMedianNs).toBe(3_050_000);
    expect(r.baselineMedianNs).toBe(50_000);
    expect(r.perOperationNs).toBe((3_050_000 - 50_000) / 50);
    expect(r.warnings.join('\n')).toMatch(/1 loop outlier/);
  });

  it('returns baseline-unstable, not a number, when the round trip is too noisy', () => {
    const noisy = [0, 10_000, 90_000, 30_000, 70_000, 20_000, 80_000];
    const r = subtractBaseline(loop, noisy, { maxBaselineCv: 0.1 });
    expect(r).toMatchObject({ ok: false, reason: 'baseline-unstable' });
    if (!r.ok) expect(r.message).toMatch(/coefficient of variation/);
  });

  it('returns non-positive when the operation is lost in the baseline', () => {
    const r = subtractBaseline([0, 49_000, 49_500, 49_800], baseline);
    expect(r).toMatchObject({ ok: false, reason: 'non-positive' });
  });

  it('returns too-few-samples rather than throwing', () => {
    expect(subtractBaseline([1], baseline)).toMatchObject({ ok: false, reason: 'too-few-samples' });
    expect(subtractBaseline(loop, [1, 2])).toMatchObject({ ok: false, reason: 'too-few-samples' });
  });

  it('warns when loop samples stray more than 5 % from their mean', () => {
    const r = subtractBaseline([0, 1_000_000, 1_060_000, 960_000, 1_050_000, 940_000], baseline);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings.join('\n')).toMatch(/stray more than 5 %/);
  });
});

describe('nsFromBigInt', () => {
  it('converts hrtime differences and refuses what a double cannot hold exactly', () => {
    expect(nsFromBigInt([0n, 60_700_000n])).toEqual([0, 60_700_000]);
    expect(() => nsFromBigInt([2n ** 60n])).toThrow(RangeError);
    expect(() => nsFromBigInt([-1n])).toThrow(RangeError);
  });
});
