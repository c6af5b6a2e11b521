// vitest global setup for the suites: one private folder per vitest run (one profile, one card) where the test
// outcomes that `dependsOn` reads are kept (outcomes.ts), removed when the run ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'simcert-outcomes-'));
  project.provide('simcertOutcomes', dir);
  return () => rm(dir, { recursive: true, force: true });
}
