// npm test's one simulator JVM and its JDK tool server (card-host.ts): a vitest started under a run that has them uses
// them, and one started where the names point nowhere (a stale environment) starts its own and stops them at the end.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../process-alive.ts';
import { buildLab } from '../sim/build.ts';
import { JDK_TOOLS_ENV, runJdkTool, type JdkToolServer } from '../sim/jdk-tools.ts';
import { CARD_HOST_ENV, type RunWideHost } from '../sim/launch.ts';
import setup from './card-host.ts';
import { freePort } from './free-port.ts';
import { runFixture } from './run-fixture.ts';

const named = { [CARD_HOST_ENV]: process.env[CARD_HOST_ENV], [JDK_TOOLS_ENV]: process.env[JDK_TOOLS_ENV] };

afterEach(() => {
  for (const [name, value] of Object.entries(named)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('the test run\'s card host and JDK tool server', () => {
  it('is started, named and stopped by a run whose environment names no host that answers', async () => {
    const lab = await buildLab();
    process.env[CARD_HOST_ENV] = JSON.stringify({ port: await freePort(), pid: 1, classes: lab.cardsimClasses });
    process.env[JDK_TOOLS_ENV] = JSON.stringify({ port: await freePort(), pid: 1, cwd: process.cwd() });
    const teardown = await setup();
    const host = JSON.parse(process.env[CARD_HOST_ENV]!) as RunWideHost;
    expect(host.classes).toBe(lab.cardsimClasses);
    expect(host.pid).not.toBe(1);
    expect(processAlive(host.pid)).toBe(true);
    const tools = JSON.parse(process.env[JDK_TOOLS_ENV]!) as JdkToolServer;
    expect(tools).toMatchObject({ cwd: process.cwd() });
    expect(tools.pid).not.toBe(1);
    expect(processAlive(tools.pid)).toBe(true);
    expect((await runJdkTool('javap', ['-version'])).stdout).toMatch(/^\d+/);

    // A run started under them (the same environment) uses them: nothing new started, nothing stopped at its end.
    const nestedTeardown = await setup();
    expect(JSON.parse(process.env[CARD_HOST_ENV]!)).toEqual(host);
    expect(JSON.parse(process.env[JDK_TOOLS_ENV]!)).toEqual(tools);
    await nestedTeardown();
    expect(processAlive(host.pid)).toBe(true);
    expect(processAlive(tools.pid)).toBe(true);

    await teardown();
    expect(process.env[CARD_HOST_ENV]).toBeUndefined();
    expect(process.env[JDK_TOOLS_ENV]).toBeUndefined();
    expect(processAlive(host.pid)).toBe(false);
    expect(processAlive(tools.pid)).toBe(false);
  });
});

describe('a test run whose card host cannot start', () => {
  it('stops with the reason (no JDK on PATH) printed, not an error of its own in printing it', async () => {
    // PATH with node alone; no host or tool server named, so the run must start its own. The simulator is built
    // already (this run built it), so the first JVM the run needs is the card host's.
    const bin = await mkdtemp(join(tmpdir(), 'simcert-nojdk-'));
    try {
      await symlink(process.execPath, join(bin, 'node'));
      const r = await runFixture('harness/testing/file-order.test.ts', { PATH: bin, [CARD_HOST_ENV]: '', [JDK_TOOLS_ENV]: '' });
      expect(r.code).toBe(1);
      expect(r.out).toContain("Error: cannot start the test run's card host: java not found; install a JDK 17");
      expect(r.out).not.toContain('charCodeAt');
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
