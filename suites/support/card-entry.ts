// A worker's cards as one test file. `simcert run` shares the rack's cards out among a few workers, each a vitest
// project whose only file is this one (harness/run/card-plan.ts, suites/vitest.config.ts). Here each card is a
// describe of its own, named for the card, and the cards run side by side (up to the worker's share of `--jobs`);
// within a card its suites run in run order, each inside a describe named for the suite, which keeps its hooks
// (open the card, close it) to itself, and each a module instance of the card's own (this-card.ts), so two cards
// never see each other's state. The reporter files every result under its suite's own file, as if the suite had
// run alone on that card (support/suite-reporter.ts).
import { describe } from 'vitest';
import { CARD_SUITES_ENV, planFromEnv, WORKER_CARDS_ENV } from '../../harness/run/card-plan.ts';
import { CARD_QUERY } from './this-card.ts';

const plan = planFromEnv();
const mine = (process.env[WORKER_CARDS_ENV] ?? '').split(',').filter(Boolean).map(Number);
if (!plan || mine.length === 0) throw new Error(`${WORKER_CARDS_ENV} names no card: this file is run by \`simcert run\`, one project per worker`);

function suitesOf(env: Record<string, string>): string[] {
  const suites = (env[CARD_SUITES_ENV] ?? '').split(',').filter(Boolean);
  if (suites.length === 0) throw new Error(`${CARD_SUITES_ENV} names no suite for this card`);
  for (const suite of suites) if (!/^[a-z0-9-]+$/.test(suite)) throw new Error(`${CARD_SUITES_ENV}: "${suite}" is not a suite name`);
  return suites;
}

for (const i of mine) {
  const card = plan.cards[i];
  if (!card) throw new Error(`${WORKER_CARDS_ENV}: card ${i} is not in the run's plan`);
  describe(card.project, { concurrent: true }, () => {
    for (const suite of suitesOf(card.env)) {
      describe(suite, { sequential: true }, async () => {
        // The suite file as this card's instance; a path the module runner resolves, not a specifier for vite's
        // import analysis (which would refuse the query).
        const file = new URL(`../${suite}.test.ts`, import.meta.url).pathname;
        await import(/* @vite-ignore */ `${file}?${CARD_QUERY}=${i}`);
      });
    }
  });
}
