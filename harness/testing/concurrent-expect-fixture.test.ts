// Two cards' tests running at the same time in one worker, as `simcert run` runs a worker's cards, each asserting
// through its card's own instance of suites/support/expect.ts bound to its test (as suites/support/applicability.ts
// binds it): run only by concurrent-expect.test.ts (with SIMCERT_CONCURRENT_EXPECT_FIXTURE=1), skipped otherwise.
// Card 1's test asserts while card 2's, which asserts nothing, is still running: card 2's must fail and card 1's pass.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';

type ExpectModule = typeof import('../../suites/support/expect.ts');
const instance = (card: number): Promise<ExpectModule> =>
  import(/* @vite-ignore */ `${new URL('../../suites/support/expect.ts', import.meta.url).pathname}?card=${card}`) as Promise<ExpectModule>;

describe.runIf(process.env.SIMCERT_CONCURRENT_EXPECT_FIXTURE === '1')('two cards side by side', () => {
  describe('card 1', { concurrent: true }, () => {
    it('asserts, while card 2 runs', async (ctx) => {
      const { expect, useTestExpect } = await instance(1);
      useTestExpect(ctx.expect);
      await sleep(300);
      expect(1 + 1).toBe(2);
      useTestExpect(undefined);
    });
  });
  describe('card 2', { concurrent: true }, () => {
    it('asserts nothing', async (ctx) => {
      const { useTestExpect } = await instance(2);
      useTestExpect(ctx.expect);
      await sleep(600);
      useTestExpect(undefined);
    });
  });
});
