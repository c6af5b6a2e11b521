// Setup file for the suites: a card's suites each open a fresh card, and on an emulated profile the next one is
// renewed in the simulator the last one closed (harness/sim/launch.ts) instead of starting a JVM per suite. What is
// still parked when a file ends (one card's suites under `simcert run`, one suite by hand) is stopped with it.
import { afterAll } from 'vitest';
import { reuseSimulators, stopParkedSimulators } from '../../harness/sim/launch.ts';

reuseSimulators();

afterAll(async () => {
  await stopParkedSimulators();
});
