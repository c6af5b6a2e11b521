// Ctrl-C during `simcert bench` as a terminal sends it: SIGINT to the whole foreground process group (issue 17
// problem 4: the simulator got it too and died, so the APDU in flight was lost). The run must finish that APDU,
// write every sample measured (marked interrupted, no error), stop the simulator and exit 130, leaving no process.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench/result.ts';
import { repoRoot } from '../paths.ts';
import { descendants, processes, type Proc } from './test-helpers.ts';

let dir: string;
let code: number | null;
let stdout = '';
let stderr = '';
let started: Proc[] = [];
let result: BenchResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-bench-interrupt-'));
  // The timing model paces each P-256 signature at about 60 ms, so a signal lands while one is in flight.
  const bench = spawn(process.execPath, [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'bench', '--profile', join(repoRoot, 'profiles', 'emulated', 'timing-model.yaml'),
    '--op', 'sign', '--alg', 'p256', '-n', '5000', '--transport-iterations', '0', '--no-report', '--out', join(dir, 'bench')], {
    cwd: dir,
    detached: true, // a process group of its own, as a shell job in a terminal
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bench.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  bench.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => bench.on('exit', (c) => resolve(c)));
  let done = false;
  void exited.then(() => (done = true));
  // Polling, not timing: the test's own timeout bounds the wait.
  while (!done && !/measure \d+\/5000/.test(stderr)) await sleep(100);
  started = descendants(await processes(), bench.pid!);
  process.kill(-bench.pid!, 'SIGINT'); // what Ctrl-C does: the whole foreground group
  code = await exited;
  const files = (await readdir(join(dir, 'bench'))).filter((f) => f.endsWith('.json'));
  result = JSON.parse(await readFile(join(dir, 'bench', files[0]!), 'utf8')) as BenchResult;
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during a bench run', () => {
  it('was sent while the simulator was measuring', () => {
    expect(started.some((p) => p.cmd.startsWith('java '))).toBe(true);
  });

  it('exits 130 and says it writes the samples so far', () => {
    expect(code).toBe(130);
    expect(stderr).toMatch(/^simcert: SIGINT: stopping after the APDU in flight and writing the samples so far/m);
    expect(stdout).toMatch(/wrote .*\.json \(interrupted: the samples measured so far\)/);
  });

  it('keeps the samples, the one in flight included: marked interrupted, not stopped by an error', () => {
    expect(result.interrupted).toBe(true);
    expect(result.samplesNs.length).toBeGreaterThan(0);
    expect(result.notes.filter((n) => n.startsWith('stopped by an error'))).toEqual([]);
    expect(result.notes).toContain(`interrupted after ${result.samplesNs.length} of 5000 sample(s)`);
  });

  it('stops the simulator and every process it started (by pid and by process group)', async () => {
    const pids = new Set(started.map((p) => p.pid));
    const groups = new Set(started.map((p) => p.pgrp));
    expect((await processes()).filter((p) => pids.has(p.pid) || groups.has(p.pgrp))).toEqual([]);
  });
});
