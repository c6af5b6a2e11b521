// The cards' share of `simcert run`: one vitest for a set of cards that may run side by side, the cards shared out
// among a few workers that each run several at once, each card's suites in order (harness/run/card-plan.ts;
// suites/vitest.config.ts), all writing into the run's shared Allure results folder. Everything a card's suites need
// to know is in the plan: its environment (profile, the reader the rack found the card in, outcomes folder, suites)
// and its labels, so cards share the vitest and the worker and nothing else. One vitest for the rack rather than one
// per card, and a worker for several cards: on a small host, eight start-ups cost more than the cards' own work
// (issue 20).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, vitestCli } from '../paths.ts';
import { CARD_SUITES_ENV, PLAN_ENV, projectNames, shareCards, type CardPlan, type RunPlan } from './card-plan.ts';
import { spawnGroup } from './process-group.ts';
import { inRunOrder, OUTCOMES_ENV, SUITE_PROGRESS } from './suites.ts';
import { itemLabels, type WorkItem } from './work.ts';

/** The reader `--readers all` found the card in; the suites use it instead of the profile's ixit.reader. */
export const READER_ENV = 'SIMCERT_READER';

/** A card in flight, for the interruption message. */
export interface CardProgress {
  item: WorkItem;
  /** The card's outcomes folder, where the reporter notes which suite runs (suitesInFlight). */
  outcomes?: string;
}

export interface CardsRun {
  /** Cards that may run at the same time (none needs what another has: work.ts, conflicts), each with its suites. */
  cards: { item: WorkItem; suites: string[]; progress: CardProgress }[];
  /** How many of them run at once (`--jobs`, at most the number of cards). */
  jobs: number;
  /** How many worker processes share them (`--workers`; card-plan.ts: shareCards). */
  workers: number;
  /** The run's staging results folder, shared by every card (Allure names results by UUID). */
  resultsDir: string;
  /** The run's temporary folder (vitest and the simulators put theirs inside). */
  tmp: string;
  /** Added to the suites' environment (e.g. SIMCERT_ACCEPT_LOCK_RISK). */
  env: Record<string, string>;
  output: 'show' | 'drop';
  signal: AbortSignal | undefined;
}

/** Runs the cards' suites in one vitest; resolves true when every suite of every card passed. Stops (false) on abort. */
export async function runCards(r: CardsRun): Promise<boolean> {
  const names = projectNames(r.cards.map((c) => c.item.profile.name + (c.item.reader ? ` in ${c.item.reader}` : '')));
  const cards: CardPlan[] = [];
  for (const [k, c] of r.cards.entries()) {
    // One card's suites share the record of which tests passed, so a test in a later suite is blocked by the
    // failure in an earlier one (suites/support/outcomes.ts).
    const outcomes = await mkdtemp(join(r.tmp, 'outcomes-'));
    c.progress.outcomes = outcomes;
    const suites = inRunOrder(c.suites);
    cards.push({
      project: names[k]!,
      env: {
        SIMCERT_PROFILE: c.item.profile.file, [OUTCOMES_ENV]: outcomes, [CARD_SUITES_ENV]: suites.join(','),
        ...(c.item.reader !== undefined ? { [READER_ENV]: c.item.reader } : {}),
      },
      labels: itemLabels(c.item),
    });
  }
  const plan: RunPlan = { cards, jobs: r.jobs, workers: shareCards(names, r.jobs, r.workers) };
  const planFile = join(await mkdtemp(join(r.tmp, 'plan-')), 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  if (r.signal?.aborted) return false;
  const env = { SIMCERT_ALLURE_RESULTS: r.resultsDir, TMPDIR: r.tmp, [PLAN_ENV]: planFile, ...r.env };
  const code = await runVitest(env, r.output, r.signal);
  return code === 0;
}

/** Which of the card's suites is running and which have finished, from the reporter's progress notes. */
export async function suitesInFlight(c: CardProgress): Promise<{ started: boolean; suite?: string; finished: string[] }> {
  if (!c.outcomes) return { started: false, finished: [] };
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
  // A card waiting for a free worker (`--jobs` fewer than the cards) has no notes yet.
  return { started: text !== '', ...(suite ? { suite } : {}), finished };
}

function runVitest(env: Record<string, string>, output: CardsRun['output'], signal: AbortSignal | undefined): Promise<number> {
  const vitest = vitestCli();
  const run = spawnGroup(process.execPath, [vitest, 'run', '--config', join(repoRoot, 'suites', 'vitest.config.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', output === 'show' ? 'inherit' : 'ignore', output === 'show' ? 'inherit' : 'ignore'],
  });
  const onAbort = (): void => void run.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return run.exited.finally(() => signal?.removeEventListener('abort', onAbort));
}
