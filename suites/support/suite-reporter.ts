// The suites' Allure reporter, writing each suite's results as soon as that suite ends (allure-vitest writes them
// only when the whole vitest run ends). `simcert run` runs all of one card's suites in one vitest, to start vitest
// once per card rather than once per suite; this keeps the guarantee that an interrupted run still has the results
// of every suite that finished. It also notes which suite is running in the card's outcomes folder
// (harness/run/suites.ts: SUITE_PROGRESS), so an interruption can name it.
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import AllureVitestReporter from 'allure-vitest/reporter';
import type { TestModule } from 'vitest/node';
import { OUTCOMES_ENV, SUITE_PROGRESS } from '../../harness/run/suites.ts';

function note(event: 'start' | 'end', m: TestModule): void {
  const dir = process.env[OUTCOMES_ENV];
  if (!dir) return;
  appendFileSync(join(dir, SUITE_PROGRESS), `${JSON.stringify({ [event]: basename(m.moduleId).replace(/\.test\.ts$/, '') })}\n`);
}

export class SuiteAllureReporter extends AllureVitestReporter {
  onTestModuleStart(m: TestModule): void {
    note('start', m);
  }

  onTestModuleEnd(m: TestModule): void {
    super.onTestRunEnd([m]);
    note('end', m);
  }

  // Every module was written as it ended; what is left are the run's global messages (errors outside a test).
  override onTestRunEnd(): void {
    super.onTestRunEnd([]);
  }
}
