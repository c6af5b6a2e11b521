// Two-sample Mann–Whitney U test, for `simcert compare` to say whether two cards' timings for the same operation
// differ by more than chance. Timings are skewed and heavy-tailed (keygen max/min up to 32x), so a rank test, not a
// t-test. Mid-ranks for ties; normal approximation with tie-corrected variance and a 0.5 continuity correction; the
// exact null distribution when there are no ties and the samples are small.
//
// Conventions follow scipy.stats.mannwhitneyu: U is the statistic of the first sample x (the number of pairs
// (x_i, y_j) with x_i > y_j, ties counting 1/2); 'less' means x tends to be smaller than y.

export type Alternative = 'two-sided' | 'less' | 'greater';

export interface MannWhitneyOptions {
  alternative?: Alternative;
  /** Continuity correction of 0.5 towards the mean in the normal approximation (default true). */
  continuity?: boolean;
  /** 'auto': exact when there are no ties and n1 * n2 <= EXACT_LIMIT, otherwise the normal approximation. */
  method?: 'auto' | 'exact' | 'asymptotic';
}

export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** U of the second sample, n1 * n2 - u. */
  u2: number;
  /** Standardized statistic of the normal approximation (continuity-corrected if asked), whatever method gave p. */
  z: number;
  p: number;
  method: 'exact' | 'asymptotic';
  alternative: Alternative;
  ties: boolean;
  n1: number;
  n2: number;
}

/** Largest n1 * n2 for which 'auto' uses the exact distribution; its cost grows as min(n1, n2) * n1 * n2. */
export const EXACT_LIMIT = 2500;

export function mannWhitneyU(x: readonly number[], y: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const { alternative = 'two-sided', continuity = true, method = 'auto' } = options;
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError(`Mann–Whitney needs two non-empty samples, got ${n1} and ${n2}`);
  for (const [name, s] of [['x', x], ['y', y]] as const) {
    s.forEach((v, i) => {
      if (Number.isNaN(v)) throw new RangeError(`${name}[${i}] is NaN`);
    });
  }
  const { ranks, tieTerm } = midRanks([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u;
  const ties = tieTerm > 0;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const cc = continuity ? 0.5 : 0;
  const d = u - mean;

  let z: number;
  let pNormal: number;
  if (!(variance > 0)) {
    // Every observation equal: no evidence either way.
    z = 0;
    pNormal = 1;
  } else {
    const sd = Math.sqrt(variance);
    switch (alternative) {
      case 'less':
        z = (d + cc) / sd;
        pNormal = normalCdf(z);
        break;
      case 'greater':
        z = (d - cc) / sd;
        pNormal = normalSf(z);
        break;
      default: {
        const shifted = Math.max(Math.abs(d) - cc, 0);
        z = (Math.sign(d) * shifted) / sd;
        // scipy takes max(U1, U2) - mean - cc, which may go negative (p > 1) when U sits at the mean; clip.
        pNormal = Math.min(1, 2 * normalSf((Math.abs(d) - cc) / sd));
      }
    }
  }

  const useExact = method === 'exact' || (method === 'auto' && !ties && n1 * n2 <= EXACT_LIMIT);
  if (useExact) {
    if (ties) throw new RangeError('the exact Mann–Whitney distribution here assumes no ties; use the asymptotic method');
    const cdf = exactUCdf(n1, n2);
    const atMost = (k: number): number => (k < 0 ? 0 : cdf[Math.min(k, n1 * n2)]!);
    const lower = atMost(u); // P(U <= u)
    const upper = atMost(n1 * n2 - u); // P(U >= u), by the symmetry of U about n1 n2 / 2
    const p = alternative === 'less' ? lower : alternative === 'greater' ? upper : Math.min(1, 2 * Math.min(lower, upper));
    return { u, u2, z, p, method: 'exact', alternative, ties, n1, n2 };
  }
  return { u, u2, z, p: pNormal, method: 'asymptotic', alternative, ties, n1, n2 };
}

/** Mid-ranks (1-based) of the values in input order, and the tie term sum(t^3 - t) over groups of equal values. */
export function midRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]![1]] = rank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm };
}

/**
 * Cumulative null distribution of U without ties: cdf[u] = P(U <= u). The number of arrangements giving U = u is
 * the number of partitions of u into at most n1 parts of size at most n2, i.e. the coefficient of q^u in the
 * Gaussian binomial [n1 + n2 choose n1]_q = prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i), built one factor at a time.
 * The lower tail, which the p-values use, is free of cancellation: below degree n2 + 1 nothing is subtracted.
 */
export function exactUCdf(n1: number, n2: number): Float64Array {
  const m = Math.min(n1, n2);
  const k = Math.max(n1, n2);
  const size = n1 * n2 + 1;
  const c = new Float64Array(size);
  c[0] = 1;
  for (let i = 1; i <= m; i++) {
    const a = k + i;
    for (let u = size - 1; u >= a; u--) c[u]! -= c[u - a]!;
    for (let u = i; u < size; u++) c[u]! += c[u - i]!;
  }
  let total = 0;
  for (let u = 0; u < size; u++) total += c[u]!;
  const cdf = new Float64Array(size);
  let acc = 0;
  for (let u = 0; u < size; u++) {
    acc += c[u]!;
    cdf[u] = Math.min(1, acc / total);
  }
  return cdf;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal survival function 1 - CDF, accurate in the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Complementary error function to about 1e-14 relative: below 3 from the all-positive series
 * erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)) (no alternating cancellation), from 3 up the
 * Laplace continued fraction erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  if (x > 27) return 0; // e^(-729) underflows a double
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * t);
}
