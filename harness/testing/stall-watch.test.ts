// `npm test` does not wait for ever on a worker that stopped answering: the stall watch (stall-watch.ts, a reporter
// of vitest.config.ts) stops the run after SIMCERT_TEST_STALL_S without progress and names the file and test in
// flight. The fixture blocks its worker's event loop, which no vitest timeout can interrupt.
import { describe, expect, it } from 'vitest';
import projectConfig from '../../vitest.config.ts';
import { runFixture } from './run-fixture.ts';
import { stallLimitS } from './stall-watch.ts';

/** Each fixture runs with an 8 s stall limit. */
const STALL = { SIMCERT_TEST_STALL_S: '8' };
/**
 * How long a fixture may take before it is killed: far above the 15-20 s a stopped fixture takes on two cores (47 s
 * with two npm tests at once), so only a watch that never fires reaches it; no assertion is on the time itself.
 */
const FIXTURE_LIMIT_MS = 150_000;

describe('a run that stops making progress', () => {
  it('is stopped with exit 1, naming the file and the test or the loading in flight, and listing the worker', async () => {
    expect(projectConfig.test?.reporters).toContain('./harness/testing/stall-watch.ts');
    // FIXTURE_LIMIT_MS only bounds a watch that never fires. The watch's report below is the watch's doing: a fixture
    // stopped at that limit is killed (SIGTERM) without one.
    const [inTest, inImport] = await Promise.all([
      runFixture('harness/testing/stall-fixture.test.ts', { ...STALL, SIMCERT_STALL_FIXTURE: '1' }, FIXTURE_LIMIT_MS),
      runFixture('harness/testing/stall-import-fixture.test.ts', { ...STALL, SIMCERT_STALL_FIXTURE: 'import' }, FIXTURE_LIMIT_MS),
    ]);
    for (const r of [inTest, inImport]) {
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/nothing has moved \(no file started or ended, no test or hook ended\) for \d+ s \(limit 8 s/);
      expect(r.out).toMatch(/processes under this run:\n\s+\d+ \(parent \d+/);
    }
    expect(inTest.out).toMatch(/harness\/testing\/stall-fixture\.test\.ts \(started \d+ s ago\): test "a worker that never returns > blocks its event loop", for \d+ s/);
    expect(inImport.out).toMatch(/harness\/testing\/stall-import-fixture\.test\.ts \(started \d+ s ago\): collecting \(importing the file\), for \d+ s/);
    // The report is the last thing printed, where a CI log's tail shows it.
    expect(inTest.out.trimEnd().split('\n').at(-1)).toMatch(/^\s+harness\/testing\/stall-fixture\.test\.ts \(started/);
  }, FIXTURE_LIMIT_MS + 30_000);

  it('waits 20 minutes by default, longer than the longest legitimate wait (900 s for pcscd)', () => {
    expect(stallLimitS({})).toBe(1200);
    expect(stallLimitS({ SIMCERT_TEST_STALL_S: '30' })).toBe(30);
    expect(stallLimitS({ SIMCERT_TEST_STALL_S: 'soon' })).toBe(1200);
  });
});
