// A test that asserts nothing, run only by require-assertions.test.ts (with SIMCERT_ASSERTION_FIXTURE=1) to show
// that such a test fails; skipped in every other run.
import { describe, it } from 'vitest';

describe.runIf(process.env.SIMCERT_ASSERTION_FIXTURE === '1')('a test body without an assertion', () => {
  it('asserts nothing', () => {
    JSON.stringify({ looks: 'busy' });
  });
});
