// An interrupted rack run with --no-report, as a CI shard is stopped when its job is cancelled: the previous run's
// folder stays byte for byte as it was, the partial results are kept under <out>/interrupted/ without an HTML report
// (the shard never renders one), the run exits 130, and the message names, for each card, what it was doing: the
// first card its suite in flight, the second (waiting for the one worker `--jobs 1` allows) that it had not begun.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousReport, snapshot, stagedResults } from '../cli/test-helpers.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { EXIT } from './errors.ts';
import { runSuites } from './run.ts';

const A = 'Interrupted card A';
const B = 'Interrupted card B';
let dir: string;
let out: string;
let before: Record<string, string>;
let code: number;
const log: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-interrupt-no-report-'));
  out = join(dir, 'out');
  await previousReport(out);
  before = await snapshot(out);
  const suites = ['handset-swap', 'jpki-signing'];
  await writeFile(join(dir, 'a.yaml'), createAppletProfile({ name: A, variant: 'interrupt-no-report', suites }));
  await writeFile(join(dir, 'b.yaml'), createAppletProfile({ name: B, variant: 'interrupt-no-report', suites }));
  const stop = new AbortController();
  const run = runSuites({
    profiles: [join(dir, 'a.yaml'), join(dir, 'b.yaml')], out, report: false, jobs: 1, signal: stop.signal,
    log: (l) => void log.push(l), runnerOutput: 'drop',
  });
  let done = false;
  void run.finally(() => (done = true));
  // Polling, not timing: the test's own timeout bounds the wait. The first results mean the first suite has ended.
  while (!done && (await stagedResults(out)) === 0) await sleep(100);
  stop.abort('SIGINT');
  code = await run;
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a rack run with --no-report, interrupted', () => {
  it('exits 130 and leaves the previous run\'s folder as it was', async () => {
    expect(code).toBe(EXIT.interrupted);
    expect(await snapshot(out, ['interrupted'])).toEqual(before);
  });

  it('keeps the partial results, marked interrupted, and renders no report', async () => {
    const kept = join(out, 'interrupted');
    const entries = await readdir(kept);
    expect(entries).toContain('INTERRUPTED.txt');
    expect(entries).not.toContain('allure-report');
    expect((await readdir(join(kept, 'allure-results'))).filter((f) => f.endsWith('-result.json')).length).toBeGreaterThan(0);
    expect(await readFile(join(kept, 'INTERRUPTED.txt'), 'utf8')).toMatch(/^INTERRUPTED by SIGINT during profile "Interrupted card A"/);
  });

  it('names what each card was doing: the first its suite, the second that it had not begun', () => {
    const line = log.find((l) => l.startsWith('simcert: interrupted by SIGINT during '));
    expect(line).toBeDefined();
    // The stop lands while the first card's second suite runs, or just between its suites.
    expect(line).toMatch(/profile "Interrupted card A" \([^)]*a\.yaml\)(, suite jpki-signing \(finished before it: handset-swap\)|, between suites)/);
    expect(line).toMatch(/profile "Interrupted card B" \([^)]*b\.yaml\), before its first suite/);
  });
});
