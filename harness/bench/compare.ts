// `simcert compare`: puts several bench results side by side, one section per operation (and algorithm), one row
// per card, with median, p90, the 95 % confidence interval of the median, CV, box plots and pairwise Mann–Whitney
// tests, as a markdown table or a standalone HTML page (inline CSS and SVG, nothing fetched, all text escaped).
// Emulated and timing-model results are kept in rows of their own and labelled wherever they appear, so a
// simulator's durations are never read as a card's.
import { mannWhitneyU } from './mann-whitney.ts';
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
  significant: boolean;
  /** Why no test was run for this pair. */
  skipped?: string;
}

export interface OperationSection {
  /** e.g. "sign rsa2048". */
  operation: string;
  rows: CardRow[];
  pairs: PairwiseTest[];
  /** Notices this section must show (emulated rows, timing models). */
  banners: string[];
}

export interface Comparison {
  alpha: number;
  sections: OperationSection[];
  /** Notices for the whole page. */
  banners: string[];
}

function rowIdentity(r: BenchResult): { key: string; label: string } {
  const source = timingSource(r);
  const base = `${r.card.vendor} ${r.card.variant} (${r.card.carrier})`;
  // Both tags when both hold: a timing-model run and a plain run of one emulated card are two rows, and must read so.
  const tag = (r.card.emulated ? ' [emulated]' : '') + (r.card.timingModel !== undefined ? ` [model: ${r.card.timingModel}]` : '');
  const key = JSON.stringify([r.card.vendor, r.card.variant, r.card.carrier, source, r.card.timingModel ?? '']);
  return { key, label: base + tag };
}

export function buildComparison(results: readonly BenchResult[], options: { alpha?: number } = {}): Comparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
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
    sections.push({ operation, rows, pairs: pairwise(rows, alpha), banners: sectionBanners(rows) });
  }
  return { alpha, sections, banners: pageBanners(sections) };
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
        out.push({ a: a.label, b: b.label, u: t.u, p: t.p, method: t.method, significant: t.p < alpha });
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

/** A duration with four significant digits in the largest unit that keeps it >= 1. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  const units: Array<[number, string]> = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  const [scale, unit] = units.find(([s]) => Math.abs(ns) >= s) ?? [1, 'ns'];
  const v = ns / scale;
  const decimals = v === 0 ? 0 : Math.max(0, 3 - Math.floor(Math.log10(Math.abs(v))));
  return `${v.toFixed(decimals)} ${unit}`;
}

function formatCv(cv: number): string {
  return Number.isFinite(cv) ? `${(cv * 100).toFixed(2)} %` : '–';
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function formatCi(ci: MedianInterval | undefined): string {
  return ci ? `${formatNs(ci.lower)} – ${formatNs(ci.upper)} (${(ci.coverage * 100).toFixed(1)} %)` : 'n/a (fewer than 6 samples)';
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

export function renderMarkdown(c: Comparison, options: { title?: string } = {}): string {
  const md = escapeMarkdown;
  const lines: string[] = [`# ${md(options.title ?? 'simcert benchmark comparison')}`, ''];
  for (const b of c.banners) lines.push(`> **${md(b)}**`, '');
  for (const s of c.sections) {
    lines.push(`## ${md(s.operation)}`, '');
    for (const b of s.banners) lines.push(`> **${md(b)}**`, '');
    lines.push('| Card | Runs | n | Median | p90 | 95 % CI of median | CV |', '|---|---:|---:|---:|---:|---|---:|');
    for (const r of s.rows) {
      const st = r.stats;
      lines.push(
        `| ${md(r.label)} | ${r.runs} | ${r.samples.length} | ${st ? formatNs(st.p50) : '–'} | ${st ? formatNs(st.p90) : '–'} | ${st ? md(formatCi(r.medianCi)) : '–'} | ${st ? formatCv(st.cv) : '–'} |`,
      );
    }
    lines.push('');
    if (s.pairs.length > 0) {
      lines.push(`Pairwise Mann–Whitney U, two-sided, α = ${c.alpha} (not corrected for multiple comparisons):`, '');
      lines.push('| A | B | U | p | Significant |', '|---|---|---:|---:|---|');
      for (const p of s.pairs) {
        if (p.skipped) lines.push(`| ${md(p.a)} | ${md(p.b)} | – | – | ${md(`not tested: ${p.skipped}`)} |`);
        else lines.push(`| ${md(p.a)} | ${md(p.b)} | ${p.u} | ${formatP(p.p!)} | ${p.significant ? `**yes** (p < ${c.alpha})` : 'no'} |`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The box plots' own styles: in the page's stylesheet, and inside the SVG when it stands alone (an attachment). */
const SVG_CSS = `svg text{font:12px system-ui,sans-serif;fill:#222}
.box rect{fill:#cfe3f7;stroke:#1f5f99}.box line{stroke:#1f5f99}.box .median{stroke:#0b2e4f;stroke-width:2}
.box circle{fill:none;stroke:#c0392b}.box.emulated rect{fill:#eee;stroke:#888;stroke-dasharray:4 3}
.axis line{stroke:#888}`;

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child,th.text,td.text{text-align:left}
.banner{background:#fff3cd;border:1px solid #e0b000;padding:.5em .8em;margin:.6em 0;font-weight:600}
.banner.emulated{background:#fde2e2;border-color:#c0392b}
.sig{font-weight:700;color:#a00}
svg{display:block;margin:.5em 0}${SVG_CSS}
`;

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
    `<p>Box plots: box from the first to the third quartile (Hyndman–Fan type 7), line at the median, whiskers to the most extreme samples within Tukey's fences (1.5 × IQR), circles for samples outside them. The 95 % interval of the median is distribution-free (binomial order statistics).</p>`,
  );
  for (const s of c.sections) {
    out.push(`<section data-operation="${h(s.operation)}">`, `<h2>${h(s.operation)}</h2>`);
    for (const b of s.banners) out.push(`<p class="banner${b.includes(EMULATED_BANNER) ? ' emulated' : ''}">${h(b)}</p>`);
    out.push('<table>', '<thead><tr><th>Card</th><th>Runs</th><th>n</th><th>Median</th><th>p90</th><th class="text">95 % CI of median</th><th>CV</th></tr></thead>', '<tbody>');
    for (const r of s.rows) {
      const st = r.stats;
      out.push(
        `<tr><td>${h(r.label)}</td><td>${r.runs}</td><td>${r.samples.length}</td><td>${st ? h(formatNs(st.p50)) : '–'}</td><td>${st ? h(formatNs(st.p90)) : '–'}</td><td class="text">${st ? h(formatCi(r.medianCi)) : '–'}</td><td>${st ? h(formatCv(st.cv)) : '–'}</td></tr>`,
      );
    }
    out.push('</tbody>', '</table>');
    out.push(boxPlotSvg(s));
    if (s.pairs.length > 0) {
      out.push(`<p>Pairwise Mann–Whitney U, two-sided, α = ${c.alpha} (not corrected for multiple comparisons):</p>`);
      out.push('<table>', '<thead><tr><th>A</th><th class="text">B</th><th>U</th><th>p</th><th class="text">Significant</th></tr></thead>', '<tbody>');
      for (const p of s.pairs) {
        if (p.skipped) out.push(`<tr><td>${h(p.a)}</td><td class="text">${h(p.b)}</td><td>–</td><td>–</td><td class="text">${h(`not tested: ${p.skipped}`)}</td></tr>`);
        else {
          out.push(
            `<tr><td>${h(p.a)}</td><td class="text">${h(p.b)}</td><td>${p.u}</td><td>${h(formatP(p.p!))}</td><td class="text">${p.significant ? `<span class="sig">yes</span> (p &lt; ${c.alpha})` : 'no'}</td></tr>`,
          );
        }
      }
      out.push('</tbody>', '</table>');
    }
    out.push('</section>');
  }
  out.push('</body>', '</html>');
  return `${out.join('\n')}\n`;
}

const PLOT = { width: 900, label: 300, right: 30, row: 34, top: 10, axis: 34 };

/** One horizontal box per card on a shared linear axis. Pure SVG inside the HTML, no script. */
export function boxPlotSvg(s: OperationSection): string {
  const h = escapeHtml;
  const rows = s.rows.filter((r) => r.stats && r.fences);
  if (rows.length === 0) return '<p>No samples to plot.</p>';
  let lo = Math.min(...rows.map((r) => r.stats!.min));
  let hi = Math.max(...rows.map((r) => r.stats!.max));
  if (hi === lo) {
    lo -= Math.max(1, Math.abs(lo) * 0.05);
    hi += Math.max(1, Math.abs(hi) * 0.05);
  }
  const x0 = PLOT.label;
  const x1 = PLOT.width - PLOT.right;
  const x = (v: number): string => (x0 + ((v - lo) / (hi - lo)) * (x1 - x0)).toFixed(1);
  const height = PLOT.top + rows.length * PLOT.row + PLOT.axis;
  const parts: string[] = [
    `<svg width="${PLOT.width}" height="${height}" viewBox="0 0 ${PLOT.width} ${height}" role="img" aria-label="${h(`Box plots for ${s.operation}`)}">`,
  ];
  rows.forEach((r, i) => {
    const st = r.stats!;
    const f = r.fences!;
    // Spread-free loops: Math.min(...samples) overflows the stack on long apdu-echo runs.
    let whiskerLo = f.q1;
    let whiskerHi = f.q3;
    for (const v of r.samples) {
      if (v >= f.lower && v < whiskerLo) whiskerLo = v;
      if (v <= f.upper && v > whiskerHi) whiskerHi = v;
    }
    const cy = PLOT.top + i * PLOT.row + PLOT.row / 2;
    const bh = PLOT.row * 0.55;
    const top = (cy - bh / 2).toFixed(1);
    const cls = r.timing === 'emulated' ? 'box emulated' : 'box';
    parts.push(`<g class="${cls}" data-card="${h(r.label)}">`);
    parts.push(`<title>${h(`${r.label}: median ${formatNs(st.p50)}, n = ${r.samples.length}`)}</title>`);
    parts.push(`<text x="${x0 - 8}" y="${cy + 4}" text-anchor="end">${h(r.label)}</text>`);
    parts.push(`<line x1="${x(whiskerLo)}" y1="${cy}" x2="${x(f.q1)}" y2="${cy}"/>`);
    parts.push(`<line x1="${x(f.q3)}" y1="${cy}" x2="${x(whiskerHi)}" y2="${cy}"/>`);
    for (const w of [whiskerLo, whiskerHi]) parts.push(`<line x1="${x(w)}" y1="${cy - bh / 3}" x2="${x(w)}" y2="${cy + bh / 3}"/>`);
    const boxWidth = Math.max(1, Number(x(f.q3)) - Number(x(f.q1)));
    parts.push(`<rect x="${x(f.q1)}" y="${top}" width="${boxWidth.toFixed(1)}" height="${bh.toFixed(1)}"/>`);
    parts.push(`<line class="median" x1="${x(st.p50)}" y1="${top}" x2="${x(st.p50)}" y2="${(cy + bh / 2).toFixed(1)}"/>`);
    for (const o of r.outliers) parts.push(`<circle class="outlier" cx="${x(o)}" cy="${cy}" r="2.5"/>`);
    parts.push('</g>');
  });
  const axisY = PLOT.top + rows.length * PLOT.row + 6;
  parts.push(`<g class="axis"><line x1="${x0}" y1="${axisY}" x2="${x1}" y2="${axisY}"/>`);
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const v = lo + ((hi - lo) * t) / ticks;
    parts.push(`<line x1="${x(v)}" y1="${axisY}" x2="${x(v)}" y2="${axisY + 5}"/>`);
    parts.push(`<text x="${x(v)}" y="${axisY + 18}" text-anchor="middle">${h(formatNs(v))}</text>`);
  }
  parts.push('</g>', '</svg>');
  return parts.join('\n');
}

/** The box plots as an SVG file of their own: namespaced and carrying their styles, for an image viewer or a report. */
export function standaloneBoxPlotSvg(s: OperationSection): string {
  return boxPlotSvg(s).replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" ').replace(/^(<svg[^>]*>)/, `$1<style>${SVG_CSS}</style>`);
}
