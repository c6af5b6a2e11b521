// Config for the conformance suites. `simcert run` gives it a plan (harness/run/card-plan.ts): the rack's cards are
// shared out among a few workers, each a project of its own whose one file runs its cards side by side, each card's
// suites in order (support/card-entry.ts), up to `--jobs` cards at once in this one vitest. Started by hand with
// SIMCERT_PROFILE set, it runs the suite files given on the command line on that one card, one file at a time.
// Results go to the Allure results folder the CLI chose.
import { readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import type { AllureVitestReporterConfig } from 'allure-vitest/reporter';
import { defineConfig } from 'vitest/config';
import { planFromEnv, WORKER_CARDS_ENV } from '../harness/run/card-plan.ts';
import { moduleCacheDir } from '../harness/run/module-cache.ts';
import { cardInstances } from './support/card-instances.ts';
import { allure2Categories } from './support/verdict-categories.ts';
import { SuiteOrder } from './support/suite-order.ts';
import { SuiteAllureReporter } from './support/suite-reporter.ts';

const resultsDir = process.env.SIMCERT_ALLURE_RESULTS ?? 'reports/allure-results';
const plan = planFromEnv();
// The transformed harness modules, kept between runs (harness/run/module-cache.ts: what keys them, why it is safe).
const moduleCache = moduleCacheDir();
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const root = new URL('..', import.meta.url).pathname;
// `simcert run` plans the workers (harness/run/card-plan.ts: shareCards); by hand, one card, one file at a time.
const workers = plan ? plan.workers.length : 1;

export default defineConfig({
  // Each card of a worker gets its own instances of the suites' modules (support/this-card.ts).
  plugins: plan ? [cardInstances()] : [],
  test: {
    root,
    include: plan ? [] : ['suites/*.test.ts'],
    pool: 'forks',
    // A card's suites share one worker, so the harness's modules are imported once per card instead of once per
    // suite (a third of a card's time in the portability run). Each suite still opens a fresh card of its own.
    isolate: false,
    // With a plan, each worker is one file (its project's), so files in parallel are workers in parallel.
    fileParallelism: plan !== undefined,
    maxWorkers: workers,
    // By hand: suites others depend on run first (support/outcomes.ts), in the same order every run.
    sequence: { concurrent: false, sequencer: SuiteOrder },
    ...(moduleCache ? { experimental: { fsModuleCache: true, fsModuleCachePath: moduleCache } } : {}),
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Every test body must assert something (harness/testing/require-assertions.test.ts): checked on the expect
    // the test used, its own when cards run side by side (support/expect.ts).
    expect: { requireAssertions: true },
    setupFiles: ['allure-vitest/setup', 'harness/testing/shared-simulators.ts'],
    globalSetup: ['suites/support/outcomes-setup.ts'],
    ...(plan
      ? {
          // A worker's cards run side by side up to its share of `--jobs` (the card describes are concurrent, and
          // maxConcurrency also bounds the test bodies running at once, one per card).
          projects: plan.workers.map((w) => ({
            extends: true as const,
            test: {
              name: w.project, root, include: ['suites/support/card-entry.ts'], env: { [WORKER_CARDS_ENV]: w.cards.join(',') },
              maxWorkers: workers, maxConcurrency: w.concurrency,
            },
          })),
        }
      : {}),
    reporters: [
      'default',
      // allure-vitest's reporter, writing each suite's results when the suite ends (support/suite-reporter.ts), with
      // each card's labels (profile, reader, ICCID, host) on its results, so the results of a rack (and of many
      // hosts, merged) stay told apart.
      new SuiteAllureReporter(
        {
          resultsDir,
          // No step per expect() (they read as code: `expect({...}).toEqual(...)`): the suites name their steps as
          // a procedure, with expected and actual, through support/steps.ts.
          reportMatchers: false,
          environmentInfo: {
            simcert: pkg.version,
            node: process.version,
            os: `${platform()} ${release()} ${arch()}`,
          },
          // Sorts results by verdict and cause so a lab manager sees "the card said no" apart from "the bench
          // broke" (the taxonomy, support/verdict-categories.ts; the report's config uses the same list).
          // (Its statuses are Allure's own status strings; the typed constructor wants Allure's Status enum for them.)
          categories: allure2Categories() as unknown as AllureVitestReporterConfig['categories'],
        },
        plan,
      ),
    ],
  },
});
