// Test-only helpers shared by the CLI tests: a previous report as `simcert run` and `bench` leave it, a byte-level
// snapshot of a folder (to show a command left it alone), the results a run in flight has written (to interrupt it
// once it has some), and the processes of this machine from /proc (to show a command left no child behind).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import { vi } from 'vitest';
import { benchResult } from '../bench/test-fixtures.ts';
import { repoRoot } from '../paths.ts';

/** Result files of the run in flight in `out` (in its staging folder out/.run-<pid>-<time>/allure-results). */
export async function stagedResults(out: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(out)) {
    if (!e.startsWith('.run-')) continue;
    n += (await readdir(join(out, e, 'allure-results')).catch(() => [])).filter((f) => f.endsWith('-result.json')).length;
  }
  return n;
}

/** A previous run's report in `reports` (allure-results, allure-report, portability.*, a bench result). */
export async function previousReport(reports: string): Promise<void> {
  await mkdir(join(reports, 'allure-results'), { recursive: true });
  await mkdir(join(reports, 'allure-report'), { recursive: true });
  await mkdir(join(reports, 'bench'), { recursive: true });
  await writeFile(join(reports, 'allure-results', '0b1c-result.json'), JSON.stringify({ uuid: '0b1c', name: 'earlier test', status: 'passed' }));
  await writeFile(join(reports, 'allure-report', 'index.html'), '<!DOCTYPE html><title>the previous report</title>');
  await writeFile(join(reports, 'portability.html'), '<!DOCTYPE html><title>the previous matrix</title>');
  await writeFile(join(reports, 'portability.md'), '| previous | matrix |\n');
  await writeFile(join(reports, 'bench', 'earlier.json'), `${JSON.stringify(benchResult(), null, 2)}\n`);
}

/** Every file under `dir` (except the top-level entries in `skip`) with the SHA-256 of its bytes. */
export async function snapshot(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (d === dir && skip.includes(e.name)) continue;
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

export interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  cmd: string;
}

/** The live processes, from /proc/<pid>/stat (fields after the command name: state, ppid, pgrp). */
export async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue; // a zombie has exited; only its parent's wait is missing
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), ppid: Number(rest[1]), pgrp: Number(rest[2]), cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** `root` and every process below it, root first. */
export function descendants<P extends Pick<Proc, 'pid' | 'ppid'>>(all: P[], root: number): P[] {
  const found = all.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) for (const p of all) if (p.ppid === found[i]!.pid) found.push(p);
  return found;
}

export interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `simcert bench --no-report --out OUT ...` in DIR, in a process group of its own; `interrupt` is polled while it
 * runs and, when it answers true, the group gets SIGINT as a terminal's Ctrl-C would send it. Polling, not timing:
 * the test's own timeout bounds the wait.
 */
export async function spawnBench(dir: string, out: string, args: string[], interrupt?: () => Promise<boolean>): Promise<BenchRun> {
  const { spawn } = await import('node:child_process');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const child = spawn(process.execPath, [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'bench', '--no-report', '--out', out, ...args], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: BenchRun = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (run.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (run.stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (interrupt) {
    let done = false;
    void exited.then(() => (done = true));
    while (!done && !(await interrupt())) await sleep(20);
    if (!done) process.kill(-child.pid!, 'SIGINT');
  }
  run.code = await exited;
  return run;
}

/** What a simcert command ended with, as the user sees it: exit code (null if killed), signal, stdout, stderr. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs `simcert ARGS` in this process (harness/cli/main.ts's main, as simcert.js calls it) in `cwd`, with what it
 * writes to the console and to process.stdout/stderr captured. Calls are queued: the working directory and the
 * console are the process's own.
 */
let queue: Promise<unknown> = Promise.resolve();
export function simcertInProcess(cwd: string, args: string[]): Promise<Outcome> {
  const turn = queue.then(async (): Promise<Outcome> => {
    const { main } = await import('./main.ts');
    const out: string[] = [];
    const err: string[] = [];
    const home = process.cwd();
    const writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    writes[0]!.mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    writes[1]!.mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    const logs = [
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${format(...a)}\n`)),
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${format(...a)}\n`)),
      vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void err.push(`${format(...a)}\n`)),
    ];
    process.chdir(cwd);
    try {
      let thrown: unknown;
      const code = await main([process.execPath, join(repoRoot, 'harness', 'cli', 'simcert.js'), ...args]).catch((e: unknown) => ((thrown = e), null));
      // What simcert.js would do with an exception main let through: node prints it with its stack.
      if (thrown !== undefined) err.push(String((thrown as Error).stack ?? thrown));
      return { code, signal: null, out: out.join(''), err: err.join('') };
    } finally {
      process.chdir(home);
      for (const s of [...writes, ...logs]) s.mockRestore();
    }
  });
  queue = turn.catch(() => undefined);
  return turn;
}
