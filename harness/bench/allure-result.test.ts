// A bench run in the Allure report: a result Allure reads (grouped under the card's variant and "benchmark"), its
// name saying when the durations are not a card's, the box plot as a standalone SVG and the JSON result attached.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBenchAllureResult } from './allure-result.ts';
import { benchResult } from './test-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-bench-allure-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Written {
  name: string;
  status: string;
  stage: string;
  start: number;
  stop: number;
  statusDetails?: { message?: string };
  labels: { name: string; value: string }[];
  attachments: { name: string; source: string; type: string }[];
}

async function write(r: ReturnType<typeof benchResult>, extra: { error?: Error; refused?: string } = {}): Promise<Written> {
  const file = join(dir, 'run.json');
  await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
  await writeBenchAllureResult({ result: r, file, describe: ['sign rsa2048 on a card', '  min 60.65 ms'], ...extra }, join(dir, 'results'));
  const files = await readdir(join(dir, 'results'));
  const results = files.filter((f) => f.endsWith('-result.json'));
  expect(results).toHaveLength(1);
  return JSON.parse(await readFile(join(dir, 'results', results[0]!), 'utf8')) as Written;
}

describe('a bench run written as an Allure result', () => {
  it('is a finished, passed test under the card variant and the benchmark feature, timed as the run was', async () => {
    const r = benchResult();
    const w = await write(r);
    expect(w.name).toBe('bench: sign rsa2048');
    expect([w.status, w.stage]).toEqual(['passed', 'finished']);
    expect(w.labels).toEqual(expect.arrayContaining([{ name: 'variant', value: 'Carrier One / USIM-A' }, { name: 'feature', value: 'benchmark' }]));
    expect([w.start, w.stop]).toEqual([Date.parse(r.startedAt), Date.parse(r.finishedAt)]);
  });

  it('attaches the JSON result byte for byte and a box plot that renders on its own', async () => {
    const r = benchResult();
    const w = await write(r);
    const json = w.attachments.find((a) => a.type === 'application/json')!;
    expect(await readFile(join(dir, 'results', json.source), 'utf8')).toBe(await readFile(join(dir, 'run.json'), 'utf8'));
    const svg = await readFile(join(dir, 'results', w.attachments.find((a) => a.type === 'image/svg+xml')!.source), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*><style>[^<]*\.box rect\{/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('names emulated and timing-model runs as such, so the report never passes them off as card timing', async () => {
    expect((await write(benchResult({ emulated: true }))).name).toBe('bench: sign rsa2048 (emulated: functional only, not card timing)');
    await rm(join(dir, 'results'), { recursive: true });
    expect((await write(benchResult({ emulated: true, timingModel: 'sign fixed 60 ms' }))).name).toBe('bench: sign rsa2048 (timing model, not card timing)');
  });

  it('is broken with the error when the card stopped the run, and says why no per-operation figure was given', async () => {
    const broken = await write(benchResult({ interrupted: true }), { error: new Error('the card went away') });
    expect([broken.status, broken.statusDetails?.message]).toEqual(['broken', 'the card went away']);
    await rm(join(dir, 'results'), { recursive: true });
    const refused = await write(benchResult(), { refused: 'baseline-unstable: cv 0.19' });
    expect([refused.status, refused.statusDetails?.message]).toEqual(['passed', 'no per-operation figure: baseline-unstable: cv 0.19']);
  });
});
