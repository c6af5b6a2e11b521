// Vitest reporter for the project's own tests (`npm test`): when the run makes no progress for a long time, it says
// what was in flight and stops the run, instead of leaving CI to its own time limit with nothing to show.
//
// Why: vitest bounds each test and hook by its timeout, but a timeout needs the worker's event loop. A worker blocked
// in a synchronous native call (pcsc-lite's client waits on pcscd without a time limit) or a module still loading
// (collection has no timeout) never reports again, and the run waits for ever. CI then ends at its own limit, and
// its log shows the last file that passed, not the one that hung.
//
// Progress is a file that a worker takes, that is collected, starts or ends, and a test or hook that ends. The longest legitimate wait in the suite is a PC/SC test waiting up
// to 900 s for another run's hold on pcscd (lab/pcsc/pcscd.sh), so the default limit is 20 minutes; SIMCERT_TEST_STALL_S
// sets another. The report is printed last, where a CI log's tail shows it: the files in flight and their current
// test or hook, the processes under this run, and for each worker blocked in native code its main thread's frames.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
import { descendants } from '../cli/test-helpers.ts';

const run = promisify(execFile);

/** How long without progress before the run is stopped (seconds). */
export function stallLimitS(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.SIMCERT_TEST_STALL_S);
  return Number.isFinite(s) && s > 0 ? s : 1200;
}

const COLLECTING = 'collecting (importing the file)';

interface Running {
  what: string;
  since: number;
}

interface InFlight {
  module: string;
  since: number;
  /** The test running now, as last reported. */
  test?: Running;
  /** The hook running now (a beforeEach runs inside its test). */
  hook?: Running;
}

export default class StallWatch implements Reporter {
  private readonly limitMs = stallLimitS() * 1000;
  private lastProgress = Date.now();
  private readonly inFlight = new Map<string, InFlight>();
  private timer: NodeJS.Timeout | undefined;
  private reported = false;

  onTestRunStart(): void {
    this.lastProgress = Date.now();
    this.timer = setInterval(() => void this.check(), Math.min(15_000, this.limitMs / 4));
    this.timer.unref();
  }

  /** A worker took the file: it imports it (collection, which has no timeout) before anything runs. */
  onTestModuleQueued(m: TestModule): void {
    const f = this.entry(m);
    if (!f.test && !f.hook) f.hook = { what: COLLECTING, since: Date.now() };
    this.progress();
  }

  onTestModuleCollected(m: TestModule): void {
    const f = this.entry(m);
    if (f.hook?.what === COLLECTING) f.hook = undefined;
    this.progress();
  }

  onTestModuleStart(m: TestModule): void {
    this.entry(m);
    this.progress();
  }

  onTestModuleEnd(m: TestModule): void {
    this.inFlight.delete(m.moduleId);
    this.progress();
  }

  onTestCaseReady(t: TestCase): void {
    this.entry(t.module).test = { what: `test "${t.fullName}"`, since: Date.now() };
  }

  onTestCaseResult(t: TestCase): void {
    this.entry(t.module).test = undefined;
    this.progress();
  }

  onHookStart(h: Parameters<NonNullable<Reporter['onHookStart']>>[0]): void {
    const where = h.entity.type === 'module' ? 'the file' : h.entity.type === 'suite' ? `"${h.entity.fullName}"` : `test "${h.entity.fullName}"`;
    this.entry(moduleOf(h.entity)).hook = { what: `${h.name} hook of ${where}`, since: Date.now() };
  }

  onHookEnd(h: Parameters<NonNullable<Reporter['onHookEnd']>>[0]): void {
    this.entry(moduleOf(h.entity)).hook = undefined;
    this.progress();
  }

  /** The file's record, made by whichever of its events comes first: vitest's handlers need not keep their order. */
  private entry(m: TestModule): InFlight {
    let f = this.inFlight.get(m.moduleId);
    if (!f) {
      f = { module: m.relativeModuleId, since: Date.now() };
      this.inFlight.set(m.moduleId, f);
    }
    return f;
  }

  onTestRunEnd(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private progress(): void {
    this.lastProgress = Date.now();
  }

  private async check(): Promise<void> {
    if (this.reported || Date.now() - this.lastProgress < this.limitMs) return;
    this.reported = true;
    const now = Date.now();
    const secondsSince = (t: number): number => Math.max(0, Math.round((now - t) / 1000));
    // What was in flight when the stall was seen, before anything below changes it.
    const inFlight = [...this.inFlight.values()].map((f) => {
      const cur = [f.hook, f.test].filter((r): r is Running => r !== undefined).map((r) => `${r.what}, for ${secondsSince(r.since)} s`).join('; in ') || 'between tests';
      return `  ${f.module} (started ${secondsSince(f.since)} s ago): ${cur}`;
    });
    const lines = [`npm test: nothing has moved (no file started or ended, no test or hook ended) for ${secondsSince(this.lastProgress)} s (limit ${this.limitMs / 1000} s, SIMCERT_TEST_STALL_S); stopping the run.`];
    const tree = await processTree(process.pid);
    lines.push(...(await nativeStacks(tree)));
    lines.push('processes under this run:', ...tree.map((p) => `  ${p.line}`));
    lines.push('in flight:', ...(inFlight.length > 0 ? inFlight : ['  no file (vitest itself is waiting)']));
    // SIGTERM first, so that lab/pcsc/pcscd.sh stops the pcscd it started; then SIGKILL for whatever is still there,
    // a worker blocked in native code among them. The report is printed after vitest's own complaints about the
    // workers it lost, so that it is the last thing in the log.
    const others = tree.filter((p) => p.pid !== process.pid);
    for (const p of others) signal(p.pid, 'SIGTERM');
    setTimeout(() => {
      for (const p of others) signal(p.pid, 'SIGKILL');
      setTimeout(() => {
        process.stderr.write(`${lines.join('\n')}\n`, () => process.exit(1));
      }, 500);
    }, 3000);
  }
}

function moduleOf(entity: TestModule | TestSuite | TestCase): TestModule {
  return entity.type === 'module' ? entity : entity.module;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  line: string;
}

/** This process's descendants (itself first), from ps, each with a short line for the report. */
async function processTree(root: number): Promise<Proc[]> {
  let out = '';
  try {
    out = (await run('ps', ['-e', '-o', 'pid=,ppid=,etimes=,stat=,wchan:20=,comm=,args='], { maxBuffer: 8 << 20 })).stdout;
  } catch {
    return [];
  }
  const all = out.split('\n').filter(Boolean).map((l) => {
    const [pid, ppid, etimes, stat, wchan, comm, ...args] = l.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), comm: comm ?? '', line: `${pid} (parent ${ppid}, ${etimes} s, ${stat}, ${wchan}) ${args.join(' ').slice(0, 160)}` };
  });
  return descendants(all, root).filter((p) => !(p.comm === 'ps' && p.ppid === root));
}

/** The main thread's innermost frames of each node worker, through gdb when the machine has it. */
async function nativeStacks(tree: Proc[]): Promise<string[]> {
  const lines: string[] = [];
  for (const p of tree) {
    if (p.pid === process.pid || p.comm !== 'node') continue;
    try {
      const { stdout } = await run('gdb', ['-p', String(p.pid), '-batch', '-nx', '-ex', 'thread 1', '-ex', 'bt 12'], { timeout: 20_000 });
      // `thread 1` prints the innermost frame once more before `bt` does.
      const frames = [...new Set(stdout.split('\n').filter((l) => /^#\d+/.test(l)))].map((l) => `    ${l.replace(/ \(.*\) (at|from) /, ' $1 ').slice(0, 140)}`);
      lines.push(`node ${p.pid}, main thread:`, ...frames);
    } catch {
      // no gdb, or the process is gone: the process list still says where each one waits (wchan)
    }
  }
  return lines;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
