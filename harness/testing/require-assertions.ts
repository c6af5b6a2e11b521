// Vitest setup file for both configs (vitest.config.ts, suites/vitest.config.ts): every test body must make at
// least one assertion, or it fails with "expected any number of assertion, but got none". A test that asserts
// nothing cannot fail for the right reason, so it should not count as a pass. Assertions made inside helpers
// count (the check is on the test's expect state); a test skipped with ctx.skip() is still recorded as skipped,
// because the check runs only after a body that returned.
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
