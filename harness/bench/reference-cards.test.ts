// The published reference cards (vectors/bench/reference-cards.json) and `simcert compare --reference`: every figure
// carries its source, method and date, figures agree with the ranges published beside them, a few spot values match
// JCAlgTest's files as read by hand, and the page marks them "published, not measured here".
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { loadReferenceCards, type ReferenceCard } from './reference-cards.ts';
import { benchResult } from './test-fixtures.ts';

let cards: ReferenceCard[];
let dir: string;
beforeAll(async () => {
  cards = await loadReferenceCards();
  dir = await mkdtemp(join(tmpdir(), 'simcert-reference-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vectors/bench/reference-cards.json', () => {
  it('holds a dozen or more cards, each with a JCAlgTest performance file, a date and at least one figure', () => {
    expect(cards.length).toBeGreaterThanOrEqual(12);
    for (const c of cards) {
      expect(c.source.path, c.card).toMatch(/^javacard\/Profiles\/performance\/fixed\/.+PERFORMANCE.+\.csv$/);
      expect(c.date, c.card).toMatch(/^\d{4}(-\d{2}-\d{2})?$/);
      expect(c.figures.length, c.card).toBeGreaterThan(0);
      for (const f of c.figures) expect(f.method.length).toBeGreaterThan(10);
    }
  });

  it('covers RSA-2048 keygen and sign, P-256 and P-384 keygen and sign, and SHA-256', () => {
    const have = new Set(cards.flatMap((c) => c.figures.map((f) => `${f.operation} ${f.algorithm}`)));
    for (const k of ['keygen rsa2048', 'sign rsa2048', 'keygen p256', 'sign p256', 'keygen p384', 'sign p384', 'digest sha256']) expect(have).toContain(k);
  });

  it('matches values read by hand from the JCAlgTest files (J3R180 SECID P71, 2021-10-20)', () => {
    // The file prints "Execution date/time; 2021/10/20 07:41:07" and ALG_SHA_256 doFinal "avg op:;7.92" ms.
    const j3r180 = cards.find((c) => c.card === 'NXP JCOP4 J3R180 SECID P71')!;
    expect(j3r180.date).toBe('2021-10-20');
    const sha = j3r180.figures.find((f) => f.operation === 'digest')!;
    expect(Math.abs(sha.valueMs - 7.92)).toBeLessThan(0.05);
    const rsa = j3r180.figures.find((f) => f.operation === 'keygen' && f.algorithm === 'rsa2048')!;
    expect([rsa.minMs, rsa.maxMs]).toEqual([596, 17320]);
  });

  it('refuses a figure without a method, or a median outside its own range', async () => {
    const bad = join(dir, 'bad.json');
    const card = { ...cards[0]!, figures: [{ ...cards[0]!.figures[0]!, valueMs: 99999, minMs: 1, maxMs: 2 }] };
    await writeFile(bad, JSON.stringify({ cards: [card] }));
    await expect(loadReferenceCards(bad)).rejects.toThrow(/value outside its min-max/);
    await writeFile(bad, JSON.stringify({ cards: [{ ...cards[0]!, figures: [{ ...cards[0]!.figures[0]!, method: '' }] }] }));
    await expect(loadReferenceCards(bad)).rejects.toThrow(/needs a positive valueMs, a statistic and a method/);
  });
});

describe('simcert compare --reference', () => {
  it('puts the published cards on the page, marked, beside a measured RSA-2048 keygen', async () => {
    const result = join(dir, 'keygen.json');
    const samples = Array.from({ length: 20 }, (_, i) => (2 + i * 0.5) * 1e9);
    await writeFile(result, JSON.stringify(benchResult({ operation: { name: 'keygen', algorithm: 'rsa2048', iterations: 20, warmup: 1 }, samplesNs: samples })));
    const html = join(dir, 'c.html');
    const md = join(dir, 'c.md');
    const r = await promisify(execFile)(process.execPath, [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'compare', result, '--reference', '--html', html, '--md', md], { cwd: dir });
    expect(r.stdout).toMatch(new RegExp(`with ${cards.length} published reference card\\(s\\)`));
    const page = await readFile(html, 'utf8');
    const section = page.split('<section ').find((s) => s.startsWith('data-operation="keygen rsa2048"'))!;
    expect(section.match(/<g class="reference" data-reference="[^"]+\(published, not measured here\)">/g)!.length).toBeGreaterThanOrEqual(12);
    expect(page).toContain('<h2>Reference cards (published, not measured here)</h2>');
    expect(page).toContain('NXP JCOP4 J3R180 SECID P71');
    expect(await readFile(md, 'utf8')).toContain('## Reference cards (published, not measured here)');
  });
});
