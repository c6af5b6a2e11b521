// One card's share of `simcert run`: the suites its profile enables, in run order, in one vitest, all writing into
// the run's shared Allure results folder. Everything the card's suites need to know arrives in their environment
// (profile, results folder, outcomes folder, the reader the rack found the card in, the labels that tell this card's
// results from the others'), so cards run side by side without sharing anything else. With several cards at once,
// each line of the suites' output is prefixed with the card's profile name.
import { createRequire } from 'node:module';
import { mkdtemp, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../paths.ts';
import { spawnGroup } from './process-group.ts';
import { inRunOrder, OUTCOMES_ENV, SUITE_PROGRESS, suiteFile } from './suites.ts';
import { itemLabels, type WorkItem } from './work.ts';

/** The reader `--readers all` found the card in; the suites use it instead of the profile's ixit.reader. */
export const READER_ENV = 'SIMCERT_READER';
/** JSON object of Allure labels every result of the card carries (suites/vitest.config.ts: globalLabels). */
export const LABELS_ENV = 'SIMCERT_RUN_LABELS';

/** A card in flight, for the interruption message. */
export interface CardProgress {
  item: WorkItem;
  /** The card's outcomes folder, where its vitest notes which suite runs (suitesInFlight). */
  outcomes?: string;
}

export interface CardRun {
  item: WorkItem;
  suites: string[];
  /** The run's staging results folder, shared by every card (Allure names results by UUID). */
  resultsDir: string;
  /** The run's temporary folder (vitest and the simulators put theirs inside). */
  tmp: string;
  /** Added to the suites' environment (e.g. SIMCERT_ACCEPT_LOCK_RISK). */
  env: Record<string, string>;
  output: 'show' | 'prefix' | 'drop';
  signal: AbortSignal | undefined;
  progress: CardProgress;
}

/** Runs the card's suites; resolves true when every suite passed. Stops (false) once the signal is aborted. */
export async function runCard(c: CardRun): Promise<boolean> {
  // One card's suites share the record of which tests passed, so a test in a later suite is blocked by the
  // failure in an earlier one (suites/support/outcomes.ts) even though each suite is a vitest of its own.
  const outcomes = await mkdtemp(join(c.tmp, 'outcomes-'));
  const env: Record<string, string> = {
    SIMCERT_PROFILE: c.item.profile.file, SIMCERT_ALLURE_RESULTS: c.resultsDir, TMPDIR: c.tmp, [OUTCOMES_ENV]: outcomes,
    [LABELS_ENV]: JSON.stringify(itemLabels(c.item)), ...c.env,
  };
  if (c.item.reader !== undefined) env[READER_ENV] = c.item.reader;
  // One vitest for the card's suites (started once, not once per suite); each suite's results are written as it
  // ends (suites/support/suite-reporter.ts), so an interrupted run keeps those of the suites that finished.
  c.progress.outcomes = outcomes;
  const ordered = inRunOrder(c.suites);
  if (c.signal?.aborted) return false;
  const code = await runVitest(ordered.map(suiteFile), env, c.output, c.item.profile.name, c.signal);
  return code === 0;
}

/** Which of the card's suites is running and which have finished, from its vitest's progress notes. */
export async function suitesInFlight(c: CardProgress): Promise<{ suite?: string; finished: string[] }> {
  if (!c.outcomes) return { finished: [] };
  const text = await readFile(join(c.outcomes, SUITE_PROGRESS), 'utf8').catch(() => '');
  const finished: string[] = [];
  let suite: string | undefined;
  for (const line of text.split('\n').slice(0, -1)) {
    const e = JSON.parse(line) as { start?: string; end?: string };
    if (e.start) suite = e.start;
    if (e.end) {
      finished.push(e.end);
      if (suite === e.end) suite = undefined;
    }
  }
  return { ...(suite ? { suite } : {}), finished };
}

function runVitest(files: string[], env: Record<string, string>, output: CardRun['output'], name: string, signal: AbortSignal | undefined): Promise<number> {
  // vitest exports no path to its CLI; it sits beside its package.json.
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  const piped = output === 'prefix' ? 'pipe' : output === 'show' ? 'inherit' : 'ignore';
  const run = spawnGroup(process.execPath, [vitest, 'run', '--config', join(repoRoot, 'suites', 'vitest.config.ts'), ...files], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', piped, piped],
  });
  if (output === 'prefix') {
    for (const [stream, to] of [[run.child.stdout, process.stdout], [run.child.stderr, process.stderr]] as const) {
      if (stream) createInterface({ input: stream }).on('line', (l) => to.write(`[${name}] ${l}\n`));
    }
  }
  const onAbort = (): void => void run.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return run.exited.finally(() => signal?.removeEventListener('abort', onAbort));
}
