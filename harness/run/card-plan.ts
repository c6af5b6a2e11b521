// The plan of one vitest run of the rack's cards: `simcert run` writes it (run-card.ts); the suites' config
// (suites/vitest.config.ts), entry file (suites/support/card-entry.ts) and reporter (suites/support/suite-reporter.ts)
// read it. The cards are shared out among a few workers, one vitest project each, and a worker runs its cards side
// by side, each card's suites in order, each card with its own environment (profile, reader, outcomes folder, the
// suites to run; suites/support/this-card.ts). One vitest for the rack rather than one per card, and one worker for
// several cards rather than one each (issue 20): on a small host, eight start-ups of the harness cost more than the
// cards' own work, and a card spends most of its time waiting on the card, which a worker can do for many at once.
import { readFileSync } from 'node:fs';

/** Names the plan file (JSON, a RunPlan) in the environment of the vitest `simcert run` starts. */
export const PLAN_ENV = 'SIMCERT_RUN_PLAN';
/** In a card project's environment: the card's suites, comma-separated, in run order (suites/support/card-entry.ts). */
export const CARD_SUITES_ENV = 'SIMCERT_SUITES';
/** In a worker project's environment: the plan's indexes of the worker's cards, comma-separated (card-entry.ts). */
export const WORKER_CARDS_ENV = 'SIMCERT_WORKER_CARDS';

export interface CardPlan {
  /** The card's vitest project name: unique in the run, shown beside each line of its output. */
  project: string;
  /** The environment of the card's worker: SIMCERT_PROFILE, the reader, the outcomes folder, CARD_SUITES_ENV. */
  env: Record<string, string>;
  /** The Allure labels every result of the card carries (work.ts: itemLabels). */
  labels: Record<string, string>;
}

/** One worker process and the cards it runs. */
export interface WorkerPlan {
  /** Its vitest project name: the card's own when it runs one card, shown beside each line of its output. */
  project: string;
  /** Indexes into RunPlan.cards, in the order the cards start. */
  cards: number[];
  /** How many of its cards run at once. */
  concurrency: number;
}

export interface RunPlan {
  cards: CardPlan[];
  /** How many cards run at once (`--jobs`, at most the number of cards). */
  jobs: number;
  /** The worker processes, together running `jobs` cards at once. */
  workers: WorkerPlan[];
}

/**
 * Shares `cards` cards out among at most `workers` workers so that `jobs` of them run at once: the cards go round
 * the workers in order (card k to worker k mod n), and the `jobs` slots are spread over the workers in proportion to
 * the cards each has, so no worker holds a slot it has no card for and cards start in the order given.
 */
export function shareCards(projects: readonly string[], jobs: number, workers: number): WorkerPlan[] {
  const n = Math.max(1, Math.min(workers, jobs, projects.length));
  const plans: WorkerPlan[] = Array.from({ length: n }, () => ({ project: '', cards: [], concurrency: 0 }));
  projects.forEach((_, k) => plans[k % n]!.cards.push(k));
  // Slots dealt out one at a time, each to the worker with the most cards per slot so far (one with none first).
  for (let slot = 0; slot < Math.min(jobs, projects.length); slot++) {
    const open = plans.filter((w) => w.concurrency < w.cards.length);
    const best = open.reduce((a, b) => (b.cards.length * a.concurrency > a.cards.length * b.concurrency ? b : a));
    best.concurrency++;
  }
  plans.forEach((w, i) => {
    w.project = w.cards.length === 1 ? projects[w.cards[0]!]! : `worker ${i + 1} of ${n}: ${w.cards.length} cards`;
  });
  return plans;
}

/** The plan named by PLAN_ENV, or undefined when vitest was started by hand on one profile. */
export function planFromEnv(env: NodeJS.ProcessEnv = process.env): RunPlan | undefined {
  const file = env[PLAN_ENV];
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as RunPlan) : undefined;
}

/** Project names made unique: the same profile on two readers is two cards ("name", "name (2)", ...). */
export function projectNames(wanted: readonly string[]): string[] {
  const taken = new Set<string>();
  return wanted.map((w) => {
    let name = w;
    for (let n = 2; taken.has(name); n++) name = `${w} (${n})`;
    taken.add(name);
    return name;
  });
}
