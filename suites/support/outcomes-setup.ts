// vitest global setup for the suites: the folder where the test outcomes that `dependsOn` reads are kept
// (outcomes.ts). `simcert run` gives one per card, in the card's environment in the run's plan
// (harness/run/card-plan.ts, read through this-card.ts), removed with the run's temporary folder; a vitest started by
// hand gets a private one, removed when it ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { WORKER_CARDS_ENV } from '../../harness/run/card-plan.ts';
import { OUTCOMES_ENV } from '../../harness/run/suites.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A worker of `simcert run`: each of its cards has its folder in the plan.
  if (project.config.env?.[WORKER_CARDS_ENV]) return () => Promise.resolve();
  const given = process.env[OUTCOMES_ENV];
  if (given) {
    project.provide('simcertOutcomes', given);
    return () => Promise.resolve();
  }
  const dir = await mkdtemp(join(tmpdir(), 'simcert-outcomes-'));
  project.provide('simcertOutcomes', dir);
  return () => rm(dir, { recursive: true, force: true });
}
