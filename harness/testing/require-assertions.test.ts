// The rule "no test body without an assertion" is in force: both vitest configs load the setup file, and a test
// that asserts nothing fails under the project's config (the fixture file, run in a child vitest).
import { describe, expect, it } from 'vitest';
import projectConfig from '../../vitest.config.ts';
import suitesConfig from '../../suites/vitest.config.ts';
import { runFixture } from './run-fixture.ts';

const SETUP = 'harness/testing/require-assertions.ts';

describe('every test must assert something', () => {
  it('both configs load the setup file', () => {
    expect(projectConfig.test?.setupFiles).toContain(SETUP);
    expect(suitesConfig.test?.setupFiles).toContain(SETUP);
  });

  it('a test that asserts nothing fails, saying so', async () => {
    const r = await runFixture('harness/testing/no-assertion-fixture.test.ts', { SIMCERT_ASSERTION_FIXTURE: '1' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('expected any number of assertion, but got none');
    expect(r.out).toMatch(/1 failed/);
  }, 60_000);
});
