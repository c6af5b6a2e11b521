// `simcert compare`: puts several bench results side by side, one section per operation (and algorithm), one row
// per card, with median, tail quantiles (p90, p99, max), the 95 % confidence interval of the median, CV, a box plot,
// an empirical CDF and a histogram on one time axis (logarithmic when the spread needs it), and pairwise tests of
// location (Mann–Whitney) and of the whole distribution (Kolmogorov–Smirnov), as a markdown table or a standalone
// HTML page (inline CSS and SVG, nothing fetched, all text escaped). Emulated and timing-model results are kept in
// rows of their own and labelled wherever they appear, so a simulator's durations are never read as a card's; the
// published reference cards (--reference) are marked "published, not measured here" and never tested.
import { escapeHtml, formatNs } from './format.ts';
import { ksCriticalD, ksTwoSample, smallestTwoSidedP } from './kolmogorov-smirnov.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { boxPlotSvg as drawBoxPlot, ecdfSvg, histogramSvg, SVG_CSS, type PlotRow, type ReferenceMark } from './plots.ts';
import { figureKey, PUBLISHED_BANNER, type ReferenceCard, type ReferenceFigure } from './reference-cards.ts';
import { EMULATED_BANNER, operationKey, timingSource, type BenchResult, type TimingSource } from './result.ts';
import {
  medianConfidenceInterval,
  sampleStats,
  splitOutliers,
  subtractBaseline,
  type Fences,
  type MedianInterval,
  type Ns,
  type SampleStats,
} from './stats.ts';

export { escapeHtml, formatNs };

export const DEFAULT_ALPHA = 0.05;

export interface CardRow {
  /** Identity within a section: vendor, variant, carrier and where the timings came from. */
  key: string;
  label: string;
  vendor: string;
  variant: string;
  carrier: string;
  timing: TimingSource;
  timingModel?: string;
  runs: number;
  interruptedRuns: number;
  /** All runs' samples per operation (see perOperationSamples), in file order then measurement order. */
  samples: Ns[];
  /** Why a run's figures are less direct than the others' (baseline not subtracted). */
  notes: string[];
  stats?: SampleStats;
  medianCi?: MedianInterval;
  fences?: Fences;
  outliers: Ns[];
}

export interface PairwiseTest {
  a: string;
  b: string;
  u?: number;
  p?: number;
  method?: 'exact' | 'asymptotic';
  /** Mann–Whitney p < alpha. */
  significant: boolean;
  /** Two-sample Kolmogorov–Smirnov on the whole distributions. */
  ks?: { d: number; p: number; method: 'exact' | 'asymptotic'; significant: boolean };
  /** What these sample sizes can show at all: the smallest two-sided p either rank test can reach, the smallest D KS can call significant. */
  power?: { smallestP: number; criticalD?: number };
  /** Why no test was run for this pair. */
  skipped?: string;
}

/** A published figure for this section's operation (reference-cards.json). */
export interface SectionReference {
  card: ReferenceCard;
  figure: ReferenceFigure;
}

export interface OperationSection {
  /** e.g. "sign rsa2048". */
  operation: string;
  rows: CardRow[];
  pairs: PairwiseTest[];
  /** Notices this section must show (emulated rows, timing models). */
  banners: string[];
  /** Published figures of other cards for this operation (compare --reference); empty without it. */
  references: SectionReference[];
}

export interface Comparison {
  alpha: number;
  sections: OperationSection[];
  /** Notices for the whole page. */
  banners: string[];
  /** The published reference cards, when asked for (compare --reference). */
  references?: ReferenceCard[];
}

function rowIdentity(r: BenchResult): { key: string; label: string } {
  const source = timingSource(r);
  const base = `${r.card.vendor} ${r.card.variant} (${r.card.carrier})`;
  // Both tags when both hold: a timing-model run and a plain run of one emulated card are two rows, and must read so.
  const tag = (r.card.emulated ? ' [emulated]' : '') + (r.card.timingModel !== undefined ? ` [model: ${r.card.timingModel}]` : '');
  const key = JSON.stringify([r.card.vendor, r.card.variant, r.card.carrier, source, r.card.timingModel ?? '']);
  return { key, label: base + tag };
}

export function buildComparison(results: readonly BenchResult[], options: { alpha?: number; references?: readonly ReferenceCard[] } = {}): Comparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const refs = options.references ?? [];
  const bySection = new Map<string, Map<string, CardRow>>();
  for (const r of results) {
    const op = operationKey(r);
    let rows = bySection.get(op);
    if (!rows) bySection.set(op, (rows = new Map()));
    const { key, label } = rowIdentity(r);
    let row = rows.get(key);
    if (!row) {
      row = {
        key,
        label,
        vendor: r.card.vendor,
        variant: r.card.variant,
        carrier: r.card.carrier,
        timing: timingSource(r),
        runs: 0,
        interruptedRuns: 0,
        samples: [],
        outliers: [],
        notes: [],
      };
      if (r.card.timingModel !== undefined) row.timingModel = r.card.timingModel;
      rows.set(key, row);
    }
    row.runs++;
    if (r.interrupted) row.interruptedRuns++;
    const per = perOperationSamples(r);
    for (const v of per.samples) row.samples.push(v);
    if (per.note) row.notes.push(per.note);
  }

  const sections: OperationSection[] = [];
  for (const [operation, rowMap] of [...bySection.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const rows = [...rowMap.values()].sort((a, b) => a.label.localeCompare(b.label));
    for (const row of rows) {
      if (row.samples.length === 0) continue;
      row.stats = sampleStats(row.samples);
      const ci = medianConfidenceInterval(row.samples);
      if (ci) row.medianCi = ci;
      const split = splitOutliers(row.samples);
      row.fences = split.fences;
      row.outliers = split.removed;
    }
    const references = refs.flatMap((card) => card.figures.filter((f) => figureKey(f) === operation).map((figure) => ({ card, figure })));
    sections.push({ operation, rows, pairs: pairwise(rows, alpha), banners: sectionBanners(rows), references });
  }
  const c: Comparison = { alpha, sections, banners: pageBanners(sections) };
  if (options.references) {
    c.references = [...options.references];
    c.banners.push(`This page includes published figures of other cards (JCAlgTest): ${PUBLISHED_BANNER}; they are marked wherever they appear and are never tested against the measured cards.`);
  }
  return c;
}

/**
 * One value per operation, so that a card timed JCAlgTest-style (many operations looped in one APDU, with a
 * zero-iteration baseline) sits in the same table as a card timed one APDU per operation: the baseline median is
 * subtracted from each loop sample when subtractBaseline accepts the baseline, then the result is divided by the
 * loop count. A refused baseline leaves the round trip in, and says so.
 */
export function perOperationSamples(r: BenchResult): { samples: Ns[]; note?: string } {
  const ops = r.operation.operationsPerSample ?? 1;
  let offset = 0;
  let note: string | undefined;
  if (r.baselineSamplesNs && r.baselineSamplesNs.length > 0) {
    const b = subtractBaseline(r.samplesNs, r.baselineSamplesNs, { operationsPerSample: ops });
    if (b.ok) offset = b.baselineMedianNs;
    else note = `baseline not subtracted (${b.reason}): ${b.message}`;
  }
  const samples = offset === 0 && ops === 1 ? [...r.samplesNs] : r.samplesNs.map((v) => (v - offset) / ops);
  return note === undefined ? { samples } : { samples, note };
}

function pairwise(rows: readonly CardRow[], alpha: number): PairwiseTest[] {
  const out: PairwiseTest[] = [];
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const a = rows[i]!;
      const b = rows[j]!;
      if (a.timing === 'emulated' || b.timing === 'emulated') {
        out.push({ a: a.label, b: b.label, significant: false, skipped: `emulated (${EMULATED_BANNER})` });
      } else if (a.samples.length === 0 || b.samples.length === 0) {
        out.push({ a: a.label, b: b.label, significant: false, skipped: 'no samples' });
      } else {
        const t = mannWhitneyU(a.samples, b.samples);
        const ks = ksTwoSample(a.samples, b.samples);
        const criticalD = ksCriticalD(a.samples.length, b.samples.length, alpha);
        out.push({
          a: a.label,
          b: b.label,
          u: t.u,
          p: t.p,
          method: t.method,
          significant: t.p < alpha,
          ks: { d: ks.d, p: ks.p, method: ks.method, significant: ks.p < alpha },
          power: { smallestP: smallestTwoSidedP(a.samples.length, b.samples.length), ...(criticalD !== undefined ? { criticalD } : {}) },
        });
      }
    }
  }
  return out;
}

function sectionBanners(rows: readonly CardRow[]): string[] {
  const banners: string[] = [];
  const emulated = rows.filter((r) => r.timing === 'emulated');
  if (emulated.length > 0) banners.push(`Emulated, ${EMULATED_BANNER}: ${emulated.map((r) => r.label).join('; ')}`);
  const models = rows.filter((r) => r.timingModel !== undefined);
  for (const model of [...new Set(models.map((r) => r.timingModel!))]) {
    const which = models.filter((r) => r.timingModel === model).map((r) => r.label);
    banners.push(`Timing model "${model}": these durations are computed by a model, not measured on a card: ${which.join('; ')}`);
  }
  const interrupted = rows.filter((r) => r.interruptedRuns > 0);
  if (interrupted.length > 0) banners.push(`Interrupted runs included: ${interrupted.map((r) => r.label).join('; ')}`);
  for (const r of rows) for (const n of new Set(r.notes)) banners.push(`${r.label}: ${n}`);
  return banners;
}

function pageBanners(sections: readonly OperationSection[]): string[] {
  const rows = sections.flatMap((s) => s.rows);
  const banners: string[] = [];
  if (rows.some((r) => r.timing === 'emulated')) banners.push(`This page includes emulated results: ${EMULATED_BANNER}.`);
  const models = [...new Set(rows.flatMap((r) => (r.timingModel !== undefined ? [r.timingModel] : [])))];
  if (models.length > 0) banners.push(`This page includes durations from timing model(s) ${models.map((m) => `"${m}"`).join(', ')}, not measured on a card.`);
  return banners;
}

function formatCv(cv: number): string {
  return Number.isFinite(cv) ? `${(cv * 100).toFixed(2)} %` : '–';
}

function formatP(p: number): string {
  // Below 1e-15 the exact KS p (1 minus a share of paths) is rounding noise: say only how small it is.
  if (p < 1e-15) return '< 1e-15';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function formatCi(ci: MedianInterval | undefined): string {
  return ci ? `${formatNs(ci.lower)} – ${formatNs(ci.upper)} (${(ci.coverage * 100).toFixed(1)} %)` : 'n/a (fewer than 6 samples)';
}

function formatMs(ms: number): string {
  return formatNs(ms * 1e6);
}

/** A published figure in one cell: "3.816 s (596.0 ms – 17.32 s), median of 10". */
function formatFigure(f: ReferenceFigure): string {
  const range = f.minMs !== undefined && f.maxMs !== undefined ? ` (${formatMs(f.minMs)} – ${formatMs(f.maxMs)})` : '';
  return `${formatMs(f.valueMs)}${range}, ${f.statistic}`;
}

const STATS_HEADER = ['Card', 'Runs', 'n', 'Median', '95 % CI of median', 'p90', 'p99', 'Max', 'CV'];

function statsCells(r: CardRow): string[] {
  const st = r.stats;
  if (!st) return [r.label, String(r.runs), String(r.samples.length), '–', '–', '–', '–', '–', '–'];
  return [r.label, String(r.runs), String(r.samples.length), formatNs(st.p50), formatCi(r.medianCi), formatNs(st.p90), formatNs(st.p99), formatNs(st.max), formatCv(st.cv)];
}

const PAIR_HEADER = ['A', 'B', 'Mann–Whitney U', 'MW p', 'KS D', 'KS p', 'Different?', 'Smallest p these sizes allow', 'Smallest D KS can detect'];

function pairCells(p: PairwiseTest, alpha: number): { cells: string[]; sig: boolean[] } {
  if (p.skipped) return { cells: [p.a, p.b, '–', '–', '–', '–', `not tested: ${p.skipped}`, '–', '–'], sig: [] };
  const verdict = [p.significant ? 'location (MW)' : '', p.ks?.significant ? 'distribution (KS)' : ''].filter(Boolean).join(', ');
  return {
    cells: [
      p.a,
      p.b,
      String(p.u),
      formatP(p.p!),
      p.ks ? p.ks.d.toFixed(3) : '–',
      p.ks ? formatP(p.ks.p) : '–',
      verdict === '' ? `no (both p ≥ ${alpha})` : `yes: ${verdict}, p < ${alpha}`,
      p.power ? formatP(p.power.smallestP) : '–',
      p.power?.criticalD !== undefined ? p.power.criticalD.toFixed(3) : 'none (too few samples)',
    ],
    sig: [p.significant || p.ks?.significant === true],
  };
}

/** What each test asks and the sample size it needs, printed once per section that has pairs. */
function testsNote(alpha: number): string {
  return (
    `Mann–Whitney U asks whether one card tends to be faster (a shift of location); two-sample Kolmogorov–Smirnov asks whether the two distributions differ anywhere (shape, tail), its D being the largest gap between the empirical CDFs. ` +
    `Both are two-sided, α = ${alpha}, not corrected for multiple comparisons, and need at least 4 samples per card to reach p < 0.05 at all (2 / C(8, 4) = 0.029). ` +
    `KS needs more: with n samples on each side it detects only differences with D above about 1.36 √(2/n) (0.43 at n = 20, 0.19 at n = 100, 0.14 at n = 200), so a heavy tail that touches 5 % of keygens needs hundreds of samples; the last two columns give these limits for each pair.`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown

export function escapeMarkdown(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/[\r\n]+/g, ' ');
}

function mdRow(cells: readonly string[]): string {
  return `| ${cells.map(escapeMarkdown).join(' | ')} |`;
}

export function renderMarkdown(c: Comparison, options: { title?: string } = {}): string {
  const md = escapeMarkdown;
  const lines: string[] = [`# ${md(options.title ?? 'simcert benchmark comparison')}`, ''];
  for (const b of c.banners) lines.push(`> **${md(b)}**`, '');
  for (const s of c.sections) {
    lines.push(`## ${md(s.operation)}`, '');
    for (const b of s.banners) lines.push(`> **${md(b)}**`, '');
    lines.push(mdRow(STATS_HEADER), `|---|${'---:|'.repeat(3)}---|${'---:|'.repeat(4)}`);
    for (const r of s.rows) lines.push(mdRow(statsCells(r)));
    lines.push('');
    if (s.references.length > 0) {
      lines.push(`Published figures for ${md(s.operation)} (${PUBLISHED_BANNER}):`, '');
      lines.push('| Card (published) | Figure | Method | Date |', '|---|---|---|---|');
      for (const ref of s.references) lines.push(mdRow([`${ref.card.card} (${PUBLISHED_BANNER})`, formatFigure(ref.figure), ref.figure.variant ? `${ref.figure.method}; ${ref.figure.variant}` : ref.figure.method, ref.card.date]));
      lines.push('');
    }
    if (s.pairs.length > 0) {
      lines.push(md(testsNote(c.alpha)), '');
      lines.push(mdRow(PAIR_HEADER), `|---|---|${'---:|'.repeat(4)}---|---:|---:|`);
      for (const p of s.pairs) {
        const { cells, sig } = pairCells(p, c.alpha);
        const row = cells.map(md);
        if (sig[0]) row[6] = `**${row[6]}**`;
        lines.push(`| ${row.join(' | ')} |`);
      }
      lines.push('');
    }
  }
  if (c.references) lines.push(...referenceMarkdown(c.references));
  return `${lines.join('\n').trimEnd()}\n`;
}

function referenceMarkdown(cards: readonly ReferenceCard[]): string[] {
  const lines = [`## Reference cards (${PUBLISHED_BANNER})`, ''];
  lines.push('| Card | Chip | Date | Figures | Not published | Source |', '|---|---|---|---|---|---|');
  for (const card of cards) {
    lines.push(
      mdRow([card.card, card.chip, card.date, card.figures.map((f) => `${figureKey(f)}: ${formatFigure(f)}`).join('; '), card.notPublished.join('; ') || '–', `${card.source.repository} ${card.source.path} (${card.source.snapshot})`]),
    );
  }
  lines.push('');
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1400px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right;vertical-align:top}
th:first-child,td:first-child,th.text,td.text{text-align:left}
.banner{background:#fff3cd;border:1px solid #e0b000;padding:.5em .8em;margin:.6em 0;font-weight:600}
.banner.emulated{background:#fde2e2;border-color:#c0392b}
.published{background:#f4ecf7}.published td:first-child{font-style:italic}
td.src{word-break:break-all;min-width:24em;font-size:.85em}.sig{font-weight:700;color:#a00}.note{color:#444;max-width:70em}
.plots{overflow-x:auto}svg{display:block;margin:.5em 0;max-width:none}${SVG_CSS}
`;

function plotRows(s: OperationSection): PlotRow[] {
  return s.rows.flatMap((r) => (r.stats && r.fences ? [{ label: r.label, samples: r.samples, stats: r.stats, fences: r.fences, outliers: r.outliers, emulated: r.timing === 'emulated' }] : []));
}

function referenceMarks(s: OperationSection): ReferenceMark[] {
  return s.references.map(({ card, figure }) => ({
    label: `${card.card} (${PUBLISHED_BANNER})`,
    valueNs: figure.valueMs * 1e6,
    ...(figure.minMs !== undefined ? { minNs: figure.minMs * 1e6 } : {}),
    ...(figure.maxMs !== undefined ? { maxNs: figure.maxMs * 1e6 } : {}),
  }));
}

export function renderHtml(c: Comparison, options: { title?: string; generatedAt?: string } = {}): string {
  const h = escapeHtml;
  const title = options.title ?? 'simcert benchmark comparison';
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${h(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${h(title)}</h1>`,
  ];
  if (options.generatedAt) out.push(`<p>Generated ${h(options.generatedAt)}.</p>`);
  for (const b of c.banners) out.push(`<p class="banner${b.includes(EMULATED_BANNER) ? ' emulated' : ''}">${h(b)}</p>`);
  out.push(
    `<p class="note">Box plots: box from the first to the third quartile (Hyndman–Fan type 7), line at the median, whiskers to the most extreme samples within Tukey's fences (1.5 × IQR), circles for samples outside them; published reference figures as diamonds (median) with a dashed line over their published range. The empirical CDF shows, for each time t, the share of a card's samples at or below t; the histograms the share of samples per bin, bins of equal width on the plot's axis. The time axis is logarithmic when the values span a factor of ${10} or more. The 95 % interval of the median is distribution-free (binomial order statistics).</p>`,
  );
  for (const s of c.sections) {
    out.push(`<section data-operation="${h(s.operation)}">`, `<h2>${h(s.operation)}</h2>`);
    for (const b of s.banners) out.push(`<p class="banner${b.includes(EMULATED_BANNER) ? ' emulated' : ''}">${h(b)}</p>`);
    out.push('<table>', `<thead><tr>${STATS_HEADER.map((t, i) => `<th${i === 4 ? ' class="text"' : ''}>${h(t)}</th>`).join('')}</tr></thead>`, '<tbody>');
    for (const r of s.rows) out.push(`<tr>${statsCells(r).map((v, i) => `<td${i === 4 ? ' class="text"' : ''}>${h(v)}</td>`).join('')}</tr>`);
    for (const ref of s.references) {
      out.push(`<tr class="published"><td>${h(`${ref.card.card} (${PUBLISHED_BANNER})`)}</td><td colspan="8" class="text">${h(`${formatFigure(ref.figure)}; ${ref.figure.method}${ref.figure.variant ? `; ${ref.figure.variant}` : ''}; ${ref.card.date}; JCAlgTest`)}</td></tr>`);
    }
    out.push('</tbody>', '</table>');
    const rows = plotRows(s);
    out.push('<div class="plots">', '<h3>Box plot</h3>', drawBoxPlot(s.operation, rows, referenceMarks(s)));
    if (rows.length > 0) out.push('<h3>Empirical CDF</h3>', ecdfSvg(s.operation, rows), '<h3>Histogram</h3>', histogramSvg(s.operation, rows));
    out.push('</div>');
    if (s.pairs.length > 0) {
      out.push(`<p class="note">${h(testsNote(c.alpha))}</p>`);
      out.push('<table>', `<thead><tr>${PAIR_HEADER.map((t, i) => `<th${i === 1 || i === 6 ? ' class="text"' : ''}>${h(t)}</th>`).join('')}</tr></thead>`, '<tbody>');
      for (const p of s.pairs) {
        const { cells, sig } = pairCells(p, c.alpha);
        out.push(`<tr>${cells.map((v, i) => `<td${i === 1 || i === 6 ? ' class="text"' : ''}>${i === 6 && sig[0] ? `<span class="sig">${h(v)}</span>` : h(v)}</td>`).join('')}</tr>`);
      }
      out.push('</tbody>', '</table>');
    }
    out.push('</section>');
  }
  if (c.references) out.push(referenceHtml(c.references));
  out.push('</body>', '</html>');
  return `${out.join('\n')}\n`;
}

function referenceHtml(cards: readonly ReferenceCard[]): string {
  const h = escapeHtml;
  const out = [`<section data-operation="reference-cards">`, `<h2>Reference cards (${h(PUBLISHED_BANNER)})</h2>`];
  out.push(`<p class="banner">Published figures from JCAlgTest's public results, one run by one contributor per card, measured with JCAlgTest's method (operations looped inside one APDU, a zero-iteration baseline subtracted; RSA and ECDSA signatures with SHA-1). ${h(PUBLISHED_BANNER)}: context for the measured cards above, never part of a test.</p>`);
  out.push('<table>', '<thead><tr><th>Card</th><th class="text">Chip</th><th class="text">Date</th><th class="text">Figures</th><th class="text">Not published</th><th class="text">Source</th></tr></thead>', '<tbody>');
  for (const card of cards) {
    const figures = card.figures.map((f) => h(`${figureKey(f)}: ${formatFigure(f)}`)).join('<br>');
    out.push(
      `<tr class="published"><td>${h(card.card)}</td><td class="text">${h(card.chip)}</td><td class="text">${h(card.date)}</td><td class="text">${figures}</td><td class="text">${h(card.notPublished.join('; ') || '–')}</td><td class="text src">${h(`${card.source.repository.replace(/^https?:\/\//, '')} ${card.source.path} (${card.source.snapshot})`)}</td></tr>`,
    );
  }
  out.push('</tbody>', '</table>', '</section>');
  return out.join('\n');
}

/** The box plot of one section, as the page draws it (reference figures included). */
export function boxPlotSvg(s: OperationSection): string {
  return drawBoxPlot(s.operation, plotRows(s), referenceMarks(s));
}

/** The box plots as an SVG file of their own: namespaced and carrying their styles, for an image viewer or a report. */
export function standaloneBoxPlotSvg(s: OperationSection): string {
  return boxPlotSvg(s).replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" ').replace(/^(<svg[^>]*>)/, `$1<style>${SVG_CSS}</style>`);
}
