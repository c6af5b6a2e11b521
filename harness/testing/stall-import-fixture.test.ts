// A file that never finishes loading (its top level waits for ever), run only by stall-watch.test.ts (with
// SIMCERT_STALL_FIXTURE=import) to show that `npm test` then stops, naming it; in every other run it loads at once
// and its one test is skipped.
import { describe, expect, it } from 'vitest';

if (process.env.SIMCERT_STALL_FIXTURE === 'import') {
  await new Promise((resolve) => setTimeout(resolve, 300));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

describe.runIf(process.env.SIMCERT_STALL_FIXTURE === 'import')('a file that never finishes loading', () => {
  it('is never reached', () => {
    expect(true).toBe(true);
  });
});
