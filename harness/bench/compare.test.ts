// `simcert compare` output: grouping (one section per operation, one row per card), the markdown table, and the
// standalone HTML page: escaping, banners for emulated and timing-model results, one box plot per card, pairwise
// significance, nothing loaded from outside.
import { describe, expect, it } from 'vitest';
import { buildComparison, escapeHtml, formatNs, renderHtml, renderMarkdown } from './compare.ts';
import { EMULATED_BANNER } from './result.ts';
import { benchResult } from './test-fixtures.ts';

const SIGN = { name: 'sign', algorithm: 'rsa2048', iterations: 12, warmup: 2 } as const;
const KEYGEN = { name: 'keygen', algorithm: 'p256', iterations: 12, warmup: 0 } as const;

// Deterministic, clearly separated timings (ns): card A signs in ~60 ms, card B in ~72 ms.
const spread = (centre: number, step: number): number[] => Array.from({ length: 12 }, (_, i) => centre + (i - 5.5) * step);
const cardA = benchResult({ vendor: 'Acme', variant: 'USIM-A', operation: { ...SIGN }, samplesNs: spread(60_000_000, 50_000) });
const cardB = benchResult({ vendor: 'Bolt', variant: 'UICC-7', carrier: 'Carrier Two', operation: { ...SIGN }, samplesNs: spread(72_000_000, 60_000) });
const cardC = benchResult({ vendor: 'Coda', variant: 'C1', operation: { ...SIGN }, samplesNs: spread(60_000_000, 51_000).map((v) => v + 1_000) });

describe('buildComparison', () => {
  it('makes one section per operation and algorithm, and one row per card', () => {
    const secondRunA = benchResult({ vendor: 'Acme', variant: 'USIM-A', operation: { ...SIGN }, samplesNs: spread(60_100_000, 40_000) });
    const keygen = benchResult({ vendor: 'Acme', variant: 'USIM-A', operation: { ...KEYGEN }, samplesNs: spread(900_000_000, 80_000_000) });
    const c = buildComparison([cardA, cardB, secondRunA, keygen]);
    expect(c.sections.map((s) => s.operation)).toEqual(['keygen p256', 'sign rsa2048']);
    const sign = c.sections[1]!;
    expect(sign.rows.map((r) => [r.label, r.runs, r.samples.length])).toEqual([
      ['Acme USIM-A (Carrier One)', 2, 24],
      ['Bolt UICC-7 (Carrier Two)', 1, 12],
    ]);
  });

  it('flags clearly different cards as significant and similar ones as not', () => {
    const c = buildComparison([cardA, cardB, cardC]);
    const pairs = c.sections[0]!.pairs;
    const ab = pairs.find((p) => p.a.startsWith('Acme') && p.b.startsWith('Bolt'))!;
    const ac = pairs.find((p) => p.a.startsWith('Acme') && p.b.startsWith('Coda'))!;
    expect(ab.significant).toBe(true);
    expect(ab.p).toBeLessThan(0.05);
    expect(ac.significant).toBe(false);
    expect(pairs).toHaveLength(3);
  });

  it('keeps emulated results in their own row, never tests them against cards, and bannered', () => {
    const emulated = benchResult({ vendor: 'Acme', variant: 'USIM-A', emulated: true, operation: { ...SIGN }, samplesNs: spread(300_000, 1_000) });
    const c = buildComparison([cardA, emulated]);
    const s = c.sections[0]!;
    expect(s.rows.map((r) => r.label)).toEqual(['Acme USIM-A (Carrier One)', 'Acme USIM-A (Carrier One) [emulated]']);
    expect(s.pairs[0]).toMatchObject({ significant: false, skipped: expect.stringContaining(EMULATED_BANNER) });
    expect(s.banners.join('\n')).toContain(EMULATED_BANNER);
    expect(c.banners.join('\n')).toContain(EMULATED_BANNER);
  });
});

describe('per-operation samples', () => {
  it('puts a JCAlgTest-style loop run on the same per-operation scale as a one-APDU-per-operation run', () => {
    const loop = benchResult({
      vendor: 'Loop',
      variant: 'L',
      operation: { name: 'sign', algorithm: 'rsa2048', iterations: 5, warmup: 0, operationsPerSample: 50 },
      samplesNs: [9e9, 3.05e9, 3.06e9, 3.04e9, 3.05e9],
    });
    loop.baselineSamplesNs = [8e6, 50e6, 50.1e6, 49.9e6, 50e6];
    const row = buildComparison([loop]).sections[0]!.rows[0]!;
    // Sample by sample: (loop - baseline median 50 ms) / 50 operations; the first sample is still shown.
    expect(row.samples).toEqual([(9e9 - 50e6) / 50, 60e6, 60.2e6, 59.8e6, 60e6]);
    expect(row.stats!.p50).toBe(60e6);
  });

  it('says so when the baseline was refused and only divides by the loop count', () => {
    const loop = benchResult({
      vendor: 'Loop',
      variant: 'L',
      operation: { name: 'sign', algorithm: 'rsa2048', iterations: 4, warmup: 0, operationsPerSample: 10 },
      samplesNs: [1e9, 1e9, 1e9, 1e9],
    });
    loop.baselineSamplesNs = [0, 1e6, 9e6, 2e6, 8e6];
    const s = buildComparison([loop]).sections[0]!;
    expect(s.rows[0]!.samples).toEqual([1e8, 1e8, 1e8, 1e8]);
    expect(s.banners.join('\n')).toMatch(/Loop L \(Carrier One\): baseline not subtracted \(baseline-unstable\)/);
  });
});

describe('renderMarkdown', () => {
  it('has a table row per card with n, median, p90, the CI of the median and CV, and the pairwise table', () => {
    const md = renderMarkdown(buildComparison([cardA, cardB]));
    expect(md).toContain('## sign rsa2048');
    expect(md).toContain('| Card | Runs | n | Median | 95 % CI of median | p90 | p99 | Max | CV |');
    const rowA = md.split('\n').find((l) => l.startsWith('| Acme USIM-A'))!;
    // Twelve samples symmetric about 60 ms, 50 µs apart: median 60 ms, max 60 ms + 5.5 x 50 µs = 60.275 ms.
    expect(rowA).toContain('| 1 | 12 | 60.00 ms |');
    expect(rowA).toMatch(/\(\d+\.\d %\)/);
    expect(rowA).toMatch(/\| 60\.2[78] ms \| 0\.\d\d % \|$/);
    // Completely separated 12 vs 12: KS D = 1, and both tests call it.
    expect(md).toMatch(/\| Acme USIM-A \(Carrier One\) \| Bolt UICC-7 \(Carrier Two\) \| 0 \| [\d.e-]+ \| 1\.000 \| [\d.e-]+ \| \*\*yes: location \(MW\), distribution \(KS\), p &lt; 0\.05\*\* \| [\d.e-]+ \| 0\.583 \|$/m);
    expect(md).toContain('| A | B | Mann–Whitney U | MW p | KS D | KS p | Different? | Smallest p these sizes allow | Smallest D KS can detect |');
    expect(md).toMatch(/need at least 4 samples per card to reach p &lt; 0\.05/);
  });

  it('escapes table-breaking and HTML characters in names', () => {
    const odd = benchResult({ vendor: 'A|B <i>x</i>', variant: 'v_1', operation: { ...SIGN }, samplesNs: spread(1e6, 1e3) });
    const md = renderMarkdown(buildComparison([odd]));
    expect(md).toContain('A\\|B &lt;i&gt;x&lt;/i&gt; v\\_1');
    expect(md).not.toContain('<i>');
  });

  it('puts the timing-model notice in every section that has model results', () => {
    const modelSign = benchResult({ vendor: 'Model', variant: 'M', timingModel: 'jcop4-fit', operation: { ...SIGN }, samplesNs: spread(61e6, 1e4) });
    const modelKeygen = benchResult({ vendor: 'Model', variant: 'M', timingModel: 'jcop4-fit', operation: { ...KEYGEN }, samplesNs: spread(9e8, 1e7) });
    const md = renderMarkdown(buildComparison([cardA, modelSign, modelKeygen]));
    const sections = md.split(/^## /m).slice(1);
    expect(sections).toHaveLength(2);
    for (const s of sections) expect(s).toMatch(/Timing model "jcop4-fit": these durations are computed by a model, not measured on a card/);
  });
});

describe('renderHtml', () => {
  const hostile = benchResult({
    vendor: '<script>alert("x")</script>',
    variant: `O'Brien & Sons`,
    operation: { ...SIGN },
    samplesNs: [...spread(61_000_000, 40_000).slice(0, 11), 95_000_000],
  });
  const emulated = benchResult({ vendor: 'Sim', variant: 'jcardsim', emulated: true, operation: { ...SIGN }, samplesNs: spread(400_000, 2_000) });
  const model = benchResult({ vendor: 'Model', variant: 'M', timingModel: 'jcop4-fit', operation: { ...KEYGEN }, samplesNs: spread(9e8, 1e7) });
  const html = renderHtml(buildComparison([cardA, cardB, hostile, emulated, model]), { title: 'Lab <run> 7' });

  it('is a standalone page: no scripts, no external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('escapes every piece of text that came from a result document', () => {
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('O&#39;Brien &amp; Sons');
    expect(html).toContain('<title>Lab &lt;run&gt; 7</title>');
    expect(html).not.toContain("O'Brien");
  });

  it('shows the emulated banner and the timing-model notice where those results are', () => {
    const sections = html.split('<section ').slice(1);
    const sign = sections.find((s) => s.startsWith('data-operation="sign rsa2048"'))!;
    const keygen = sections.find((s) => s.startsWith('data-operation="keygen p256"'))!;
    expect(sign).toMatch(/<p class="banner emulated">Emulated, functional only, not card timing: Sim jcardsim/);
    expect(keygen).toMatch(/<p class="banner">Timing model &quot;jcop4-fit&quot;: these durations are computed by a model, not measured on a card/);
    // And at the top of the page, before the first section.
    const head = html.split('<section ')[0]!;
    expect(head).toContain(EMULATED_BANNER);
    expect(head).toContain('not measured on a card');
  });

  it('draws one box per card, with the outlier as a dot', () => {
    const sign = html.split('<section ').find((s) => s.startsWith('data-operation="sign rsa2048"'))!;
    const boxes = sign.match(/<g class="box[^"]*" data-card="/g) ?? [];
    expect(boxes).toHaveLength(4);
    expect(sign).toContain('<g class="box emulated" data-card="Sim jcardsim (Carrier One) [emulated]">');
    const hostileBox = sign.split('<g class="box" data-card="&lt;script&gt;')[1]!.split('</g>')[0]!;
    expect(hostileBox.match(/<circle class="outlier"/g)).toHaveLength(1);
    const keygen = html.split('<section ').find((s) => s.startsWith('data-operation="keygen p256"'))!;
    expect(keygen.match(/<g class="box[^"]*" data-card="/g)).toHaveLength(1);
  });

  it('lists the pairwise tests, marking emulated pairs as not tested', () => {
    expect(html).toContain('<span class="sig">yes: location (MW), distribution (KS), p &lt; 0.05</span>');
    expect(html).toContain('not tested: emulated (functional only, not card timing)');
  });
});

describe('formatNs', () => {
  it('picks the unit and keeps four significant digits', () => {
    expect(formatNs(60_700_000)).toBe('60.70 ms');
    expect(formatNs(9_700_000_000)).toBe('9.700 s');
    expect(formatNs(2_500)).toBe('2.500 µs');
    expect(formatNs(12)).toBe('12.00 ns');
    expect(formatNs(196_000_000_000)).toBe('196.0 s');
    expect(formatNs(Number.NaN)).toBe('–');
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('distributions on the page (issue 23 item 2, issue 19 item 6)', () => {
  // A heavy-tailed keygen card (one key in twelve takes 20x the median) beside a steady one with the same median:
  // Mann–Whitney sees no shift, and the log axis keeps both boxes readable.
  const steady = benchResult({ vendor: 'Steady', variant: 'S', operation: { ...KEYGEN }, samplesNs: spread(1e9, 1e7) });
  const tailSamples = [...spread(1e9, 1e8).slice(0, 11), 20e9];
  const tailed = benchResult({ vendor: 'Tailed', variant: 'T', operation: { ...KEYGEN }, samplesNs: tailSamples });
  const c = buildComparison([steady, tailed]);
  const html = renderHtml(c);
  const section = html.split('<section ').find((s) => s.startsWith('data-operation="keygen p256"'))!;

  it('draws an empirical CDF (one step line per card) and a histogram per card beside the box plot', () => {
    expect(section).toContain('<h3>Empirical CDF</h3>');
    expect(section.match(/<g class="ecdf" data-card="/g)).toHaveLength(2);
    expect(section).toContain('<h3>Histogram</h3>');
    expect(section.match(/<g class="hist" data-card="/g)).toHaveLength(2);
    // The step line climbs to 1 in n steps: 12 vertical moves for 12 samples.
    const path = section.split('<g class="ecdf" data-card="Tailed T (Carrier One)">')[1]!.split('</g>')[0]!;
    expect(path.match(/V/g)).toHaveLength(12);
  });

  it('puts the time axis on a log scale when the values span 10x or more, and says so in an axis title', () => {
    expect(section).toContain('time per operation (logarithmic scale)');
    expect(section).toContain('share of samples ≤ t');
    // A one-decade-or-less spread stays linear.
    const linear = renderHtml(buildComparison([cardA, cardB]));
    expect(linear).toContain('time per operation (linear scale)');
    expect(linear).not.toContain('logarithmic scale)</text>');
  });

  it('gives labels the room they need, wrapping long ones whole instead of clipping, within 1400 px', () => {
    const long = benchResult({ vendor: 'A very long vendor name that used to be clipped at 300 px', variant: 'Variant with a long name too', operation: { ...KEYGEN }, samplesNs: spread(1e9, 1e7) });
    const page = renderHtml(buildComparison([long, steady]));
    const label = 'A very long vendor name that used to be clipped at 300 px Variant with a long name too (Carrier One)';
    for (const plot of ['<h3>Box plot</h3>', '<h3>Histogram</h3>']) {
      const svg = page.split(plot)[1]!.split('</svg>')[0]!;
      const width = Number(/<svg width="(\d+)"/.exec(svg)![1]);
      expect(width).toBeLessThanOrEqual(1400);
      const g = svg.split(`data-card="${label}">`)[1]!.split('</g>')[0]!;
      const spans = [...g.matchAll(/<tspan x="[\d.]+" y="[\d.]+">([^<]*)<\/tspan>/g)].map((m) => m[1]);
      expect(spans.length).toBeGreaterThan(1);
      expect(spans.join(' ')).toBe(label);
    }
    // A short label stays on one line and the column is as wide as it needs: 22 characters x 7 px + 16 = 170 px,
    // the text ending 8 px before the plot; the plot area after it is 640 + 40 px.
    const short = renderHtml(buildComparison([steady])).split('<h3>Box plot</h3>')[1]!;
    expect(short).toContain('<svg width="850"');
    expect(short).toContain('<tspan x="162" y="31.0">Steady S (Carrier One)</tspan>');
  });

  it('shows p99 and max, and tests the whole distribution with KS beside Mann–Whitney', () => {
    const row = c.sections[0]!.rows.find((r) => r.label.startsWith('Tailed'))!;
    expect(row.stats!.max).toBe(20e9);
    const pair = c.sections[0]!.pairs[0]!;
    expect(pair.ks).toBeDefined();
    expect(pair.power!.smallestP).toBeCloseTo(2 / 2704156, 12); // 2 / C(24, 12)
    expect(pair.power!.criticalD).toBeGreaterThan(0.4);
    expect(section).toContain('20.00 s');
  });

  it('says only "< 1e-15" for a KS p below what its arithmetic can resolve', () => {
    const op = { name: 'sign', algorithm: 'p256', iterations: 200, warmup: 0 } as const;
    const fast = benchResult({ vendor: 'Fast', variant: 'F', operation: { ...op }, samplesNs: Array.from({ length: 200 }, (_, i) => 1e6 + i) });
    const slow = benchResult({ vendor: 'Slow', variant: 'S', operation: { ...op }, samplesNs: Array.from({ length: 200 }, (_, i) => 2e6 + i) });
    // Complete separation of 200 and 200: the true p is 2 / C(400, 200), about 1e-119.
    const row = renderMarkdown(buildComparison([fast, slow])).split('\n').find((l) => l.startsWith('| Fast F (Carrier One) | Slow S'))!;
    expect(row).toMatch(/\| 1\.000 \| &lt; 1e-15 \|/);
  });
});

describe('compare --reference: published figures of other cards', () => {
  const card = {
    card: 'NXP JCOP4 J3R180 SECID P71',
    chip: 'NXP D321',
    protocol: 'T=1',
    date: '2021-10-20',
    source: { publisher: 'JCAlgTest', repository: 'https://github.com/crocs-muni/jcalgtest_results', path: 'javacard/Profiles/performance/fixed/x.csv', snapshot: '76b01cf' },
    figures: [
      { operation: 'keygen' as const, algorithm: 'p256', statistic: 'median of 10', valueMs: 26, minMs: 25, maxMs: 31, method: 'one APDU per key generation' },
      { operation: 'digest' as const, algorithm: 'sha256', statistic: 'mean of 250', valueMs: 7.9, method: 'loop + baseline' },
    ],
    notPublished: [],
  };
  const model = benchResult({ vendor: 'Model', variant: 'M', timingModel: 'jcop4-fit', operation: { ...KEYGEN }, samplesNs: spread(9e8, 1e7) });
  const c = buildComparison([model], { references: [card] });
  const html = renderHtml(c);
  const md = renderMarkdown(c);

  it('attaches a figure to the section of the same operation, and never tests it', () => {
    expect(c.sections[0]!.references.map((r) => r.figure.valueMs)).toEqual([26]);
    expect(c.sections[0]!.pairs).toEqual([]);
  });

  it('marks every appearance "published, not measured here" and names the source', () => {
    expect(c.banners.join('\n')).toMatch(/published, not measured here/);
    const section = html.split('<section ').find((s) => s.startsWith('data-operation="keygen p256"'))!;
    expect(section).toContain('<tr class="published"><td>NXP JCOP4 J3R180 SECID P71 (published, not measured here)</td>');
    expect(section).toContain('<g class="reference" data-reference="NXP JCOP4 J3R180 SECID P71 (published, not measured here)">');
    const refs = html.split('<section data-operation="reference-cards">')[1]!;
    expect(refs).toContain('digest sha256: 7.900 ms, mean of 250');
    expect(refs).toContain('github.com/crocs-muni/jcalgtest_results javacard/Profiles/performance/fixed/x.csv (76b01cf)');
    expect(md).toContain('## Reference cards (published, not measured here)');
    expect(md).toContain('| NXP JCOP4 J3R180 SECID P71 (published, not measured here) | 26.00 ms (25.00 ms – 31.00 ms), median of 10 |');
  });

  it('keeps the page free of links (the source is text)', () => {
    expect(html).not.toMatch(/https?:/i);
  });
});
