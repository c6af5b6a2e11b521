// `simcert run`: everything is checked before anything is deleted or a card is touched (arguments, profiles, the
// machine: PC/SC and readers, a JDK, an output folder that can be written), then the suites each profile enables run
// through vitest, one vitest per suite and profile, into a staging folder; only a finished run replaces the
// previous report.
// Ctrl-C stops vitest and everything it started (one process group), keeps the partial results as a report marked
// interrupted under <out>/interrupted/, and leaves the last complete report alone.
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { checkProfiles, formatProblem, loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { unverifiedNote } from '../profile/verified.ts';
import { repoRoot } from '../paths.ts';
import { generateReport } from '../report/allure.ts';
import { junitCases, junitXml } from '../report/junit.ts';
import { PORTABILITY_SUITES, writePortabilityReport } from '../report/portability.ts';
import { writeTraceability } from '../report/traceability.ts';
import { EXIT, UsageError } from './errors.ts';
import { writeEvidence } from './evidence.ts';
import { checkEnvironment } from './preflight.ts';
import { spawnGroup } from './process-group.ts';
import { carryHistory, createStaging, discard, keepInterrupted, promote, type Staging } from './staging.ts';
import { inRunOrder, knownSuites, OUTCOMES_ENV, suiteFile } from './suites.ts';
import { ensureWritableDir, ensureWritableFile, writeOutput } from './write-paths.ts';

export { UsageError } from './errors.ts';

export interface RunOptions {
  profiles: string[];
  suites?: string[];
  out: string;
  /** --junit FILE: also write the run's verdicts as JUnit XML there, when (and only when) the run finishes. */
  junit?: string;
  /** --evidence FILE.zip: also pack the finished run into an evidence bundle with a SHA-256 manifest (report/evidence.ts). */
  evidence?: string;
  /** Where progress and problems go (the CLI passes console output). */
  log: (line: string) => void;
  /** The suites' own test-runner output: shown (default) or dropped. */
  runnerOutput?: 'show' | 'drop';
  /** --i-know-the-card-may-lock: authenticate even to cards with failed authentications on record. */
  acceptLockRisk?: boolean;
  /** Aborted on Ctrl-C / SIGTERM (its reason: the signal's name): the run stops and keeps what it has, marked interrupted. */
  signal?: AbortSignal;
}

/** Set for the suites when the engineer accepts authenticating to a card with failures on record. */
export const ACCEPT_LOCK_RISK_ENV = 'SIMCERT_ACCEPT_LOCK_RISK';

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
  if (opts.signal?.aborted) return EXIT.interrupted;

  const staging = await createStaging(out);
  // vitest (and the simulators) leave temporary folders behind when they are stopped; all of them go in here.
  const tmp = await mkdtemp(join(tmpdir(), 'simcert-run-'));
  let current: InFlight | undefined;
  let failed = false;
  let junitText: string | undefined;
  try {
    for (const profile of profiles) {
      if (opts.signal?.aborted) break;
      const suites = suitesToRun ?? profile.suites;
      if (suites.length === 0) {
        opts.log(`${relative(process.cwd(), profile.file)}: enables no suites; nothing to run`);
        continue;
      }
      opts.log(`\n== ${profile.name} (${relative(process.cwd(), profile.file)}): ${suites.join(', ')}`);
      const unverified = unverifiedNote(profile);
      if (unverified) opts.log(unverified);
      // One card's suites share the record of which tests passed, so a test in a later suite is blocked by the
      // failure in an earlier one (suites/support/outcomes.ts) even though each suite is a vitest of its own.
      const outcomes = await mkdtemp(join(tmp, 'outcomes-'));
      const env: Record<string, string> = {
        SIMCERT_PROFILE: profile.file, SIMCERT_ALLURE_RESULTS: staging.resultsDir, TMPDIR: tmp, [OUTCOMES_ENV]: outcomes,
      };
      if (opts.acceptLockRisk) env[ACCEPT_LOCK_RISK_ENV] = '1';
      // One vitest per suite: the Allure reporter writes its results when vitest finishes, so this way the suites
      // that finished are on disk when a run is interrupted, and the message can name the suite in flight.
      const ordered = inRunOrder(suites);
      for (const [i, suite] of ordered.entries()) {
        if (opts.signal?.aborted) break;
        current = { profile, suite, finished: ordered.slice(0, i) };
        const code = await runVitest([suiteFile(suite)], env, opts.runnerOutput ?? 'show', opts.signal);
        if (code !== 0) failed = true;
      }
    }
    if (opts.signal?.aborted) return await keepPartial(staging, out, current, opts);
    try {
      await generateReport(staging.resultsDir, staging.reportDir, await carryHistory(staging, out));
      await writeTraceability([staging.resultsDir], staging.dir);
      if (portability) await writePortabilityReport(staging.resultsDir, staging.dir);
      if (junit) junitText = junitXml(await junitCases(staging.resultsDir, profiles));
    } catch (err) {
      // Ctrl-C reaches the Allure CLI too (same terminal process group): the partial-report path says what happened.
      if (opts.signal?.aborted) return await keepPartial(staging, out, current, opts);
      opts.log((err as Error).message);
      opts.log(`no report written; the previous report in ${shown(out)} is unchanged`);
      await discard(staging);
      return EXIT.failed;
    }
    // Interrupted while the report was rendered: the user asked to stop, so the last complete report stays.
    if (opts.signal?.aborted) return await keepPartial(staging, out, current, opts);
    await promote(staging, out);
    opts.log(`\nAllure report: ${shown(join(out, 'allure-report', 'index.html'))}`);
    opts.log(`Traceability matrix: ${shown(join(out, 'traceability.html'))} and ${shown(join(out, 'traceability.md'))}`);
    if (junit && junitText !== undefined) {
      // Beside the target, then renamed over it: an importer never reads a half-written file.
      const part = `${junit}.${process.pid}.part`;
      await writeOutput(part, junitText, 'the JUnit XML');
      await rename(part, junit);
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

/** What a run was doing when it was interrupted. */
interface InFlight {
  profile: Profile;
  suite: string;
  /** The profile's suites that had finished before it. */
  finished: string[];
}

function shown(p: string): string {
  return relative(process.cwd(), p) || p;
}

/** Java-style .properties value: one line, backslash and the separators escaped. */
function propertiesValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/[\r\n]+/g, ' ').replace(/([=:])/g, '\\$1');
}

/** The interrupted run's results become a report marked interrupted in <out>/interrupted/; the last complete one stays. */
async function keepPartial(staging: Staging, out: string, current: InFlight | undefined, opts: RunOptions): Promise<number> {
  const signal = typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'an interruption';
  const what = current
    ? `profile "${current.profile.name}" (${shown(current.profile.file)}), suite ${current.suite}` +
      ` (finished before it: ${current.finished.length > 0 ? current.finished.join(', ') : 'none'})`
    : 'before the first suite started';
  opts.log(`simcert: interrupted by ${signal} during ${what}; the test run and everything it started were stopped`);
  const note = `INTERRUPTED by ${signal} during ${what}: partial results, not a complete report`;
  // Added to what the suites' reporter wrote there (simcert and node versions, OS), shown under Environment.
  const env = join(staging.resultsDir, 'environment.properties');
  const earlier = await readFile(env, 'utf8').catch(() => '');
  await writeFile(env, `run=${propertiesValue(note)}\n${earlier.split('\n').filter((l) => l !== '' && !l.startsWith('run=')).map((l) => `${l}\n`).join('')}`);
  await writeFile(join(staging.dir, 'INTERRUPTED.txt'), `${note}\nstopped at ${new Date().toISOString()}\n`);
  try {
    await generateReport(staging.resultsDir, staging.reportDir);
  } catch (err) {
    opts.log(`no partial report: ${(err as Error).message}`);
  }
  const kept = await keepInterrupted(staging, out);
  opts.log(`partial results (marked interrupted): ${shown(kept)}/; the last complete report in ${shown(out)} is unchanged`);
  return EXIT.interrupted;
}

function runVitest(files: string[], env: Record<string, string>, output: 'show' | 'drop', signal: AbortSignal | undefined): Promise<number> {
  // vitest exports no path to its CLI; it sits beside its package.json.
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  const run = spawnGroup(process.execPath, [vitest, 'run', '--config', join(repoRoot, 'suites', 'vitest.config.ts'), ...files], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', output === 'show' ? 'inherit' : 'ignore', output === 'show' ? 'inherit' : 'ignore'],
  });
  const onAbort = (): void => void run.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return run.exited.finally(() => signal?.removeEventListener('abort', onAbort));
}
