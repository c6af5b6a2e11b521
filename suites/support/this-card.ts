// Which card of the run a module instance of the suites belongs to, and that card's environment (profile, reader,
// outcomes folder, suites: harness/run/card-plan.ts). A worker runs several cards side by side, so the suites
// cannot read their card from the process's environment: each card's suite files are imported as instances of
// their own, `suite.test.ts?card=N` (card-entry.ts), and the suites' config carries that query on to every module
// of suites/ they import (suites/vitest.config.ts: cardInstances), so each card has its own module state: its
// card context, outcomes, nonce ledger, expect. Harness and library modules stay shared, imported once per worker.
// Started by hand (vitest on one suite file with SIMCERT_PROFILE set), there is no query and the card is the
// process's environment, as it always was.
import { planFromEnv, type CardPlan } from '../../harness/run/card-plan.ts';

// This module's own id; the config's plugin writes it in for an instance of a card (`...this-card.ts?card=N`),
// because the module runner's import.meta.url leaves the query out.
const INSTANCE_ID: string = import.meta.url;

/** The query that makes a module of suites/ the instance of one card. */
export const CARD_QUERY = 'card';

const OF_CARD = new RegExp(`[?&]${CARD_QUERY}=(\\d+)`);

/** The plan's index of the card a module id is the instance of (`...?card=N`), or undefined for none. */
export function cardIndex(id: string): number | undefined {
  const m = OF_CARD.exec(id);
  return m ? Number(m[1]) : undefined;
}

function planned(i: number | undefined): CardPlan | undefined {
  if (i === undefined) return undefined;
  const plan = planFromEnv();
  const card = plan?.cards[i];
  if (!card) throw new Error(`card ${i} is not in the run's plan (${plan ? plan.cards.length : 'no'} cards)`);
  return card;
}

/** The plan's entry for this instance's card, or undefined outside a planned run. */
const card = planned(cardIndex(INSTANCE_ID));

/** The environment this instance's suites run in: the process's, with the card's own on top. */
export function cardEnv(): NodeJS.ProcessEnv {
  return card ? { ...process.env, ...card.env } : process.env;
}
