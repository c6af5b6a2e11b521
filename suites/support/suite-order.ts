// The order the suites run in on one card: a suite that others depend on (outcomes.ts, `dependsOn` with
// `suite › title`) runs before them, the rest by name, so a run is the same every time and a blocked test can
// name the test that blocked it. vitest's own order (by the duration of the last run) would change between runs.
// Under `simcert run` every worker is a project with the same one file (support/card-entry.ts): the workers start in
// the order of the run's plan, and so the cards in the order the profiles were given in (card-plan.ts: shareCards),
// which `--jobs` fewer than the cards makes visible.
import { basename } from 'node:path';
import type { TestSequencer, TestSpecification } from 'vitest/node';
import { planFromEnv } from '../../harness/run/card-plan.ts';
import { RUNS_FIRST } from '../../harness/run/suites.ts';

export class SuiteOrder implements TestSequencer {
  private readonly workers = (planFromEnv()?.workers ?? []).map((w) => w.project);

  private rank(spec: TestSpecification): [number, number, string] {
    const name = basename(spec.moduleId).replace(/\.test\.ts$/, '');
    const i = RUNS_FIRST.indexOf(name);
    return [this.workers.indexOf(spec.project.name), i === -1 ? RUNS_FIRST.length : i, name];
  }

  // A lab shards by profile (one card per host), never the suites of one card: they depend on each other.
  shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve(files);
  }

  sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve([...files].sort((a, b) => {
      const [ca, ra, na] = this.rank(a);
      const [cb, rb, nb] = this.rank(b);
      return ca - cb || ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
    }));
  }
}
