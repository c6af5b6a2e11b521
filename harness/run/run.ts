// `simcert run`: everything is checked before anything is deleted or a card is touched (arguments, profiles, the
// machine: PC/SC and readers, a JDK, an output folder that can be written), then the cards of the rack run side by
// side (work.ts: one item per card, `--shard` takes this host's share; waves.ts: cards that share a reader wait for
// each other; run-card.ts: the cards in one vitest, up to `--jobs` at once, each card's suites in order) into one
// staging folder; the reports are built once from all results (report/build.ts), and only a finished run replaces
// the previous report.
// Ctrl-C stops vitest and everything it started (one process group), keeps the partial results as a report marked
// interrupted under <out>/interrupted/, and leaves the last complete report alone.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { checkProfiles, formatProblem, loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { unverifiedNote } from '../profile/verified.ts';
import { generateReport } from '../report/allure.ts';
import { buildReports } from '../report/build.ts';
import { PORTABILITY_SUITES } from '../report/portability.ts';
import { buildLab } from '../sim/build.ts';
import { EXIT, UsageError } from './errors.ts';
import { writeEvidence } from './evidence.ts';
import { inWaves } from './waves.ts';
import { checkEnvironment, needsJdk } from './preflight.ts';
import { runCards, suitesInFlight, type CardProgress } from './run-card.ts';
import { carryHistory, createStaging, discard, keepInterrupted, promote, type Staging } from './staging.ts';
import { ACCEPT_LOCK_RISK_ENV, knownSuites } from './suites.ts';
import { checkCount, conflicts, itemsFromProfiles, itemsFromReaders, shardOf, type Shard, type WorkItem } from './work.ts';
import { ensureWritableDir, ensureWritableFile, replaceFile } from './write-paths.ts';

export { UsageError } from './errors.ts';

export interface RunOptions {
  profiles: string[];
  suites?: string[];
  out: string;
  /** --junit FILE: also write the run's verdicts as JUnit XML there, when (and only when) the run finishes. */
  junit?: string;
  /**
   * --no-report: false. The results, the traceability and portability matrices and the JUnit file are written, the
   * Allure HTML is not (a CI matrix's shard jobs, whose merge job builds it: `simcert report merge`).
   */
  report?: boolean;
  /** --evidence FILE.zip: also pack the finished run into an evidence bundle with a SHA-256 manifest (report/evidence.ts). */
  evidence?: string;
  /** Where progress and problems go (the CLI passes console output). */
  log: (line: string) => void;
  /** The suites' own test-runner output: shown (default) or dropped. */
  runnerOutput?: 'show' | 'drop';
  /** --i-know-the-card-may-lock: authenticate even to cards with failed authentications on record. */
  acceptLockRisk?: boolean;
  /** --jobs N: at most N cards at once (default: every card at once). */
  jobs?: number;
  /** --workers N: the worker processes the cards share (default: one per CPU core, at most `jobs`). */
  workers?: number;
  /** --shard i/n: this host's deterministic share of the cards (harness/run/work.ts: shardOf). */
  shard?: Shard;
  /** --readers all: run every inserted card its profile matches by ATR and ICCID, on the reader it is in. */
  readers?: 'all';
  /** Aborted on Ctrl-C / SIGTERM (its reason: the signal's name): the run stops and keeps what it has, marked interrupted. */
  signal?: AbortSignal;
}

/** Expands FILE|GLOB arguments; a pattern that matches nothing is an error, not a silent no-op. */
export async function expandProfileArgs(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const a of args) {
    if (/[*?[{]/.test(a)) {
      const hits = (await glob(a, { absolute: true, onlyFiles: true })).sort();
      if (hits.length === 0) throw new UsageError(`--profile ${a}: the pattern matches no file`);
      files.push(...hits);
    } else {
      files.push(resolve(a));
    }
  }
  return [...new Set(files)];
}

export async function runSuites(opts: RunOptions): Promise<number> {
  if (opts.profiles.length === 0) throw new UsageError('--profile: give at least one profile file or glob');
  const files = await expandProfileArgs(opts.profiles);
  const suitesAvailable = await knownSuites();
  for (const s of opts.suites ?? []) {
    if (!suitesAvailable.includes(s) && s !== 'portability') {
      throw new UsageError(`--suite ${s}: no such suite (suites: ${[...suitesAvailable, 'portability'].join(', ')})`);
    }
  }
  if (opts.jobs !== undefined) checkCount('--jobs', opts.jobs);
  if (opts.workers !== undefined) checkCount('--workers', opts.workers);
  // `portability` runs the install, personalization and signing suites on every profile and writes the matrix.
  const portability = opts.suites?.includes('portability') === true;
  const requested = opts.suites?.flatMap((s) => (s === 'portability' ? [...PORTABILITY_SUITES] : [s]));
  const suitesToRun = requested ? [...new Set(requested)] : undefined;
  const checked = await checkProfiles(files, { knownSuites: suitesAvailable });
  const problems = checked.flatMap((c) => c.problems);
  if (problems.length > 0) {
    for (const p of problems) opts.log(formatProblem(p));
    opts.log(`${problems.length} problem(s) in the profile(s); no card was touched.`);
    return EXIT.usage;
  }
  const profiles: Profile[] = [];
  for (const f of files) profiles.push(await loadProfile(f, { knownSuites: suitesAvailable }));
  await checkEnvironment(profiles);
  const out = await ensureWritableDir(opts.out, 'reports');
  const junit = opts.junit === undefined ? undefined : await ensureWritableFile(opts.junit, 'the JUnit XML');
  const evidence = opts.evidence === undefined ? undefined : await ensureWritableFile(opts.evidence, 'the evidence bundle');
  // The rack's work: one item per card, then this host's share of it (work.ts).
  const planned = opts.readers === 'all' ? await itemsInReaders(profiles, opts.log) : itemsFromProfiles(profiles);
  const items = opts.shard ? shardOf(planned, opts.shard) : planned;
  if (opts.shard) opts.log(`shard ${opts.shard.index}/${opts.shard.count}: ${items.length} of ${planned.length} card(s): ${items.map((i) => i.profile.name).join(', ') || 'none'}`);
  // Built once here, before the cards start: their suites then find the classes up to date instead of racing javac.
  if (items.some((i) => needsJdk(i.profile))) await buildLab();
  if (opts.signal?.aborted) return EXIT.interrupted;

  const staging = await createStaging(out);
  // vitest (and the simulators) leave temporary folders behind when they are stopped; all of them go in here.
  const tmp = await mkdtemp(join(tmpdir(), 'simcert-run-'));
  const inFlight = new Set<CardProgress>();
  const notStarted = new Set(items);
  let failed = false;
  let junitText: string | undefined;
  try {
    const env: Record<string, string> = opts.acceptLockRisk ? { [ACCEPT_LOCK_RISK_ENV]: '1' } : {};
    const cards = items.flatMap((item) => {
      const suites = suitesToRun ?? item.profile.suites;
      if (suites.length === 0) opts.log(`${relative(process.cwd(), item.profile.file)}: enables no suites; nothing to run`);
      const progress: CardProgress = { item };
      return suites.length === 0 ? [] : [{ item, suites, progress }];
    });
    for (const item of items) if (!cards.some((c) => c.item === item)) notStarted.delete(item);
    // Cards that need the same reader wait for each other; all others run side by side in one vitest (waves.ts).
    for (const wave of inWaves(cards, (a, b) => conflicts(a.item, b.item))) {
      if (opts.signal?.aborted) break;
      for (const c of wave) {
        notStarted.delete(c.item);
        inFlight.add(c.progress);
        opts.log(`\n== ${c.item.profile.name} (${relative(process.cwd(), c.item.profile.file)}${c.item.reader ? `, reader "${c.item.reader}"` : ''}): ${c.suites.join(', ')}`);
        const unverified = unverifiedNote(c.item.profile);
        if (unverified) opts.log(unverified);
      }
      try {
        const jobs = Math.max(1, Math.min(opts.jobs ?? wave.length, wave.length));
        const passed = await runCards({ cards: wave, jobs, workers: opts.workers ?? availableParallelism(), resultsDir: staging.resultsDir, tmp, env, output: opts.runnerOutput === 'drop' ? 'drop' : 'show', signal: opts.signal });
        if (!passed) failed = true;
      } catch (err) {
        // A wave that could not even start (no vitest, no temporary folder) fails the run; the next goes on.
        failed = true;
        opts.log(`simcert: ${wave.map((c) => c.item.profile.name).join(', ')}: ${(err as Error).message ?? String(err)}`);
      } finally {
        if (!opts.signal?.aborted) for (const c of wave) inFlight.delete(c.progress);
      }
    }
    if (opts.signal?.aborted) return await keepPartial(staging, out, [...inFlight], [...notStarted], opts);
    try {
      // The one place a run's reports are built from its results (shared with `simcert report merge`).
      ({ junitText } = await buildReports({
        resultsDir: staging.resultsDir, reportDir: staging.reportDir, html: opts.report !== false, outDir: staging.dir, portability, profiles, junit: junit !== undefined,
        // Carried over even without a report: promote() replaces it, and the earlier runs' record must survive.
        history: await carryHistory(staging, out),
      }));
    } catch (err) {
      // Ctrl-C reaches the Allure CLI too (same terminal process group): the partial-report path says what happened.
      if (opts.signal?.aborted) return await keepPartial(staging, out, [...inFlight], [...notStarted], opts);
      opts.log((err as Error).message);
      opts.log(`no report written; the previous report in ${shown(out)} is unchanged`);
      await discard(staging);
      return EXIT.failed;
    }
    // Interrupted while the report was rendered: the user asked to stop, so the last complete report stays.
    if (opts.signal?.aborted) return await keepPartial(staging, out, [...inFlight], [...notStarted], opts);
    await promote(staging, out);
    if (opts.report === false) {
      opts.log(`\nAllure results: ${shown(join(out, 'allure-results'))}/ (no HTML report: --no-report; \`simcert report merge ${shown(out)} --out DIR\` builds one)`);
    } else {
      opts.log(`\nAllure report: ${shown(join(out, 'allure-report', 'index.html'))}`);
    }
    opts.log(`Traceability matrix: ${shown(join(out, 'traceability.html'))} and ${shown(join(out, 'traceability.md'))}`);
    if (junit && junitText !== undefined) {
      // Replaced whole: an importer never reads a half-written file.
      await replaceFile(junit, junitText, 'the JUnit XML');
      opts.log(`JUnit XML: ${shown(junit)}`);
    }
    if (portability) opts.log(`Portability matrix: ${shown(join(out, 'portability.html'))} and ${shown(join(out, 'portability.md'))}`);
    if (evidence) await writeEvidence(evidence, out, profiles, junit, opts.log);
    return failed ? EXIT.failed : EXIT.ok;
  } catch (err) {
    await discard(staging);
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `--readers all`: the inserted cards, each matched to its profile by ATR and ICCID (harness/card/find-card.ts). */
async function itemsInReaders(profiles: Profile[], log: (line: string) => void): Promise<WorkItem[]> {
  const real = profiles.some((p) => p.ixit.transport === 'pcsc' && p.sim?.vpcdReaders === undefined);
  // Loaded only here: the binding is optional and only real cards need it.
  const cards = real ? await (await import('../card/find-card.ts')).surveyReaders() : [];
  const { profileMatches } = await import('../card/find-card.ts');
  const { items, skipped } = itemsFromReaders(profiles, cards, profileMatches);
  for (const s of skipped) log(`--readers all: ${s}`);
  return items;
}

function shown(p: string): string {
  return relative(process.cwd(), p) || p;
}

/** Java-style .properties value: one line, backslash and the separators escaped. */
function propertiesValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/[\r\n]+/g, ' ').replace(/([=:])/g, '\\$1');
}

/** What one card was doing when the run was interrupted. */
async function describe(c: CardProgress): Promise<string> {
  const p = c.item.profile;
  const { started, suite, finished } = await suitesInFlight(c);
  return `profile "${p.name}" (${shown(p.file)})${c.item.reader ? ` in "${c.item.reader}"` : ''}` +
    (suite ? `, suite ${suite} (finished before it: ${finished.length > 0 ? finished.join(', ') : 'none'})` : started ? ', between suites' : ', before its first suite');
}

/** The interrupted run's results become a report marked interrupted in <out>/interrupted/; the last complete one stays. */
async function keepPartial(staging: Staging, out: string, inFlight: CardProgress[], notStarted: WorkItem[], opts: RunOptions): Promise<number> {
  const signal = typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'an interruption';
  const what = (inFlight.length > 0 ? (await Promise.all(inFlight.map(describe))).join('; ') : 'before the first suite started') +
    (notStarted.length > 0 && inFlight.length > 0 ? `; not started: ${notStarted.map((i) => `"${i.profile.name}"`).join(', ')}` : '');
  opts.log(`simcert: interrupted by ${signal} during ${what}; the test run and everything it started were stopped`);
  const note = `INTERRUPTED by ${signal} during ${what}: partial results, not a complete report`;
  // Added to what the suites' reporter wrote there (simcert and node versions, OS), shown under Environment.
  const env = join(staging.resultsDir, 'environment.properties');
  const earlier = await readFile(env, 'utf8').catch(() => '');
  await writeFile(env, `run=${propertiesValue(note)}\n${earlier.split('\n').filter((l) => l !== '' && !l.startsWith('run=')).map((l) => `${l}\n`).join('')}`);
  await writeFile(join(staging.dir, 'INTERRUPTED.txt'), `${note}\nstopped at ${new Date().toISOString()}\n`);
  if (opts.report !== false) {
    try {
      await generateReport(staging.resultsDir, staging.reportDir);
    } catch (err) {
      opts.log(`no partial report: ${(err as Error).message}`);
    }
  }
  const kept = await keepInterrupted(staging, out);
  opts.log(`partial results (marked interrupted): ${shown(kept)}/; the last complete report in ${shown(out)} is unchanged`);
  return EXIT.interrupted;
}
