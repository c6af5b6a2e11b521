// The rule "no test body without an assertion" is in force: both vitest configs require assertions
// (`expect.requireAssertions`, checked on whichever expect the test used: the global one, or the test's own, as the
// suites use when a worker runs several cards at once, suites/support/expect.ts), and a test that asserts nothing
// fails under the project's config (the fixture file, run in a child vitest).
import { describe, expect, it } from 'vitest';
import projectConfig from '../../vitest.config.ts';
import suitesConfig from '../../suites/vitest.config.ts';
import { runFixture } from './run-fixture.ts';

describe('every test must assert something', () => {
  it('both configs require assertions', () => {
    expect(projectConfig.test?.expect?.requireAssertions).toBe(true);
    expect(suitesConfig.test?.expect?.requireAssertions).toBe(true);
  });

  it('a test that asserts nothing fails, saying so', async () => {
    const r = await runFixture('harness/testing/no-assertion-fixture.test.ts', { SIMCERT_ASSERTION_FIXTURE: '1' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('expected any number of assertion, but got none');
    expect(r.out).toMatch(/1 failed/);
  }, 60_000);
});
