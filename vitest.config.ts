// The project's own tests (`npm test`): unit tests beside the modules under harness/, and simulator-backed
// integration tests. The conformance suites under suites/ have their own config and run via `simcert run`.
import { defineConfig } from 'vitest/config';
import { moduleCacheDir } from './harness/run/module-cache.ts';
import { FileOrder, HOLDS_PCSCD } from './harness/testing/file-order.ts';

/**
 * Tests whose assertion is on wall-clock time: the timing model's median recovered within 2 %. They run before
 * everything else, alone, because a loaded host stretches every paced operation by its wake-up latency (5.7 ms, 2.3 %
 * of a 250 ms model, once beside npm test's other files; 14 and 30 ms with two `npm test` at once). Beside them runs
 * only `npm test`'s type check (harness/testing/npm-test.mjs), on one core: 253.3 ms against 251.2 ms idle, measured.
 * Two runs started together reach this group together, and the two files it then holds leave the host all but idle.
 */
const TIMED = ['harness/bench/timing-model.test.ts'];

const moduleCache = moduleCacheDir();

export default defineConfig({
  test: {
    pool: 'forks',
    // Four files at once even on two cores (vitest's default there is one): many files mostly wait, on pcscd's
    // readers (the files holding them take one worker between them, for most of the run), on simulated cards paced by
    // a timing model (bench-long-run), on a stall the watch must see (stall-watch), on OpenSC's tools; with three
    // workers, two such files at once left the cores half idle for ten seconds. Measured on two cores, back to back
    // (issue 20; README, "Measured"): vitest 153.9 and 162.1 s with three workers, 140.9 and 119.5 s with four.
    maxWorkers: 4,
    // Files share a worker process instead of each starting one and importing the harness again (about 50 CPU-s of
    // a run); what a file changes in the process is put back when it ends (restore-process-state.ts).
    isolate: false,
    // The files holding pcscd's readers start first, beside the rest (harness/testing/file-order.ts).
    sequence: { sequencer: FileOrder },
    // Every test body must assert something (harness/testing/require-assertions.test.ts).
    expect: { requireAssertions: true },
    setupFiles: ['harness/testing/restore-process-state.ts', 'harness/testing/shared-simulators.ts'],
    // The transformed TypeScript, kept between runs as the suites' vitest keeps it (harness/run/module-cache.ts: what
    // keys it, why two runs at once are safe): about 5 s of transforms a run. A/B against the tree without it, on two
    // cores: 102.0 and 100.5 s against 134.8 and 110.0 s (169-183 CPU-s against 204-237).
    ...(moduleCache ? { experimental: { fsModuleCache: true, fsModuleCachePath: moduleCache } } : {}),
    // One simulator JVM for the whole run's cards, the `simcert run`s the tests start included (card-host.ts).
    globalSetup: ['harness/testing/card-host.ts'],
    // A worker that stops answering (blocked in native code, or a file that never finishes loading) would otherwise
    // hold the run until CI's own limit: this stops it and says what was in flight.
    reporters: ['default', './harness/testing/stall-watch.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      // The files holding pcscd's readers run from harness/transport/pcscd-readers.test.ts, one after another.
      { extends: true, test: { name: 'harness', include: ['harness/**/*.test.ts'], exclude: [...TIMED, ...HOLDS_PCSCD], sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, sequence: { groupOrder: 0 } } },
    ],
  },
});
