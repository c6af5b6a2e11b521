// A test whose worker blocks in a synchronous wait that never ends, run only by stall-watch.test.ts (with
// SIMCERT_STALL_FIXTURE=1) to show that `npm test` then stops, naming it; skipped in every other run.
import { describe, expect, it } from 'vitest';

describe.runIf(process.env.SIMCERT_STALL_FIXTURE === '1')('a worker that never returns', () => {
  it('blocks its event loop', async () => {
    // As a real hang does: some work first (so the test's start reaches the reporter), then a wait with no end.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)).toBe('ok');
  });
});
