// Cards that share a worker run their tests at the same time (suites/support/card-entry.ts), so an assertion must
// count for the test that made it and for no other: a card's test that asserts nothing still fails while another
// card's test asserts (suites/support/expect.ts; the fixture file, run in a child vitest under the project's config).
// Were the suites' expect the worker's global one, both tests would fail: each test's own expect, which the check
// reads once the test has taken it, would have counted nothing.
import { describe, expect, it } from 'vitest';
import { runFixture } from './run-fixture.ts';

describe('assertions of cards side by side', () => {
  it('count for their own test only', async () => {
    const r = await runFixture('harness/testing/concurrent-expect-fixture.test.ts', { SIMCERT_CONCURRENT_EXPECT_FIXTURE: '1' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('expected any number of assertion, but got none');
    expect(r.out).toMatch(/card 2 > asserts nothing/);
    expect(r.out).toMatch(/1 failed \| 1 passed/);
  }, 60_000);
});
