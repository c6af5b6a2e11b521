// Config for the conformance suites, run by `simcert run` once per profile with SIMCERT_PROFILE set. One card
// means one file at a time; results go to the Allure results folder the CLI chose.
import { readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import type { AllureVitestReporterConfig } from 'allure-vitest/reporter';
import { defineConfig } from 'vitest/config';
import { moduleCacheDir } from '../harness/run/module-cache.ts';
import { allure2Categories } from './support/verdict-categories.mjs';
import { SuiteOrder } from './support/suite-order.ts';
import { SuiteAllureReporter } from './support/suite-reporter.ts';

const resultsDir = process.env.SIMCERT_ALLURE_RESULTS ?? 'reports/allure-results';
// Set by `simcert run` for each card (harness/run/run-card.ts): profile, reader, ICCID and host on every result, so
// the results of a rack (and of many hosts, merged) stay told apart.
const cardLabels = JSON.parse(process.env.SIMCERT_RUN_LABELS ?? '{}') as Record<string, string>;
// The transformed harness modules, kept between runs (harness/run/module-cache.ts: what keys them, why it is safe).
const moduleCache = moduleCacheDir();
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['suites/*.test.ts'],
    pool: 'forks',
    // A card's suites (one vitest per card, harness/run/run-card.ts) share one worker, so the harness's modules are
    // imported once per card instead of once per suite (a third of a card's time in the portability run). Each
    // suite still opens a fresh card of its own, and setup files still run before each suite.
    isolate: false,
    fileParallelism: false,
    maxWorkers: 1,
    // Suites others depend on run first (support/outcomes.ts), in the same order every run.
    sequence: { concurrent: false, sequencer: SuiteOrder },
    ...(moduleCache ? { experimental: { fsModuleCache: true, fsModuleCachePath: moduleCache } } : {}),
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['allure-vitest/setup', 'harness/testing/require-assertions.ts'],
    globalSetup: ['suites/support/outcomes-setup.ts'],
    reporters: [
      'default',
      // allure-vitest's reporter, writing each suite's results when the suite ends (support/suite-reporter.ts).
      new SuiteAllureReporter(
        {
          resultsDir,
          // No step per expect() (they read as code: `expect({...}).toEqual(...)`): the suites name their steps as
          // a procedure, with expected and actual, through support/steps.ts.
          reportMatchers: false,
          globalLabels: cardLabels,
          environmentInfo: {
            simcert: pkg.version,
            node: process.version,
            os: `${platform()} ${release()} ${arch()}`,
          },
          // Sorts results by verdict and cause so a lab manager sees "the card said no" apart from "the bench
          // broke" (the taxonomy, support/verdict-categories.mjs; the report's config uses the same list).
          // (Its statuses are Allure's own status strings; the typed constructor wants Allure's Status enum for them.)
          categories: allure2Categories() as unknown as AllureVitestReporterConfig['categories'],
        },
      ),
    ],
  },
});
