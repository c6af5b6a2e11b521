// Config for the conformance suites, run by `simcert run` once per profile with SIMCERT_PROFILE set. One card
// means one file at a time; results go to the Allure results folder the CLI chose.
import { readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SuiteOrder } from './support/suite-order.ts';

const resultsDir = process.env.SIMCERT_ALLURE_RESULTS ?? 'reports/allure-results';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['suites/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    // Suites others depend on run first (support/outcomes.ts), in the same order every run.
    sequence: { concurrent: false, sequencer: SuiteOrder },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['allure-vitest/setup'],
    globalSetup: ['suites/support/outcomes-setup.ts'],
    reporters: [
      'default',
      [
        'allure-vitest/reporter',
        {
          resultsDir,
          environmentInfo: {
            simcert: pkg.version,
            node: process.version,
            os: `${platform()} ${release()} ${arch()}`,
          },
          // Sorts failures by cause so a lab manager sees "the card said no" apart from "the harness broke".
          categories: [
            { name: 'Card refused a command', messageRegex: '.*card answered [0-9A-F]{4}.*' },
            { name: 'Card answered malformed data', messageRegex: ".*(is malformed|no status word|more than the .* asked for|kept answering 61xx|6Cxx twice).*" },
            { name: 'Card went away or stopped answering', messageRegex: '.*(went away|did not answer|stopped answering|no card connected).*' },
            { name: 'Wrong card or profile', messageRegex: '.*(does not match the profile|ATR).*' },
            { name: 'PIN safety stop', messageRegex: '.*(refusing to VERIFY|PIN is blocked).*' },
            { name: 'Result differs from the known answer', matchedStatuses: ['failed'] },
          ],
        },
      ],
    ],
  },
});
