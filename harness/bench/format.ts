// How bench figures are written on pages and in the terminal: durations with four significant digits in a unit
// that keeps them readable, and HTML escaping for every piece of text that came from a result document.

/** A duration with four significant digits in the largest unit that keeps it >= 1. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  const units: Array<[number, string]> = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  const [scale, unit] = units.find(([s]) => Math.abs(ns) >= s) ?? [1, 'ns'];
  const v = ns / scale;
  const decimals = v === 0 ? 0 : Math.max(0, 3 - Math.floor(Math.log10(Math.abs(v))));
  return `${v.toFixed(decimals)} ${unit}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
