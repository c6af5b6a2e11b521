// Vitest setup file, for the suites and for the project's own tests: a card closed in the harness's own reader is
// parked, and the next card of the same configuration is renewed in that simulator (harness/sim/launch.ts) instead
// of starting a JVM of its own, so a card's suites start one JVM, not one each. What is still parked when a file ends
// (one card's suites under `simcert run`, one suite by hand, one test file) is stopped with it, as its own processes.
import { afterAll } from 'vitest';
import { reuseSimulators, stopParkedSimulators } from '../sim/launch.ts';

reuseSimulators();

afterAll(async () => {
  await stopParkedSimulators();
});
