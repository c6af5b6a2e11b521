// The project's own tests (`npm test`): unit tests beside the modules under harness/, and simulator-backed
// integration tests. The conformance suites under suites/ have their own config and run via `simcert run`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['harness/testing/require-assertions.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
