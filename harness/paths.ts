// Where the repository is, so the harness finds lab/, suites/ and vectors/ from any working directory, and where
// the vitest command is, for the harness's own child vitests (a run's cards, collecting the suites).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** vitest's command-line entry: the package exports no path to it; it sits beside its package.json. */
export function vitestCli(): string {
  return join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
}
