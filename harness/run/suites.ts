// The suites the harness knows: one vitest file per suite under suites/, named by its file name.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

export const suitesDir = join(repoRoot, 'suites');
const SUFFIX = '.test.ts';

export async function knownSuites(): Promise<string[]> {
  const entries = await readdir(suitesDir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(SUFFIX)).map((e) => e.name.slice(0, -SUFFIX.length)).sort();
}

export function suiteFile(name: string): string {
  return join(suitesDir, `${name}${SUFFIX}`);
}

/** Set for the suites when the engineer accepts authenticating to a card with failures on record. */
export const ACCEPT_LOCK_RISK_ENV = 'SIMCERT_ACCEPT_LOCK_RISK';

/** The folder where one card's test outcomes are kept across its suites (suites/support/outcomes-setup.ts). */
export const OUTCOMES_ENV = 'SIMCERT_OUTCOMES';

/** In a card's outcomes folder: one JSON line per suite start and end (suites/support/suite-reporter.ts). */
export const SUITE_PROGRESS = 'suite-progress.jsonl';

/**
 * Suites that others depend on (a test's `dependsOn: 'suite › title'`, suites/support/outcomes.ts), first to last;
 * they run before the rest on one card, so a blocked test can name the test that blocked it.
 */
export const RUNS_FIRST: readonly string[] = ['applet-install'];

/** The order the suites run in on one card: RUNS_FIRST, then the rest by name, the same every run. */
export function inRunOrder(suites: readonly string[]): string[] {
  const rank = (s: string): number => {
    const i = RUNS_FIRST.indexOf(s);
    return i === -1 ? RUNS_FIRST.length : i;
  };
  return [...suites].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
