// Descriptive statistics for benchmark samples (`simcert bench` / `simcert compare`): location and spread,
// quantiles, a distribution-free confidence interval of the median, Tukey outlier fences, and the JCAlgTest-style
// subtraction of a zero-iteration baseline. Pure functions, no card and no clock.
//
// Units: every sample is a plain `number` of nanoseconds (type Ns). A double holds whole nanoseconds exactly up to
// 2^53 ns (about 104 days), far past any card operation, and the statistics are floating point anyway; bigint
// readings from process.hrtime.bigint() go through nsFromBigInt once, at the edge.

/** A duration in nanoseconds. */
export type Ns = number;

/** Converts hrtime.bigint() differences to numbers, refusing values a double cannot hold exactly. */
export function nsFromBigInt(values: readonly bigint[]): Ns[] {
  return values.map((v, i) => {
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`sample ${i} (${v} ns) is negative or too large to hold exactly`);
    return Number(v);
  });
}

function checkSamples(samples: readonly number[], what = 'samples'): void {
  if (samples.length === 0) throw new RangeError(`${what}: no samples`);
  samples.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}] is not a finite number (${String(v)})`);
  });
}

/** An ascending copy; the caller's array is left alone because callers keep samples in measurement order. */
export function sortedCopy(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

/**
 * Quantile of already-sorted data, Hyndman & Fan (1996) definition 7: h = (n - 1)p, linear interpolation between
 * the order statistics around h. This is R's quantile() default (type = 7), NumPy's default method 'linear' and
 * Excel's PERCENTILE.INC, so a lab engineer re-checking a figure in any of them gets the same number.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability ${p} outside [0, 1]`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}

/** Hyndman & Fan type 7 quantile (see quantileSorted) of unsorted samples. */
export function quantile(samples: readonly number[], p: number): number {
  checkSamples(samples);
  return quantileSorted(sortedCopy(samples), p);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export interface SampleStats {
  n: number;
  min: Ns;
  max: Ns;
  mean: Ns;
  /** Sample standard deviation (divisor n - 1); NaN for a single sample, where it is undefined. */
  sd: Ns;
  /** Coefficient of variation sd / mean; NaN when sd is undefined or the mean is 0. */
  cv: number;
  p50: Ns;
  p90: Ns;
  p99: Ns;
}

export function sampleStats(samples: readonly number[]): SampleStats {
  checkSamples(samples);
  const s = sortedCopy(samples);
  const n = s.length;
  const mean = s.reduce((acc, v) => acc + v, 0) / n;
  // Two-pass: the squared deviations from the mean, not sum(x^2) - n*mean^2, which cancels badly when the
  // spread is tiny next to the value (signing is stable to about 0.5 %).
  const ss = s.reduce((acc, v) => acc + (v - mean) ** 2, 0);
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : Number.NaN;
  return {
    n,
    min: s[0]!,
    max: s[n - 1]!,
    mean,
    sd,
    cv: mean !== 0 ? sd / mean : Number.NaN,
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
  };
}

/**
 * P(B <= k) for B ~ Binomial(n, 1/2), summed exactly term by term in log space so that large n neither overflows
 * the binomial coefficient nor underflows 2^-n.
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a whole number >= 0, got ${n}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logTerm = -n * Math.LN2; // log P(B = 0)
  let sum = Math.exp(logTerm);
  for (let i = 0; i < Math.floor(k); i++) {
    logTerm += Math.log(n - i) - Math.log(i + 1);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

export interface MedianInterval {
  lower: Ns;
  upper: Ns;
  /** 1-based ranks of the order statistics used: [x(lowerRank), x(upperRank)], upperRank = n + 1 - lowerRank. */
  lowerRank: number;
  upperRank: number;
  /** The exact coverage 1 - 2 P(B <= lowerRank - 1), B ~ Bin(n, 1/2); at least the requested confidence. */
  coverage: number;
  confidence: number;
}

/**
 * Distribution-free confidence interval of the median from order statistics: the number of samples below the
 * population median is Binomial(n, 1/2) whatever the distribution (if continuous), so [x(k), x(n+1-k)] covers the
 * median with probability 1 - 2 P(B <= k - 1). The narrowest such interval with coverage >= confidence is returned,
 * computed from the exact binomial for every n (the standard order-statistic method, e.g. Conover, "Practical
 * Nonparametric Statistics", confidence interval for a quantile with p = 1/2). With ties the coverage is at least
 * the stated one. Undefined when even [min, max] cannot reach the confidence (n = 5 gives at most 93.75 %).
 */
export function medianConfidenceInterval(samples: readonly number[], confidence = 0.95): MedianInterval | undefined {
  checkSamples(samples);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} outside (0, 1)`);
  const s = sortedCopy(samples);
  const n = s.length;
  let best: number | undefined;
  for (let k = 1; k <= Math.floor((n + 1) / 2); k++) {
    if (1 - 2 * binomialHalfCdf(k - 1, n) >= confidence) best = k;
    else break;
  }
  if (best === undefined) return undefined;
  const upperRank = n + 1 - best;
  return { lower: s[best - 1]!, upper: s[upperRank - 1]!, lowerRank: best, upperRank, coverage: 1 - 2 * binomialHalfCdf(best - 1, n), confidence };
}

export interface Fences {
  q1: Ns;
  q3: Ns;
  iqr: Ns;
  /** q1 - k * iqr and q3 + k * iqr; samples strictly outside are outliers. */
  lower: Ns;
  upper: Ns;
  k: number;
}

/** Tukey's fences (k = 1.5 by default) on type-7 quartiles. */
export function tukeyFences(samples: readonly number[], k = 1.5): Fences {
  checkSamples(samples);
  const s = sortedCopy(samples);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  return { q1, q3, iqr, lower: q1 - k * iqr, upper: q3 + k * iqr, k };
}

export interface OutlierSplit {
  /** Samples inside the fences, in their original order. */
  kept: Ns[];
  removed: Ns[];
  fences: Fences;
}

export function splitOutliers(samples: readonly number[], k = 1.5): OutlierSplit {
  const fences = tukeyFences(samples, k);
  const kept: Ns[] = [];
  const removed: Ns[] = [];
  for (const v of samples) (v < fences.lower || v > fences.upper ? removed : kept).push(v);
  return { kept, removed, fences };
}

/** The samples kept after removing Tukey outliers. */
export function withoutOutliers(samples: readonly number[], k = 1.5): Ns[] {
  return splitOutliers(samples, k).kept;
}

export interface BaselineOptions {
  /** Operations the card performs per measured loop sample (JCAlgTest loops e.g. 50 signatures in one APDU). */
  operationsPerSample?: number;
  /** Largest acceptable coefficient of variation of the cleaned baseline; above it the result is refused. */
  maxBaselineCv?: number;
  /** Fence multiplier for outlier removal. */
  k?: number;
  /** Relative distance of min or max from the mean (after cleaning) that earns a warning, as JCAlgTest flags 5 %. */
  spreadWarning?: number;
}

export type BaselineFailure = 'too-few-samples' | 'baseline-unstable' | 'non-positive';

export type BaselineResult =
  | {
      ok: true;
      /** (median of cleaned loop samples - median of cleaned baseline samples) / operationsPerSample. */
      perOperationNs: Ns;
      loopMedianNs: Ns;
      baselineMedianNs: Ns;
      baselineCv: number;
      loop: OutlierSplit;
      baseline: OutlierSplit;
      warnings: string[];
    }
  | { ok: false; reason: BaselineFailure; message: string };

/**
 * The JCAlgTest method: the card loops the operation inside one APDU and a zero-iteration APDU measures what the
 * round trip alone costs. The first sample of each series is dropped (first-call effects: applet selection, lazy
 * allocation, an EC keygen can take 6x longer the first time), outliers are removed with Tukey fences, and the
 * baseline median is subtracted from the loop median. Data problems are returned, not thrown, so a bench run can
 * record why a figure is missing: an unstable baseline makes the difference meaningless, and a difference <= 0
 * means the operation drowned in the transport's noise.
 */
export function subtractBaseline(loopSamples: readonly number[], baselineSamples: readonly number[], options: BaselineOptions = {}): BaselineResult {
  const { operationsPerSample = 1, maxBaselineCv = 0.1, k = 1.5, spreadWarning = 0.05 } = options;
  if (!Number.isInteger(operationsPerSample) || operationsPerSample < 1) throw new RangeError(`operationsPerSample must be a whole number >= 1, got ${operationsPerSample}`);
  const loopRaw = loopSamples.slice(1);
  const baseRaw = baselineSamples.slice(1);
  if (loopRaw.length < 1 || baseRaw.length < 2) {
    return {
      ok: false,
      reason: 'too-few-samples',
      message: `need at least 2 loop and 3 baseline samples (the first of each is dropped), got ${loopSamples.length} and ${baselineSamples.length}`,
    };
  }
  checkSamples(loopRaw, 'loop samples');
  checkSamples(baseRaw, 'baseline samples');
  const loop = splitOutliers(loopRaw, k);
  const baseline = splitOutliers(baseRaw, k);
  const baseStats = sampleStats(baseline.kept);
  const baselineCv = baseStats.cv;
  if (!(baselineCv <= maxBaselineCv)) {
    return {
      ok: false,
      reason: 'baseline-unstable',
      message: `baseline coefficient of variation ${fmt(baselineCv)} exceeds ${fmt(maxBaselineCv)} (median ${fmt(baseStats.p50)} ns over ${baseStats.n} samples): the round trip is too noisy to subtract`,
    };
  }
  const loopMedianNs = median(loop.kept);
  const baselineMedianNs = baseStats.p50;
  const perOperationNs = (loopMedianNs - baselineMedianNs) / operationsPerSample;
  if (!(perOperationNs > 0)) {
    return {
      ok: false,
      reason: 'non-positive',
      message: `loop median ${fmt(loopMedianNs)} ns is not above the baseline median ${fmt(baselineMedianNs)} ns: the operation is lost in the round trip's noise`,
    };
  }
  const warnings: string[] = [];
  const ls = sampleStats(loop.kept);
  if (ls.mean > 0 && (ls.mean - ls.min > spreadWarning * ls.mean || ls.max - ls.mean > spreadWarning * ls.mean)) {
    warnings.push(`loop samples stray more than ${fmt(spreadWarning * 100)} % from their mean (min ${fmt(ls.min)}, mean ${fmt(ls.mean)}, max ${fmt(ls.max)} ns)`);
  }
  if (loop.removed.length > 0) warnings.push(`${loop.removed.length} loop outlier(s) removed`);
  if (baseline.removed.length > 0) warnings.push(`${baseline.removed.length} baseline outlier(s) removed`);
  return { ok: true, perOperationNs, loopMedianNs, baselineMedianNs, baselineCv, loop, baseline, warnings };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}
