// The project's own tests (`npm test`): unit tests beside the modules under harness/, and simulator-backed
// integration tests. The conformance suites under suites/ have their own config and run via `simcert run`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts'],
    pool: 'forks',
    // Three files at once even on two cores (vitest's default there is one): many files mostly wait, on pcscd's
    // lock and its readers, on the timing model's paced operations, on OpenSC's tools, so a third worker fills the
    // cores they leave idle. Measured on two cores (issue 20): see README, "Measured".
    maxWorkers: 3,
    // Files share a worker process instead of each starting one and importing the harness again (about 50 CPU-s of
    // a run); what a file changes in the process is put back when it ends (restore-process-state.ts).
    isolate: false,
    setupFiles: ['harness/testing/require-assertions.ts', 'harness/testing/restore-process-state.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
