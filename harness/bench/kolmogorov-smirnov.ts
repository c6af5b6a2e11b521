// Two-sample Kolmogorov–Smirnov test, for `simcert compare` to say whether two cards' timings differ anywhere in
// their distribution, not only in location (Mann–Whitney's question). Key generation is heavy-tailed: two cards can
// share a median and still differ in how often a key takes a minute, and that is what KS sees.
//
// D = sup |F1(t) - F2(t)| over the two empirical CDFs. The p-value is exact for the continuous null (ties are
// not corrected for, as in scipy.stats.ks_2samp): P(D >= d) = 1 - the share of the C(m+n, m) monotone lattice
// paths from (0,0) to (m,n) that stay strictly inside |i/m - j/n| < d (Hodges 1957, "The significance probability
// of the Smirnov two-sample test"). Counting is done on path shares, not counts, so nothing overflows: with
// f(i,j) = N(i,j) / C(i+j, i), f(i,j) = f(i-1,j) i/(i+j) + f(i,j-1) j/(i+j). Everything runs on integers i*n - j*m
// so a D that sits exactly on a lattice diagonal is not lost to rounding. Above EXACT_CELLS lattice cells the
// limiting (Kolmogorov) distribution is used instead.
// Accuracy: absolute, about 1e-15 (1 minus a share); a p of 4e-15 comes out with a relative error of tens of
// per cent, which no verdict at alpha = 0.05 can feel.

export interface KsResult {
  /** sup |F1 - F2|. */
  d: number;
  p: number;
  method: 'exact' | 'asymptotic';
  n1: number;
  n2: number;
}

/** Largest (n1 + 1)(n2 + 1) for the exact p-value; far above any bench run (200 x 200 keygens are 40 401 cells). */
export const EXACT_CELLS = 2e7;

function check(name: string, s: readonly number[]): void {
  if (s.length === 0) throw new RangeError(`Kolmogorov–Smirnov needs two non-empty samples (${name} is empty)`);
  s.forEach((v, i) => {
    if (Number.isNaN(v)) throw new RangeError(`${name}[${i}] is NaN`);
  });
}

/** D as the whole number D * n1 * n2 (exact), walking both sorted samples once. */
function statisticTimesMn(x: readonly number[], y: readonly number[]): number {
  const a = [...x].sort((p, q) => p - q);
  const b = [...y].sort((p, q) => p - q);
  const m = a.length;
  const n = b.length;
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < m || j < n) {
    // Step past every copy of the next value in both samples at once: the CDFs jump together at a tie.
    const t = j >= n || (i < m && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < m && a[i]! <= t) i++;
    while (j < n && b[j]! <= t) j++;
    best = Math.max(best, Math.abs(i * n - j * m));
  }
  return best;
}

/** Two-sided two-sample KS test. */
export function ksTwoSample(x: readonly number[], y: readonly number[]): KsResult {
  check('x', x);
  check('y', y);
  const m = x.length;
  const n = y.length;
  const h = statisticTimesMn(x, y);
  const d = h / (m * n);
  if ((m + 1) * (n + 1) <= EXACT_CELLS) return { d, p: exactTwoSidedSf(m, n, h), method: 'exact', n1: m, n2: n };
  return { d, p: kolmogorovSf(Math.sqrt((m * n) / (m + n)) * d), method: 'asymptotic', n1: m, n2: n };
}

/**
 * P(D >= h / (m n)) under the null: 1 - the share of lattice paths with |i n - j m| < h at every point.
 * The smallest possible p for sizes m, n is 2 / C(m+n, m) (complete separation, either way round).
 */
export function exactTwoSidedSf(m: number, n: number, h: number): number {
  if (h <= 0) return 1;
  // row[j] = f(i, j) for the current i.
  const row = new Float64Array(n + 1);
  row[0] = 1;
  for (let j = 1; j <= n; j++) row[j] = j * m < h ? row[j - 1]! : 0; // f(0, j) is 1 while inside, 0 after
  for (let i = 1; i <= m; i++) {
    row[0] = i * n < h ? row[0]! : 0;
    for (let j = 1; j <= n; j++) {
      if (Math.abs(i * n - j * m) >= h) row[j] = 0;
      else row[j] = (row[j]! * i + row[j - 1]! * j) / (i + j);
    }
  }
  return Math.min(1, Math.max(0, 1 - row[n]!));
}

/** Survival function of the Kolmogorov distribution, Q(λ) = 2 Σ (-1)^(k-1) e^(-2 k² λ²). */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1; // the series converges slowly there and Q is 1 to double precision
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * The smallest D that sizes m and n can call significant at alpha (exact, by walking the possible values
 * h / (m n) upwards), or undefined when even complete separation is not significant: the "sample size needed"
 * the comparison page prints beside each pair.
 */
export function ksCriticalD(m: number, n: number, alpha: number): number | undefined {
  if ((m + 1) * (n + 1) > EXACT_CELLS) return Math.sqrt(-0.5 * Math.log(alpha / 2)) * Math.sqrt((m + n) / (m * n));
  // |i n - j m| is always a multiple of gcd(m, n): those are the only values h can take. The p-value falls as h
  // grows, so a binary search over the multiples finds the first one below alpha.
  const step = gcd(m, n);
  let lo = 1;
  let hi = (m * n) / step;
  if (exactTwoSidedSf(m, n, hi * step) >= alpha) return undefined;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (exactTwoSidedSf(m, n, mid * step) < alpha) hi = mid;
    else lo = mid + 1;
  }
  return (lo * step) / (m * n);
}

/** Smallest two-sided p-value any rank test (KS, Mann–Whitney) can reach with sizes m and n: 2 / C(m+n, m). */
export function smallestTwoSidedP(m: number, n: number): number {
  // log C(m+n, m) summed term by term; exp underflows to 0 harmlessly for large samples.
  let logC = 0;
  for (let i = 1; i <= Math.min(m, n); i++) logC += Math.log(Math.max(m, n) + i) - Math.log(i);
  return Math.min(1, 2 * Math.exp(-logC));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
