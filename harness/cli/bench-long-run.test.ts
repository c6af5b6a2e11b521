// Issue 23's "Done when" for long runs, scaled down so it runs in a test: on the timing-model profile (heavy-tailed
// keygen: lognormal, cv 0.6, as JCAlgTest's ~110 cards show), a 200-generation run interrupted at 100 and resumed
// gives 200 samples in one result. The model's median is scaled from 9.7 s to 60 ms (same shape, same seed), so
// the 200 keys take seconds, not half an hour; the path through the code is the one a real-card run takes. Also
// issue 23 item 5: `bench --ops` gives one vendor page per card with every operation.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBenchResult, type BenchResult } from '../bench/result.ts';
import { repoRoot } from '../paths.ts';
import { spawnBench, type BenchRun } from './test-helpers.ts';

const TIMING_MODEL = join(repoRoot, 'profiles', 'emulated', 'timing-model.yaml');
const KEYS = 200;
const INTERRUPT_AT = 100;

let dir: string;
let out: string;
let opsOut: string;
let first: BenchRun;
let resumed: BenchRun;
let ops: BenchRun;
let file: string;
let interrupted: BenchResult;
let final: BenchResult;

async function jsonFiles(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => join(folder, f));
}

async function read(f: string): Promise<BenchResult> {
  return JSON.parse(await readFile(f, 'utf8')) as BenchResult;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-bench-long-'));
  out = join(dir, 'bench');
  opsOut = join(dir, 'ops');
  const profile = join(dir, 'timing-model-scaled.yaml');
  await writeFile(
    profile,
    [
      `extends: ${JSON.stringify(TIMING_MODEL)}`,
      'name: Timing model scaled down for tests',
      'card:',
      '  variant: reference-timing-model-scaled',
      'sim:',
      '  timingModel:',
      '    keygen: { distribution: lognormal, medianMs: 60, cv: 0.6 }',
      '    sign: { distribution: lognormal, medianMs: 20, cv: 0.005 }',
      '',
    ].join('\n'),
  );
  const args = ['--profile', profile, '--op', 'keygen', '--alg', 'p256', '-n', String(KEYS), '--transport-iterations', '3'];
  first = await spawnBench(dir, out, args, async () => {
    const files = await jsonFiles(out);
    if (files.length !== 1) return false;
    const r = await read(files[0]!).catch(() => undefined); // renamed into place whole, so never half a file
    if (!r || r.samplesNs.length < INTERRUPT_AT) return false;
    file = files[0]!;
    return true;
  });
  interrupted = await read(file);
  resumed = await spawnBench(dir, out, [...args, '--resume', file]);
  final = await read(file);
  ops = await spawnBench(dir, opsOut, ['--profile', profile, '--ops', 'keygen:p256,sign:p256,keygen:p384,sign:p384', '-n', '8', '--transport-iterations', '3']);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a 200-generation keygen run on the timing model, interrupted at 100 and resumed', () => {
  it('stopped on Ctrl-C after at least 100 keys, the file marked interrupted', () => {
    expect(first.code, first.stderr).toBe(130);
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.samplesNs.length).toBeGreaterThanOrEqual(INTERRUPT_AT);
    expect(interrupted.samplesNs.length).toBeLessThan(KEYS);
    expect(interrupted.card.timingModel).toMatch(/^keygen lognormal median 60 ms cv 0\.6/);
  });

  it('ends with 200 samples and one result: one file, complete, its keys all checked, its summary of all 200', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await jsonFiles(out)).toEqual([file]);
    expect(final.interrupted).toBe(false);
    expect(final.samplesNs).toHaveLength(KEYS);
    expect(final.samplesNs.slice(0, interrupted.samplesNs.length)).toEqual(interrupted.samplesNs);
    // The warm-up key is checked too: 201 keys, every one different.
    expect(final.keyQuality).toMatchObject({ keys: KEYS + 1, distinct: KEYS + 1, duplicates: 0 });
    expect(final.summary?.n).toBe(KEYS);
    expect(validateBenchResult(final).ok).toBe(true);
    expect(resumed.stdout).toContain(`${KEYS} sample(s) after 1 warm-up`);
  });
});

describe('bench --ops on one card', () => {
  it('writes one result per operation and one vendor page with a section for each', async () => {
    expect(ops.code, ops.stderr).toBe(0);
    const results = await Promise.all((await jsonFiles(opsOut)).map(read));
    expect(results.map((r) => `${r.operation.name} ${r.operation.algorithm}`).sort()).toEqual(['keygen p256', 'keygen p384', 'sign p256', 'sign p384']);
    const pages = (await readdir(opsOut)).filter((f) => f.endsWith('-vendor.html'));
    expect(pages).toHaveLength(1);
    const html = await readFile(join(opsOut, pages[0]!), 'utf8');
    for (const op of ['keygen p256', 'keygen p384', 'sign p256', 'sign p384']) expect(html).toContain(`<section data-operation="${op}">`);
    expect(html).toContain('<h3>Empirical CDF</h3>');
    expect(ops.stdout).toMatch(/vendor page for Timing model scaled down for tests: .*-vendor\.html/);
  });
});
