// Ctrl-C during a certify run, as a lab meets it (issue 17 problem 4): `npm run simcert -- run` on the reference
// profile, SIGINT sent to npm (which passes it on to simcert) as soon as the first results are on disk. The run must
// say what it interrupted, exit 130, leave the previous report byte for byte as it was, keep the partial results as
// a report marked interrupted in <out>/interrupted/, leave no child process (vitest, its workers, the simulator)
// and no temporary folder behind.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { CARD_HOST_ENV } from '../sim/launch.ts';
import { descendants, previousReport, processes, snapshot, stagedResults, type Proc } from './test-helpers.ts';

let dir: string;
let out: string;
let tmp: string;
let before: Record<string, string>;
let code: number | null;
let output = '';
let started: Proc[] = [];
let resultsSeen = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-interrupt-'));
  out = join(dir, 'out');
  tmp = join(dir, 'tmp');
  await mkdir(tmp);
  await previousReport(out);
  before = await snapshot(out);
  // A user's run, with a simulator JVM of its own, not npm test's card host: what Ctrl-C stops is the question.
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env[CARD_HOST_ENV];
  const npm = spawn('npm', ['run', '--silent', 'simcert', '--', 'run', '--profile', join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), '--out', out], {
    cwd: repoRoot,
    // Its own process group, like a shell job; the temporary folder is ours, to see what is left in it.
    detached: true,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
  npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (c) => resolve(c)));
  let done = false;
  void exited.then(() => (done = true));
  // Polling, not timing: the test's own timeout bounds the wait.
  // Sent once results are on disk and a simulator is running (the suites after the first one), so the stop must
  // reach vitest, its worker and the simulator.
  for (;;) {
    resultsSeen = await stagedResults(out);
    started = descendants(await processes(), npm.pid!);
    if (done || (resultsSeen > 0 && started.some((p) => p.cmd.startsWith('java ')))) break;
    await sleep(200);
  }
  npm.kill('SIGINT');
  code = await exited;
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during a certify run', () => {
  it('was sent while the suites were running (results on disk, vitest and the simulator alive)', () => {
    expect(resultsSeen).toBeGreaterThan(0);
    expect(started.some((p) => p.cmd.includes('vitest'))).toBe(true);
    expect(started.some((p) => p.cmd.startsWith('java '))).toBe(true);
  });

  it('exits 130 and says what it interrupted', () => {
    expect(code).toBe(130);
    expect(output).toMatch(/^simcert: interrupted by SIGINT during profile "Emulated reference UICC \(T=1, extended length\)" \(.*reference\.yaml\), suite [a-z-]+ /m);
    expect(output).toMatch(/^partial results \(marked interrupted\): .*interrupted\/; the last complete report in .* is unchanged$/m);
  });

  it('leaves the previous report byte for byte as it was', async () => {
    expect(await snapshot(out, ['interrupted'])).toEqual(before);
  });

  it('keeps the partial results as a report marked interrupted, apart from the last complete one', async () => {
    const kept = join(out, 'interrupted');
    expect((await stat(join(kept, 'allure-report', 'index.html'))).size).toBeGreaterThan(0);
    const results = (await readdir(join(kept, 'allure-results'))).filter((f) => f.endsWith('-result.json'));
    expect(results.length).toBeGreaterThanOrEqual(resultsSeen);
    expect(await readFile(join(kept, 'allure-results', 'environment.properties'), 'utf8')).toMatch(/^run=INTERRUPTED by SIGINT during profile/m);
    expect(await readFile(join(kept, 'INTERRUPTED.txt'), 'utf8')).toMatch(/partial results, not a complete report/);
  });

  it('leaves no staging folder in the output folder', async () => {
    expect((await readdir(out)).filter((e) => e.startsWith('.')).sort()).toEqual([]);
  });

  it('leaves no process it started: not simcert, vitest, its workers nor the simulator (by pid and by process group)', async () => {
    const pids = new Set(started.map((p) => p.pid));
    const groups = new Set(started.map((p) => p.pgrp));
    const left = (await processes()).filter((p) => pids.has(p.pid) || groups.has(p.pgrp));
    expect(left).toEqual([]);
  });

  it('leaves no temporary folder (vitest\'s ssr/ folder, the simulator\'s, its own) in the temp folder', async () => {
    // tsx keeps its compile cache in tsx-<uid> on purpose (reused by every run); anything else is a leak.
    expect((await readdir(tmp)).filter((e) => !/^tsx-\d+$/.test(e))).toEqual([]);
  });
});
