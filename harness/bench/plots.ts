// The comparison page's plots, as plain SVG (no script, nothing fetched): per operation a box plot, an empirical
// CDF and a histogram, all on one time axis. Key generation spans two orders of magnitude on one card (JCAlgTest:
// J3R180 RSA-2048 596 ms to 17 s), so the axis goes logarithmic when the values span a factor of 10 or more: on a
// linear axis one slow key squashes every box to a line. Card labels get the room they need (the label column is
// sized from the longest label), and every axis has a title saying what it measures and on what scale.
import { escapeHtml, formatNs } from './format.ts';
import type { Fences, Ns, SampleStats } from './stats.ts';

/** One card's samples as a plot draws them. */
export interface PlotRow {
  label: string;
  samples: readonly Ns[];
  stats: SampleStats;
  fences: Fences;
  outliers: readonly Ns[];
  emulated: boolean;
}

/** A published figure drawn beside the measured rows: a median and, when published, the range. */
export interface ReferenceMark {
  label: string;
  valueNs: Ns;
  minNs?: Ns;
  maxNs?: Ns;
}

export interface TimeScale {
  lo: number;
  hi: number;
  log: boolean;
  /** Value to x pixel. */
  x: (v: number) => number;
  ticks: number[];
  title: string;
}

/** A span of 10x or more between the smallest and the largest value is what makes the axis logarithmic. */
export const LOG_SPAN = 10;

const CHAR_PX = 7; // 12-px system-ui averages under 7 px per character
const PLOT_PX = 640;
const RIGHT_PX = 40;
/** The label column never grows past this (the whole plot then fits a 1400-px screen); longer labels wrap. */
const MAX_LABEL_PX = 600;
const LINE_PX = 12;

/** Width of the label column: the longest label, up to MAX_LABEL_PX, beyond which labels wrap onto more lines. */
export function labelWidth(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((l) => l.length));
  return Math.min(MAX_LABEL_PX, Math.max(120, longest * CHAR_PX + 16));
}

/** A label cut into lines that fit `width` pixels, at spaces where it can be (never truncated). */
export function wrapLabel(label: string, width: number): string[] {
  const max = Math.max(8, Math.floor((width - 16) / CHAR_PX));
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(' ')) {
    let w = word;
    while (w.length > max) {
      if (line) lines.push(line);
      lines.push(w.slice(0, max));
      w = w.slice(max);
      line = '';
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= max) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A right-aligned label ending at x, centred on cy, wrapped into lines (tspans) so nothing is clipped. */
function labelText(label: string, x: number, cy: number, width: number, cls?: string): string {
  const lines = wrapLabel(label, width);
  const first = cy + 4 - ((lines.length - 1) * LINE_PX) / 2;
  const spans = lines.map((l, i) => `<tspan x="${x}" y="${f(first + i * LINE_PX)}">${escapeHtml(l)}</tspan>`).join('');
  return `<text${cls ? ` class="${cls}"` : ''} x="${x}" y="${f(first)}" text-anchor="end">${spans}</text>`;
}

/** Rows tall enough for the longest wrapped label. */
function rowHeight(labels: readonly string[], width: number, min: number): number {
  const lines = Math.max(1, ...labels.map((l) => wrapLabel(l, width).length));
  return Math.max(min, lines * LINE_PX + 12);
}

/** A tick value in the fewest digits: 200 ms, 1 s, 2.5 s. */
export function formatTick(ns: number): string {
  const units: Array<[number, string]> = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  const [scale, unit] = units.find(([u]) => Math.abs(ns) >= u) ?? [1, 'ns'];
  return `${Number((ns / scale).toPrecision(3))} ${unit}`;
}

export function timeScale(values: readonly number[], x0: number, x1: number): TimeScale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const log = lo > 0 && hi / lo >= LOG_SPAN;
  if (log) {
    lo = lo / 1.15;
    hi = hi * 1.15;
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const ticks: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
    return { lo, hi, log, x: (v) => x0 + ((Math.log10(Math.max(v, lo)) - a) / (b - a)) * (x1 - x0), ticks, title: 'time per operation (logarithmic scale)' };
  }
  if (hi === lo) {
    lo -= Math.max(1, Math.abs(lo) * 0.05);
    hi += Math.max(1, Math.abs(hi) * 0.05);
  }
  const pad = (hi - lo) * 0.03;
  lo = Math.max(0, lo - pad);
  hi += pad;
  const ticks = Array.from({ length: 6 }, (_, t) => lo + ((hi - lo) * t) / 5);
  return { lo, hi, log, x: (v) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0), ticks, title: 'time per operation (linear scale)' };
}

function f(v: number): string {
  return v.toFixed(1);
}

function axis(scale: TimeScale, y: number, x0: number, x1: number): string[] {
  const h = escapeHtml;
  const out = [`<g class="axis"><line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}"/>`];
  for (const v of scale.ticks) {
    out.push(`<line x1="${f(scale.x(v))}" y1="${y}" x2="${f(scale.x(v))}" y2="${y + 5}"/>`);
    out.push(`<text x="${f(scale.x(v))}" y="${y + 18}" text-anchor="middle">${h(formatTick(v))}</text>`);
  }
  out.push(`<text class="axis-title" x="${f((x0 + x1) / 2)}" y="${y + 36}" text-anchor="middle">${h(scale.title)}</text>`, '</g>');
  return out;
}

function svgOpen(width: number, height: number, aria: string): string {
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(aria)}">`;
}

const ROW_MIN = 34;
const TOP = 10;
const AXIS = 48;

/** Every value the time axis must hold: samples and published marks. */
function allValues(rows: readonly PlotRow[], refs: readonly ReferenceMark[]): number[] {
  const v: number[] = [];
  for (const r of rows) v.push(r.stats.min, r.stats.max);
  for (const m of refs) v.push(m.valueNs, ...(m.minNs !== undefined ? [m.minNs] : []), ...(m.maxNs !== undefined ? [m.maxNs] : []));
  return v.filter((x) => Number.isFinite(x));
}

/**
 * One horizontal box per card (quartiles, median, whiskers to the last sample inside Tukey's fences, outliers as
 * circles), then one row per published reference figure (a diamond at its median, a dashed line over its range).
 */
export function boxPlotSvg(operation: string, rows: readonly PlotRow[], refs: readonly ReferenceMark[] = []): string {
  const h = escapeHtml;
  if (rows.length === 0 && refs.length === 0) return '<p>No samples to plot.</p>';
  const labels = [...rows.map((r) => r.label), ...refs.map((r) => r.label)];
  const x0 = labelWidth(labels);
  const width = x0 + PLOT_PX + RIGHT_PX;
  const x1 = width - RIGHT_PX;
  const scale = timeScale(allValues(rows, refs), x0, x1);
  const x = (v: number): string => f(scale.x(v));
  const count = rows.length + refs.length;
  const ROW = rowHeight(labels, x0, ROW_MIN);
  const height = TOP + count * ROW + AXIS;
  const parts = [svgOpen(width, height, `Box plots for ${operation}`)];
  rows.forEach((r, i) => {
    const st = r.stats;
    const fe = r.fences;
    // Spread-free loops: Math.min(...samples) overflows the stack on long apdu-echo runs.
    let whiskerLo = fe.q1;
    let whiskerHi = fe.q3;
    for (const v of r.samples) {
      if (v >= fe.lower && v < whiskerLo) whiskerLo = v;
      if (v <= fe.upper && v > whiskerHi) whiskerHi = v;
    }
    const cy = TOP + i * ROW + ROW / 2;
    const bh = ROW * 0.55;
    const top = f(cy - bh / 2);
    parts.push(`<g class="${r.emulated ? 'box emulated' : 'box'}" data-card="${h(r.label)}">`);
    parts.push(`<title>${h(`${r.label}: median ${formatNs(st.p50)}, n = ${r.samples.length}`)}</title>`);
    parts.push(labelText(r.label, x0 - 8, cy, x0));
    parts.push(`<line x1="${x(whiskerLo)}" y1="${cy}" x2="${x(fe.q1)}" y2="${cy}"/>`);
    parts.push(`<line x1="${x(fe.q3)}" y1="${cy}" x2="${x(whiskerHi)}" y2="${cy}"/>`);
    for (const w of [whiskerLo, whiskerHi]) parts.push(`<line x1="${x(w)}" y1="${cy - bh / 3}" x2="${x(w)}" y2="${cy + bh / 3}"/>`);
    const boxWidth = Math.max(1, scale.x(fe.q3) - scale.x(fe.q1));
    parts.push(`<rect x="${x(fe.q1)}" y="${top}" width="${f(boxWidth)}" height="${f(bh)}"/>`);
    parts.push(`<line class="median" x1="${x(st.p50)}" y1="${top}" x2="${x(st.p50)}" y2="${f(cy + bh / 2)}"/>`);
    for (const o of r.outliers) parts.push(`<circle class="outlier" cx="${x(o)}" cy="${cy}" r="2.5"/>`);
    parts.push('</g>');
  });
  refs.forEach((m, k) => {
    const cy = TOP + (rows.length + k) * ROW + ROW / 2;
    parts.push(`<g class="reference" data-reference="${h(m.label)}">`);
    parts.push(`<title>${h(`${m.label}: ${formatNs(m.valueNs)} (published, not measured here)`)}</title>`);
    parts.push(labelText(m.label, x0 - 8, cy, x0));
    if (m.minNs !== undefined && m.maxNs !== undefined) parts.push(`<line class="range" x1="${x(m.minNs)}" y1="${cy}" x2="${x(m.maxNs)}" y2="${cy}"/>`);
    const cx = scale.x(m.valueNs);
    parts.push(`<path d="M${f(cx)} ${cy - 6}L${f(cx + 6)} ${cy}L${f(cx)} ${cy + 6}L${f(cx - 6)} ${cy}Z"/>`);
    parts.push('</g>');
  });
  parts.push(...axis(scale, TOP + count * ROW + 6, x0, x1), '</svg>');
  return parts.join('\n');
}

/** Distinguishable line colours, in the order the rows come (Okabe–Ito, readable for colour-blind readers). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** The empirical CDF of every card on one plot: the share of samples at or below t, as a step line per card. */
export function ecdfSvg(operation: string, rows: readonly PlotRow[]): string {
  const h = escapeHtml;
  if (rows.length === 0) return '';
  // The legend goes under the plot, one card per line, so a long card name has the page's whole width.
  const left = 70;
  const plotH = 220;
  const top = 12;
  const legendWidth = Math.min(MAX_LABEL_PX + PLOT_PX, Math.max(...rows.map((r) => r.label.length)) * CHAR_PX + 60);
  const width = Math.max(left + PLOT_PX + RIGHT_PX, legendWidth);
  const scale = timeScale(allValues(rows, []), left, left + PLOT_PX);
  const y = (p: number): number => top + (1 - p) * plotH;
  const legendTop = top + plotH + AXIS + 8;
  const height = legendTop + rows.length * 18 + 6;
  const parts = [svgOpen(width, height, `Empirical CDF for ${operation}`)];
  parts.push('<g class="axis">');
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line class="grid" x1="${left}" y1="${f(y(p))}" x2="${left + PLOT_PX}" y2="${f(y(p))}"/>`);
    parts.push(`<text x="${left - 6}" y="${f(y(p) + 4)}" text-anchor="end">${p}</text>`);
  }
  parts.push(`<text class="axis-title" transform="translate(14 ${f(top + plotH / 2)}) rotate(-90)" text-anchor="middle">share of samples ≤ t</text>`, '</g>');
  rows.forEach((r, i) => {
    const s = [...r.samples].sort((a, b) => a - b);
    const n = s.length;
    const c = COLOURS[i % COLOURS.length]!;
    let d = `M${f(left)} ${f(y(0))}`;
    s.forEach((v, k) => {
      d += `H${f(scale.x(v))}V${f(y((k + 1) / n))}`;
    });
    d += `H${f(left + PLOT_PX)}`;
    parts.push(`<g class="ecdf" data-card="${h(r.label)}"><title>${h(`${r.label}: n = ${n}`)}</title><path d="${d}" stroke="${c}"${r.emulated ? ' stroke-dasharray="4 3"' : ''}/></g>`);
    const ly = legendTop + i * 18 + 8;
    parts.push(`<g class="legend"><line x1="${left}" y1="${ly}" x2="${left + 18}" y2="${ly}" stroke="${c}"${r.emulated ? ' stroke-dasharray="4 3"' : ''}/><text x="${left + 24}" y="${ly + 4}">${h(r.label)}</text></g>`);
  });
  parts.push(...axis(scale, top + plotH + 4, left, left + PLOT_PX), '</svg>');
  return parts.join('\n');
}

/**
 * A histogram per card on the shared time axis, bins of equal width on that axis (so equal ratios on a logarithmic
 * one); bar height is the share of that card's samples in the bin, so cards with different n compare directly.
 */
export function histogramSvg(operation: string, rows: readonly PlotRow[], bins = 24): string {
  const h = escapeHtml;
  if (rows.length === 0) return '';
  const x0 = labelWidth(rows.map((r) => r.label));
  const width = x0 + PLOT_PX + RIGHT_PX;
  const x1 = width - RIGHT_PX;
  const scale = timeScale(allValues(rows, []), x0, x1);
  const strip = Math.max(56, rowHeight(rows.map((r) => r.label), x0, 0) + 24);
  const top = 10;
  const height = top + rows.length * strip + AXIS;
  const parts = [svgOpen(width, height, `Histograms for ${operation}`)];
  const binOf = (v: number): number => Math.min(bins - 1, Math.max(0, Math.floor(((scale.x(v) - x0) / (x1 - x0)) * bins)));
  const binW = (x1 - x0) / bins;
  rows.forEach((r, i) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of r.samples) counts[binOf(v)]!++;
    const n = r.samples.length;
    const peak = Math.max(...counts) / n;
    const base = top + (i + 1) * strip - 6;
    parts.push(`<g class="hist${r.emulated ? ' emulated' : ''}" data-card="${h(r.label)}">`);
    const lines = wrapLabel(r.label, x0).length;
    parts.push(labelText(r.label, x0 - 8, base - strip / 2 - 2, x0));
    parts.push(`<text class="note" x="${x0 - 8}" y="${f(base - strip / 2 + 8 + (lines * LINE_PX) / 2)}" text-anchor="end">${h(`tallest bar ${(peak * 100).toFixed(0)} % of ${n}`)}</text>`);
    parts.push(`<line class="baseline" x1="${x0}" y1="${base}" x2="${x1}" y2="${base}"/>`);
    counts.forEach((c, b) => {
      if (c === 0) return;
      const bh = ((c / n) / peak) * (strip - 14);
      parts.push(`<rect x="${f(x0 + b * binW + 0.5)}" y="${f(base - bh)}" width="${f(binW - 1)}" height="${f(bh)}"><title>${c} of ${n}</title></rect>`);
    });
    parts.push('</g>');
  });
  parts.push(...axis(scale, top + rows.length * strip + 2, x0, x1), '</svg>');
  return parts.join('\n');
}

/** The plots' own styles: in the page's stylesheet, and inside an SVG that stands alone (an attachment). */
export const SVG_CSS = `svg text{font:12px system-ui,sans-serif;fill:#222}svg text.axis-title{font-weight:600}svg text.note{font-size:10px;fill:#555}
.box rect{fill:#cfe3f7;stroke:#1f5f99}.box line{stroke:#1f5f99}.box .median{stroke:#0b2e4f;stroke-width:2}
.box circle{fill:none;stroke:#c0392b}.box.emulated rect{fill:#eee;stroke:#888;stroke-dasharray:4 3}
.reference path{fill:#8e44ad}.reference line.range{stroke:#8e44ad;stroke-dasharray:5 3}.reference text{font-style:italic}
.ecdf path{fill:none;stroke-width:1.6}.legend line{stroke-width:2.5}.axis line{stroke:#888}.axis line.grid{stroke:#e3e3e3}
.hist rect{fill:#5b8fc7}.hist.emulated rect{fill:#bbb}.hist line.baseline{stroke:#888}`;
