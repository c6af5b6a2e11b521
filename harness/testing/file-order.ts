// The order npm test hands its files to workers: vitest's own (the slowest of the last run first, else the largest),
// except that the files holding pcscd's readers go first. They run in turn in one worker for half a minute (over a
// minute before sim serve's card went into pcscd's reader itself), much of it waiting on the readers, so started last
// they would be a long tail with the other workers idle; started first, they run beside everything else.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The file that runs the files holding pcscd's readers, in turn (paths here are from the repository's root). */
export const PCSCD_READERS = 'harness/transport/pcscd-readers.test.ts';

/** The files that hold pcscd's readers: vitest.config.ts leaves them out of its list, as PCSCD_READERS runs them. */
export const HOLDS_PCSCD = [
  'harness/transport/pcsc-pcscd.test.ts',
  'harness/transport/pcsc-refusals.test.ts',
  'harness/sim/opensc.test.ts',
  'harness/probe/pcsc-reader.test.ts',
];

/** Files that start before all others, in this order. */
export const STARTS_FIRST = [PCSCD_READERS];

export class FileOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = STARTS_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return i === -1 ? STARTS_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
