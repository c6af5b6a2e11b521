// Vitest setup file, for the suites and for the project's own tests: the cards this process opens in its own readers
// share one JVM (harness/sim/launch.ts: lab/cardsim's CardHost), so a worker running several cards, or a test file
// opening one card after another, starts one JVM, not one per card. The JVM is stopped when a file ends (a worker's
// cards under `simcert run`, one suite by hand, one test file), as the file's own processes.
import { afterAll } from 'vitest';
import { shareSimulators, stopSharedSimulators } from '../sim/launch.ts';

shareSimulators();

afterAll(async () => {
  await stopSharedSimulators();
});
