// The plan of one vitest run of the rack's cards: `simcert run` writes it (run-card.ts); the suites' config
// (suites/vitest.config.ts) and reporter (suites/support/suite-reporter.ts) read it. Each card becomes a vitest
// project of its own, with the card's environment (profile, reader, outcomes folder, the suites to run) in the
// project's `env`, so one vitest starts the cards' workers side by side instead of one vitest per card (issue 20:
// a rack of emulated cards on a small host was bound by eight vitest start-ups, not by its cards).
import { readFileSync } from 'node:fs';

/** Names the plan file (JSON, a RunPlan) in the environment of the vitest `simcert run` starts. */
export const PLAN_ENV = 'SIMCERT_RUN_PLAN';
/** In a card project's environment: the card's suites, comma-separated, in run order (suites/support/card-entry.ts). */
export const CARD_SUITES_ENV = 'SIMCERT_SUITES';

export interface CardPlan {
  /** The card's vitest project name: unique in the run, shown beside each line of its output. */
  project: string;
  /** The environment of the card's worker: SIMCERT_PROFILE, the reader, the outcomes folder, CARD_SUITES_ENV. */
  env: Record<string, string>;
  /** The Allure labels every result of the card carries (work.ts: itemLabels). */
  labels: Record<string, string>;
}

export interface RunPlan {
  cards: CardPlan[];
  /** How many cards run at once (`--jobs`, at most the number of cards). */
  jobs: number;
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
