// One card's suites as one test file. `simcert run` makes each card a vitest project whose only file is this one
// (suites/vitest.config.ts), so one vitest runs the whole rack; the card's suites run here in run order, each
// inside a describe named for the suite, which keeps its hooks (open the card, close it) to itself. The reporter
// files every result under its suite's own file, as if the suite had run alone (support/suite-reporter.ts).
import { describe } from 'vitest';
import { CARD_SUITES_ENV } from '../../harness/run/card-plan.ts';

const suites = (process.env[CARD_SUITES_ENV] ?? '').split(',').filter(Boolean);
if (suites.length === 0) throw new Error(`${CARD_SUITES_ENV} names no suite: this file is run by \`simcert run\`, one project per card`);

for (const suite of suites) {
  if (!/^[a-z0-9-]+$/.test(suite)) throw new Error(`${CARD_SUITES_ENV}: "${suite}" is not a suite name`);
  describe(suite, async () => {
    await import(`../${suite}.test.ts`);
  });
}
