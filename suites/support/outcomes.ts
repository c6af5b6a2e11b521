// Which tests of this run passed, so that a test whose precondition failed is recorded as skipped, "blocked by
// <suite> › <test>", instead of failing again for the same reason: one root cause is one red cell, and its
// dependents say why they did not run. A test declares what it needs with `dependsOn` (a title in its own suite,
// or `suite › title` in a suite that runs before it, see suite-order.ts). Outcomes live in a file in the card's own
// folder (`simcert run` gives each card one, this-card.ts), or by hand in the one outcomes-setup.ts makes for the
// vitest run, where each suite file runs in a worker of its own. A worker running several cards has one instance
// of this module per card, so its records below are the card's own.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { OUTCOMES_ENV } from '../../harness/run/suites.ts';
import { cardEnv } from './this-card.ts';

const env = cardEnv();

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder where this run's test outcomes are kept (outcomes-setup.ts). */
    simcertOutcomes: string;
  }
}

export type Outcome = 'passed' | 'failed' | 'blocked' | 'not run';

interface Entry {
  /** `suite › title` */
  ref: string;
  outcome: Outcome;
  /** For blocked and not-run tests: the test, or the reason, that kept it from running. */
  because?: string;
}

/** Separates a suite from a test title in a reference, as Allure and vitest print them. */
export const SEPARATOR = ' › ';

/** The test a dependency names, as `suite › title`; a title alone is in the depending test's own suite. */
export function testRef(suite: string, dependency: string): string {
  return dependency.includes(SEPARATOR) ? dependency : `${suite}${SEPARATOR}${dependency}`;
}

// Outcomes of this card's suites in this worker, and titles registered so far (to catch a misspelled dependency).
const local = new Map<string, Entry>();
const registered = new Set<string>();

function outcomesFile(): string | undefined {
  // Undefined when the suites run under another config than suites/vitest.config.ts (the file then is alone).
  // The card's own folder under `simcert run`; by hand, the run's (outcomes-setup.ts).
  const dir = env[OUTCOMES_ENV] ?? (inject('simcertOutcomes') as string | undefined);
  return dir ? join(dir, 'outcomes.jsonl') : undefined;
}

function readShared(): Map<string, Entry> {
  const file = outcomesFile();
  const all = new Map<string, Entry>();
  if (!file) return all;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const line of text.split('\n')) {
    if (line) {
      const e = JSON.parse(line) as Entry;
      all.set(e.ref, e);
    }
  }
  return all;
}

/**
 * Called when a test is declared (collection time): a dependency on a test of the same suite must name one
 * declared before it, so a misspelled title fails the suite at once instead of never blocking anything.
 */
export function declareTest(suite: string, title: string, dependsOn: readonly string[]): void {
  for (const d of dependsOn) {
    const ref = testRef(suite, d);
    if (ref.startsWith(`${suite}${SEPARATOR}`) && !registered.has(ref)) {
      throw new Error(`${suite}${SEPARATOR}${title}: dependsOn "${d}" names no test declared before it in ${suite}`);
    }
  }
  registered.add(testRef(suite, title));
}

export function recordOutcome(suite: string, title: string, outcome: Outcome, because?: string): void {
  const e: Entry = { ref: testRef(suite, title), outcome, ...(because ? { because } : {}) };
  local.set(e.ref, e);
  const file = outcomesFile();
  if (file) appendFileSync(file, `${JSON.stringify(e)}\n`);
}

/**
 * Undefined when every dependency passed or did not run in this run (a suite run on its own has nothing to
 * wait for); otherwise the test that blocks this one: the failed dependency itself, or, for a dependency that
 * was blocked in turn, the failed test at the root of the chain.
 */
export function blockedBy(suite: string, dependsOn: readonly string[]): string | undefined {
  let shared: Map<string, Entry> | undefined;
  for (const d of dependsOn) {
    const ref = testRef(suite, d);
    const e = local.get(ref) ?? (shared ??= readShared()).get(ref);
    if (!e || e.outcome === 'passed') continue;
    if (e.outcome === 'failed') return ref;
    if (e.outcome === 'blocked') return e.because ?? ref;
    return `${ref} (which did not run: ${e.because ?? 'skipped'})`;
  }
  return undefined;
}
