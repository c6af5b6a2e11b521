// npm test's one simulator JVM (card-host.ts): a vitest started under a run that has one uses it, and one started
// where the name points nowhere (a stale environment) starts its own and stops it at the end.
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../process-alive.ts';
import { buildLab } from '../sim/build.ts';
import { CARD_HOST_ENV, type RunWideHost } from '../sim/launch.ts';
import setup from './card-host.ts';
import { freePort } from './free-port.ts';

const named = process.env[CARD_HOST_ENV];

afterEach(() => {
  if (named === undefined) delete process.env[CARD_HOST_ENV];
  else process.env[CARD_HOST_ENV] = named;
});

describe('the test run\'s card host', () => {
  it('is started, named and stopped by a run whose environment names no host that answers', async () => {
    const lab = await buildLab();
    process.env[CARD_HOST_ENV] = JSON.stringify({ port: await freePort(), pid: 1, classes: lab.cardsimClasses });
    const teardown = await setup();
    const host = JSON.parse(process.env[CARD_HOST_ENV]!) as RunWideHost;
    expect(host.classes).toBe(lab.cardsimClasses);
    expect(host.pid).not.toBe(1);
    expect(processAlive(host.pid)).toBe(true);

    // A run started under it (the same environment) uses it: nothing new started, nothing stopped at its end.
    const nestedTeardown = await setup();
    expect(JSON.parse(process.env[CARD_HOST_ENV]!)).toEqual(host);
    await nestedTeardown();
    expect(processAlive(host.pid)).toBe(true);

    await teardown();
    expect(process.env[CARD_HOST_ENV]).toBeUndefined();
    expect(processAlive(host.pid)).toBe(false);
  });
});
