// The order the suites run in on one card: a suite that others depend on (outcomes.ts, `dependsOn` with
// `suite › title`) runs before them, the rest by name, so a run is the same every time and a blocked test can
// name the test that blocked it. vitest's own order (by the duration of the last run) would change between runs.
import { basename } from 'node:path';
import type { TestSequencer, TestSpecification } from 'vitest/node';
import { RUNS_FIRST } from '../../harness/run/suites.ts';

function rank(spec: TestSpecification): [number, string] {
  const name = basename(spec.moduleId).replace(/\.test\.ts$/, '');
  const i = RUNS_FIRST.indexOf(name);
  return [i === -1 ? RUNS_FIRST.length : i, name];
}

export class SuiteOrder implements TestSequencer {
  // A lab shards by profile (one card per host), never the suites of one card: they depend on each other.
  shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve(files);
  }

  sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve([...files].sort((a, b) => {
      const [ra, na] = rank(a);
      const [rb, nb] = rank(b);
      return ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
    }));
  }
}
