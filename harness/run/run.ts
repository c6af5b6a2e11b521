// `simcert run`: validate every profile first (nothing touches a card until all input is good), run the suites
// each profile enables through vitest, one profile at a time, then render the Allure report.
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { checkProfiles, formatProblem, loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { repoRoot } from '../paths.ts';
import { generateReport } from '../report/allure.ts';
import { PORTABILITY_SUITES, writePortabilityReport } from '../report/portability.ts';
import { knownSuites, suiteFile } from './suites.ts';

export interface RunOptions {
  profiles: string[];
  suites?: string[];
  out: string;
  /** Where progress and problems go (the CLI passes console output). */
  log: (line: string) => void;
  /** The suites' own test-runner output: shown (default) or dropped. */
  runnerOutput?: 'show' | 'drop';
  /** --i-know-the-card-may-lock: authenticate even to cards with failed authentications on record. */
  acceptLockRisk?: boolean;
}

export class UsageError extends Error {}

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
    return 2;
  }
  const profiles: Profile[] = [];
  for (const f of files) profiles.push(await loadProfile(f, { knownSuites: suitesAvailable }));

  const out = resolve(opts.out);
  const resultsDir = join(out, 'allure-results');
  const reportDir = join(out, 'allure-report');
  // Old results would show up as retries of this run's tests.
  await rm(resultsDir, { recursive: true, force: true });
  await mkdir(resultsDir, { recursive: true });

  let failed = false;
  for (const profile of profiles) {
    const suites = suitesToRun ?? profile.suites;
    if (suites.length === 0) {
      opts.log(`${relative(process.cwd(), profile.file)}: enables no suites; nothing to run`);
      continue;
    }
    opts.log(`\n== ${profile.name} (${relative(process.cwd(), profile.file)}): ${suites.join(', ')}`);
    const env: Record<string, string> = { SIMCERT_PROFILE: profile.file, SIMCERT_ALLURE_RESULTS: resultsDir };
    if (opts.acceptLockRisk) env[ACCEPT_LOCK_RISK_ENV] = '1';
    const code = await runVitest(suites.map(suiteFile), env,
      opts.runnerOutput ?? 'show');
    if (code !== 0) failed = true;
  }
  try {
    const index = await generateReport(resultsDir, reportDir);
    opts.log(`\nAllure report: ${relative(process.cwd(), index)}`);
    if (portability) {
      const m = await writePortabilityReport(resultsDir, out);
      opts.log(`Portability matrix: ${relative(process.cwd(), m.html)} and ${relative(process.cwd(), m.md)}`);
    }
  } catch (err) {
    opts.log((err as Error).message);
    return 1;
  }
  return failed ? 1 : 0;
}

function runVitest(files: string[], env: Record<string, string>, output: 'show' | 'drop'): Promise<number> {
  // vitest exports no path to its CLI; it sits beside its package.json.
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  return new Promise((resolveCode, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', join(repoRoot, 'suites', 'vitest.config.ts'), ...files], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: output === 'show' ? 'inherit' : 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
  });
}
