// A test whose worker blocks in a synchronous wait that never ends, run only by stall-watch.test.ts (with
// SIMCERT_STALL_FIXTURE=1) to show that `npm test` then stops, naming it; skipped in every other run.
import { beforeAll, describe, expect, it } from 'vitest';

describe.runIf(process.env.SIMCERT_STALL_FIXTURE === '1')('a worker that never returns', () => {
  // vitest's runner sends task updates at most every 100 ms; one that comes sooner waits for a timer, and when that
  // timer fires by the event loop's clock before 100 ms have passed by Date.now, the update stays unsent until the next
  // one (@vitest/runner 4.1, throttle in chunk-artifact.js). Here there is no next one, and the watch once found the
  // file "between tests". A pause before the test makes its start an update sent at once.
  beforeAll(async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  it('blocks its event loop', async () => {
    // As a real hang does: some work first, then a wait with no end. The work gives the test's start time to reach
    // the reporter in vitest's main process (what a worker has not sent when it blocks is never sent): vitest sends
    // it from a timer, and the second wait is a turn of the event loop after that timer even on a starved machine,
    // where both timers below can come due at once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)).toBe('ok');
  });
});
