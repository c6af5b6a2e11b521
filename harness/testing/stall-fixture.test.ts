// A test whose worker blocks in a synchronous wait that never ends, run only by stall-watch.test.ts (with
// SIMCERT_STALL_FIXTURE=1) to show that `npm test` then stops, naming it; skipped in every other run.
import { beforeEach, describe, expect, it } from 'vitest';

describe.runIf(process.env.SIMCERT_STALL_FIXTURE === '1')('a worker that never returns', () => {
  // vitest's runner sends task updates at most every 100 ms; one that comes sooner waits for a timer, and when that
  // timer fires by the event loop's clock before 100 ms have passed by Date.now, the update stays unsent until the
  // next one (@vitest/runner 4.1, throttle in chunk-artifact.js). The test's start is such an update (it follows the
  // suite's at once), and the watch found the file "between tests" twice in a day. This hook's end, 300 ms after the
  // test's start, is an update sent at once, and takes the test's start with it.
  beforeEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  it('blocks its event loop', async () => {
    // As a real hang does: some work first, then a wait with no end. The work gives what the worker has sent time to
    // leave it (what a worker has not written when it blocks is never written), over more than one turn of the event
    // loop even on a starved machine, where both timers below can come due at once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)).toBe('ok');
  });
});
