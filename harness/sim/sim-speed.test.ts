// The faster SELECT (issue 20, item 4) without a weaker one: the simulator remembers what the security domains said
// about an instance being LOCKED, so these check that a SELECT that succeeded before is refused (6999) as soon as the
// domain locks the instance, and succeeds again once it unlocks it (GPCS 11.10 SET STATUS); and that `npm run
// bench:sim` runs and prints its line (a handful of samples: no timing is asserted here).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex } from '../bytes.ts';
import { installAndMakeSelectable, loadLoadFile, setApplicationLocked } from '../gp/content.ts';
import { buildJarLoadFile } from '../gp/load-file.ts';
import { openSecureChannel, type SecureChannel } from '../gp/secure-channel.ts';
import { repoRoot } from '../paths.ts';
import { buildLab } from './build.ts';
import { startSimulator, type RunningSimulator } from './launch.ts';

const ISD = 'A000000151000000';
const PKG = 'D392F0002601';
const JPKI = 'D392F000260100000001';
const TEST_KEY = fromHex('404142434445464748494A4B4C4D4E4F'); // GlobalPlatform's test key, the simulator's default
const keys = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;

async function channel(): Promise<SecureChannel> {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
  return openSecureChannel(s, keys, { level: 0x03 });
}

async function selectJpki(): Promise<number> {
  return (await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw;
}

describe('SELECT of an instance a security domain locks', () => {
  beforeAll(async () => {
    const lab = await buildLab();
    const lfdb = await buildJarLoadFile({ classesDir: lab.applets.jpki!, packageAid: PKG, applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet' }] });
    sim = await startSimulator({ atr: '3BFA1800008131FE454A434F5033315632333298', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4, applets: [] },
      { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
    await sim.transport.connect();
    s = new CardSession(sim.transport, { extendedLength: true });
    const ch = await channel();
    await loadLoadFile(ch, PKG, lfdb);
    await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI });
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('is refused with 6999 right after the lock, though the same SELECT succeeded before it, and succeeds after the unlock', async () => {
    expect(await selectJpki()).toBe(0x9000);
    expect(await selectJpki()).toBe(0x9000);
    expect(await setApplicationLocked(await channel(), JPKI, true)).toBe(0x9000);
    expect(await selectJpki()).toBe(0x6999);
    expect(await selectJpki()).toBe(0x6999);
    expect(await setApplicationLocked(await channel(), JPKI, false)).toBe(0x9000);
    expect(await selectJpki()).toBe(0x9000);
  });
});

describe('npm run bench:sim', () => {
  it('runs the simulator and the echo server side by side and prints both medians and their ratio', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'bench', 'sim-overhead.ts'), '20'], { cwd: repoRoot, timeout: 120_000 });
    const m = /^sim: SELECT (\d+\.\d{3}) ms, echo (\d+\.\d{3}) ms, ratio (\d+\.\d{2}) \(goal 1\.50\)$/m.exec(stdout);
    expect(m, stdout).not.toBeNull();
    const [sel, echo, ratio] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(sel).toBeGreaterThan(0);
    expect(echo).toBeGreaterThan(0);
    // The ratio is the one of the two medians (printed with fewer digits than it was computed from).
    expect(Math.abs(ratio - sel / echo)).toBeLessThan(0.05 * (sel / echo) + 0.01);
  }, 150_000);
});
