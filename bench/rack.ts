// Benchmark (not a test): is a card-bound rack host-bound? (issue 20, item 3). It runs the same suite on 1, 2, 4 and
// 8 emulated readers at once through `simcert run` (harness/run/run.ts: one worker per card), each card a bundled
// simulator whose timing model makes it as slow as a card (lab/cardsim TimingModel: 2 s per key generation, 200 ms
// per signature, fixed), and prints the speedup of N readers over one: N x T(1) / T(N), where T is the wall time of
// the whole `simcert run` (cards, then the one Allure report; T(1) the shorter of a run first and one last). A rack whose cards do the waiting should approach N;
// the goal is 0.85 N. Then it times the portability run of every variant (profiles/emulated/variants, --suite
// portability, every card at once); the goal is under 20 s on two cores.
// The suite is personalization on an ECDSA P-256-only reference card: key generation on the card and signing
// are what the model paces, and P-256 keeps the simulator's own crypto (and the harness's) small beside them.
// The load average is printed before and after: on a shared machine the figures say more about the neighbours.
// Beside each wall time it prints the host CPU the run cost (this process and all it started: vitests, workers,
// simulators, the report tool; harness/bench/host-cpu.ts) and the share of one added card, which is what makes a
// rack host-bound: N cards need N x that share of the cores before the last card has run.
// Run: npm run bench:rack [-- 1,2,4,8]
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSpent, hostCpu } from '../harness/bench/host-cpu.ts';
import { repoRoot } from '../harness/paths.ts';
import { runSuites } from '../harness/run/run.ts';

const SUITE = 'personalization';
const KEYGEN_MS = 2000;
const SIGN_MS = 200;
const COUNTS = (process.argv[2] ?? '1,2,4,8').split(',').map(Number);
if (COUNTS.some((n) => !Number.isInteger(n) || n < 1) || !COUNTS.includes(1)) throw new Error(`readers: a list of whole numbers including 1, e.g. 1,2,4,8 (got ${process.argv[2]})`);
const GOAL_READERS = Math.max(...COUNTS);

const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

function benchProfile(k: number): string {
  return [
    `extends: ${JSON.stringify(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'))}`,
    `name: Rack bench reader ${k}`,
    `card: { variant: rack-bench-${k} }`,
    'ics: { rsa2048: false, ecP384: false }',
    'sim:',
    '  timingModel:',
    `    seed: ${k}`,
    `    keygen: { distribution: fixed, medianMs: ${KEYGEN_MS} }`,
    `    sign: { distribution: fixed, medianMs: ${SIGN_MS} }`,
    '',
  ].join('\n');
}

async function timedRun(profiles: string[], suites: string[], out: string): Promise<{ seconds: number; cpu: number | undefined; code: number }> {
  const cpu0 = hostCpu();
  const t0 = process.hrtime.bigint();
  const code = await runSuites({ profiles, suites, out, log: () => undefined, runnerOutput: 'drop' });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: cpuSpent(cpu0, hostCpu()), code };
}

const cpuText = (cpu: number | undefined): string => (cpu === undefined ? 'host CPU not known (no /proc)' : `${cpu.toFixed(1)} CPU-s`);

const dir = await mkdtemp(join(tmpdir(), 'simcert-bench-rack-'));
try {
  console.log(`rack bench: suite ${SUITE} on N emulated readers at once (timing model: keygen ${KEYGEN_MS} ms, sign ${SIGN_MS} ms, fixed); load average ${load()}`);
  const files: string[] = [];
  for (let k = 1; k <= GOAL_READERS; k++) {
    files.push(join(dir, `reader-${k}.yaml`));
    await writeFile(files[k - 1]!, benchProfile(k));
  }
  const wall = new Map<number, number>();
  const cpu = new Map<number, number | undefined>();
  let runs = 0;
  const runOn = async (n: number): Promise<{ seconds: number; cpu: number | undefined }> => {
    const r = await timedRun(files.slice(0, n), [SUITE], join(dir, `out-${runs++}`));
    if (r.code !== 0) throw new Error(`the run on ${n} reader(s) exited ${r.code}; see a run by hand: simcert run --profile ${dir}/reader-1.yaml --suite ${SUITE}`);
    return r;
  };
  // One reader is timed first and again last, and the shorter counts: a neighbour's burst during the one-reader
  // run would otherwise inflate every speedup.
  const first = await runOn(1);
  const times = new Map<number, number>();
  for (const n of [...new Set(COUNTS)].filter((x) => x > 1).sort((a, b) => a - b)) {
    const r = await runOn(n);
    times.set(n, r.seconds);
    cpu.set(n, r.cpu);
    console.log(`  ${String(n).padStart(2)} reader(s): ${r.seconds.toFixed(1)} s wall, ${cpuText(r.cpu)}; load average ${load()}`);
  }
  const last = await runOn(1);
  const one = first.seconds <= last.seconds ? first : last;
  wall.set(1, one.seconds);
  cpu.set(1, one.cpu);
  console.log(`   1 reader: ${first.seconds.toFixed(1)} s wall first, ${last.seconds.toFixed(1)} s last; T(1) = ${wall.get(1)!.toFixed(1)} s, ${cpuText(one.cpu)}`);
  for (const [n, t] of times) {
    wall.set(n, t);
    console.log(`  ${String(n).padStart(2)} reader(s): speedup ${((n * wall.get(1)!) / t).toFixed(2)} (goal ${(0.85 * n).toFixed(2)})`);
  }
  // What one more card costs the host, from the one- and the largest run, and what that means on this host's cores.
  const cpuTop = cpu.get(GOAL_READERS);
  const cpuOne = cpu.get(1);
  if (cpuTop !== undefined && cpuOne !== undefined && GOAL_READERS > 1) {
    const perCard = (cpuTop - cpuOne) / (GOAL_READERS - 1);
    const cores = availableParallelism();
    console.log(`  host CPU: ${perCard.toFixed(2)} CPU-s per added card (${cpuOne.toFixed(1)} for one reader, ${cpuTop.toFixed(1)} for ${GOAL_READERS}); ` +
      `${GOAL_READERS} cards keep ${cores} core(s) busy ${(cpuTop / cores).toFixed(1)} s of the ${wall.get(GOAL_READERS)!.toFixed(1)} s run, against T(1) = ${wall.get(1)!.toFixed(1)} s`);
  }
  const variantsDir = join(repoRoot, 'profiles', 'emulated', 'variants');
  // Every variant there (the goal was set for five; next-gen.yaml made six): the count printed is the count run.
  const count = (await readdir(variantsDir)).filter((f) => f.endsWith('.yaml')).length;
  const p = await timedRun([join(variantsDir, '*.yaml')], ['portability'], join(dir, 'out-portability'));
  // Variant D's finding (its instance does not fit) fails the run by design: exit 1 is its expected outcome.
  console.log(`  portability: ${count} variants at once in ${p.seconds.toFixed(1)} s, ${cpuText(p.cpu)} (exit ${p.code}; 1 is expected: variant D's finding); load average ${load()}`);
  const top = (GOAL_READERS * wall.get(1)!) / wall.get(GOAL_READERS)!;
  console.log(`rack: speedup ${GOAL_READERS} readers ${top.toFixed(2)} (goal ${(0.85 * GOAL_READERS).toFixed(2)}); portability ${count} variants ${p.seconds.toFixed(1)} s (goal 20 s)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
