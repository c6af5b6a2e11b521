// The suites' `expect`: the running test's own (vitest's test-context expect) rather than the worker's global one.
// A worker runs several cards side by side (card-entry.ts), so tests of different cards run at the same time, and
// vitest keeps the global expect's state (assertions counted, the test's name) for one test at a time; a card's
// assertions must count for its own test, or `expect.requireAssertions` would pass a test that asserted nothing
// while another card's test asserted. A card's tests run one after another, and this module is the card's own
// instance (this-card.ts), so "the running test" is well defined here: applicability.ts sets it as each test starts.
// Outside a test (hooks, a suite started by hand before its first test) it is vitest's global expect.
import { expect as globalExpect, type ExpectStatic } from 'vitest';

let running: ExpectStatic | undefined;

/** The test now running on this card: its context's expect, until it ends (then undefined). */
export function useTestExpect(e: ExpectStatic | undefined): void {
  running = e;
}

const current = (): ExpectStatic => running ?? globalExpect;

export const expect: ExpectStatic = new Proxy(globalExpect, {
  apply: (_target, thisArg, args: Parameters<ExpectStatic>) => Reflect.apply(current(), thisArg, args),
  get: (_target, key) => Reflect.get(current(), key),
});
