// The real PC/SC path: pcsc-lite's pcscd with Debian's vsmartcard vpcd driver, the `smartcard` binding, and the
// bundled simulator inserted into the virtual readers. Runs wherever pcscd can (root, packages installed; CI
// installs them); elsewhere the tests skip and say why. Under CI=true a missing pcscd is a failure, not a skip.
// pcscd is held through lab/pcsc/pcscd.sh (pcscd-fixture.ts): a concurrent `npm test` from another clone waits for
// the readers, pcscd is stopped only by the run that started it, and no APDU reaches its log unless asked for.
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { findReader, profileMatches, surveyReaders } from '../card/find-card.ts';
import { openCard, type OpenCard } from '../card/open-card.ts';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { attachSimulator, type AttachedSimulator, type SimSettings } from '../sim/launch.ts';
import { CardGoneError, CardTimeoutError } from './transport.ts';
import { listReaders, PcscTransport, waitForCard } from './pcsc.ts';
import { holdPcscd, PCSCD_SCRIPT, pcscdUnavailable, type PcscdHold } from './pcscd-fixture.ts';

const run = promisify(execFile);
const JPKI = 'D392F000260100000001';
const READERS = ['Virtual PCD 00 00', 'Virtual PCD 00 01'];
const KNOWN_SUITES = ['jpki-signing', 'handset-swap', 'applet-install', 'personalization'];

const unavailable = await pcscdUnavailable();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`CI must run the PC/SC tests, but: ${unavailable}`);
}

const referencePcscd = (): Promise<Profile> => loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml'), { knownSuites: KNOWN_SUITES });

/** pcscd's vpcd ports, as the profile (and /etc/reader.conf.d/vpcd) give them: the one fixed port pair. */
function vpcdPort(profile: Profile, i: 0 | 1): { host: string; port: number } {
  return profile.sim!.vpcdReaders![i]!;
}

interface CardInFirstReader {
  session: CardSession;
  transport: PcscTransport;
  sim: AttachedSimulator;
}

/**
 * The reference profile's simulator (with `faults`, if given) inserted into pcscd's first reader once that is seen
 * empty, and reached through PC/SC as a lab reaches a real card (T=1, extended length). `use` gets the session, its
 * transport and the simulator; the connection is closed and the card taken out afterwards, whatever `use` did.
 */
async function inFirstReader<T>(use: (card: CardInFirstReader) => Promise<T>, opts: { faults?: SimSettings['faults']; apduTimeoutMs?: number } = {}): Promise<T> {
  const profile = await referencePcscd();
  const reader = READERS[0]!;
  await waitForCard(reader, 'absent', 15_000);
  const { host, port } = vpcdPort(profile, 0);
  const sim = await attachSimulator(opts.faults ? { ...profile.sim!, faults: opts.faults } : profile.sim!, host, port);
  const transport = new PcscTransport({ reader, protocol: 'T=1' });
  if (opts.apduTimeoutMs !== undefined) transport.timeoutMs = opts.apduTimeoutMs;
  try {
    await waitForCard(reader, 'present', 20_000);
    await transport.connect();
    return await use({ session: new CardSession(transport, { extendedLength: true }), transport, sim });
  } finally {
    await transport.close();
    await sim.stop();
  }
}

/** Runs pcscd.sh with its own environment; resolves with exit code and output, never throws on a non-zero exit. */
async function script(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [PCSCD_SCRIPT, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('lab/pcsc/pcscd.sh keeps its state (the pcscd log) in a folder private to the user', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-pcscd-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('by default a folder of the user\'s own (under XDG_RUNTIME_DIR when set), created 0700', async () => {
    const runtime = join(dir, 'runtime');
    await mkdir(runtime, { mode: 0o700 });
    const r = await script(['stop'], { SIMCERT_PCSCD_STATE: '', XDG_RUNTIME_DIR: runtime });
    expect(r.code).toBe(0);
    const st = await stat(join(runtime, 'simcert-pcscd'));
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(process.getuid!());
  });

  it('refuses a folder others can write to, and writes nothing into it', async () => {
    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const r = await script(['stop'], { SIMCERT_PCSCD_STATE: open });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`pcscd.sh: state folder ${open} is writable by group or others (mode 777); refusing it (chmod 700 ${open})`);
    expect(await readdir(open)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a folder that belongs to someone else', async () => {
    const theirs = join(dir, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await chown(theirs, 65534, 65534);
    const r = await script(['stop'], { SIMCERT_PCSCD_STATE: theirs });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`state folder ${theirs} belongs to uid 65534, not to you`);
    expect(await readdir(theirs)).toEqual([]);
  });

  it('refuses a symlink planted where the folder should be', async () => {
    const target = join(dir, 'target');
    await mkdir(target, { mode: 0o700 });
    const link = join(dir, 'link');
    await symlink(target, link);
    const r = await script(['stop'], { SIMCERT_PCSCD_STATE: link });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`state folder ${link} is a symlink; refusing it`);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readdir(target)).toEqual([]);
  });
});

describe.skipIf(unavailable !== undefined)(`PC/SC through pcscd and vpcd${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let card: OpenCard | undefined;
  let hold: PcscdHold | undefined;

  beforeAll(async () => {
    // Waits while another run holds pcscd (the script gives up after SIMCERT_PCSCD_LOCK_WAIT, 900 s by default).
    hold = await holdPcscd();
    // A simulator left in a reader by an earlier run would make "insert" fail; the readers must start empty.
    for (const r of READERS) await waitForCard(r, 'absent', 15_000);
  }, 960_000);

  afterAll(async () => {
    await card?.close();
    await hold?.release();
  });

  it('lists the two vpcd readers', () => {
    const names = listReaders().map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['Virtual PCD 00 00', 'Virtual PCD 00 01']));
  });

  it('moves a card between two distinct readers, its applets kept and its power cycled', async () => {
    const profile = await referencePcscd();
    // This test installs with jCardSim's CREATE APPLET, so the class is put on the simulator's class path.
    profile.sim!.applets = [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }];
    card = await openCard(profile);
    expect(card.reader).toBe('Virtual PCD 00 00');
    expect(hex(card.session.atr)).toBe('3BFA1800008131FE454A434F5033315632333298');
    const aid = fromHex(JPKI);
    const create = { cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(aid.length, ...aid, 0, 0) };
    expect((await card.session.transmit(create)).sw).toBe(0x9000);
    expect((await card.session.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: aid })).sw).toBe(0x9000);
    await card.moveToOtherReader();
    expect(card.reader).toBe('Virtual PCD 00 01');
    expect(listReaders().find((r) => r.name === 'Virtual PCD 00 00')?.card).toBe('empty');
    // Installed before the move, so installing again is refused; and the move deselected everything.
    expect((await card.session.transmit(create)).sw).toBe(0x6444);
    expect((await card.session.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 4 })).sw).toBe(0x6a82);
    await card.moveToOtherReader();
    expect(card.reader).toBe('Virtual PCD 00 00');
    await card.close();
    card = undefined;
  });

  it('names the last command when the card is pulled out', async () => {
    await inFirstReader(async ({ session: s, sim }) => {
      expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(JPKI) })).sw).toBe(0x6a82);
      await sim.stop();
      await waitForCard('Virtual PCD 00 00', 'absent', 15_000);
      const err = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex('31323334') }, { name: 'VERIFY user-auth PIN', redact: 'command-data' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CardGoneError);
      expect((err as Error).message).toContain('last command: VERIFY user-auth PIN (00 20 00 80, 4 data bytes)');
      expect((err as Error).message).not.toContain('31 32 33 34');
    });
  });

  it('a card that goes silent: the command times out naming it, and close() returns without blocking this thread', async () => {
    // The simulator answers the first command, then never again (lab/cardsim's hostile "silence"). Taking it out
    // afterwards ends the transmit still waiting in pcscd, and the connection left behind is released.
    await inFirstReader(async ({ session: s, transport: t }) => {
      expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(JPKI) })).sw).toBe(0x6a82);
      const err = await s.transmit({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x7f, le: 256 }, { name: 'GET DATA CPLC' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CardTimeoutError);
      expect((err as Error).message).toMatch(/did not answer an APDU within 1000 ms.*last command: GET DATA CPLC \(80 CA 9F 7F\)/s);
      // The transmit is still waiting in pcscd. A disconnect now would wait for it on this thread (pcsc-lite
      // serialises a context's calls), and so would every timer: count the ticks while close() runs.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 50);
      await t.close();
      clearInterval(ticker);
      expect(ticks).toBeGreaterThan(10);
      await expect(s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(JPKI) })).rejects.toThrow(/no card connected|stopped answering/);
    }, { faults: { hostile: 'silence', hostileAfter: 1 }, apduTimeoutMs: 1000 });
  });

  it('finds the card of each profile in the rack by ICCID, whichever reader it is in', async () => {
    const profile = await referencePcscd();
    const base = profile.sim!;
    for (const r of READERS) await waitForCard(r, 'absent', 15_000);
    const a = await attachSimulator({ ...base, iccid: '8981100000000000017' }, vpcdPort(profile, 0).host, vpcdPort(profile, 0).port);
    const b = await attachSimulator({ ...base, iccid: '8981200000000000025' }, vpcdPort(profile, 1).host, vpcdPort(profile, 1).port);
    const dir = await mkdtemp(join(tmpdir(), 'simcert-rack-'));
    try {
      for (const r of READERS) await waitForCard(r, 'present', 20_000);
      const profileFor = async (name: string, iccid: string) => {
        const f = join(dir, `${name}.yaml`);
        await writeFile(f, [
          `name: ${name}`, 'card: { carrier: test, variant: rack, emulated: true }',
          'ixit:', '  transport: pcsc', '  atr: { value: 3BFA1800008131FE454A434F5033315632333298 }', `  identity: { iccid: "${iccid}" }`,
          '  jpki: { pin: { value: "1234" } }', 'suites: []', ''].join('\n'));
        return loadProfile(f, { knownSuites: [] });
      };
      const pa = await profileFor('carrier A', '8981100000000000017');
      const pb = await profileFor('carrier B', '8981200000000000025');
      const cards = await surveyReaders();
      const who = (reader: string) => [pa, pb].filter((p) => profileMatches(p, cards.find((c) => c.reader === reader)!)).map((p) => p.name);
      expect(cards.map((c) => c.iccid).sort()).toEqual(['8981100000000000017', '8981200000000000025']);
      expect(who('Virtual PCD 00 00')).toEqual(['carrier A']);
      expect(who('Virtual PCD 00 01')).toEqual(['carrier B']);
      const opened = await openCard(pb);
      expect(opened.reader).toBe('Virtual PCD 00 01');
      await opened.close();
      await expect(findReader(await profileFor('carrier C', '8981300000000000033'))).rejects.toThrow(/no inserted card is "carrier C" \(ATR .*, ICCID 8981300000000000033\); found: "Virtual PCD 00 00"/);
    } finally {
      await a.stop();
      await b.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Sends one command (whose data bytes are `marker`) to a simulated card through pcscd's first reader. */
function sendThroughPcscd(marker: string): Promise<number> {
  return inFirstReader(async ({ session }) =>
    (await session.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex(marker) }, { name: 'VERIFY', redact: 'command-data' })).sw);
}

/** The log of the pcscd a hold started, as the script named it in its "ready" line. */
function logOf(h: PcscdHold): string {
  return /ready \(pcscd started here, log (.+)\)/.exec(h.output())![1]!;
}

/** The bytes as pcscd -a would print them, whatever its spacing: the log with its blanks removed. */
const containsBytes = (log: string, marker: string): boolean => log.replace(/\s+/g, '').toUpperCase().includes(marker);

// Each hold below may wait for a concurrent run's whole PC/SC test file: hence timeouts above the lock's 900 s.
const HOLD_TIMEOUT = 960_000;

describe.skipIf(unavailable !== undefined)('pcscd shared between concurrent runs, and its log', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-pcscd-other-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a second run waits while the first holds pcscd, then finds it up; a run never stops a pcscd it did not start', async () => {
    const first = await holdPcscd();
    // From here on the lock is ours: no run that takes it can start or stop pcscd, so what follows is not racy.
    expect((await script(['status'], {})).code).toBe(0);
    let secondReady = false;
    let sawWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => (sawWaiting = resolve));
    const secondHold = holdPcscd({ onLine: (l) => l.includes('waiting for another simcert run') && sawWaiting() });
    void secondHold.then(() => (secondReady = true), () => undefined);
    await waiting;
    expect(secondReady).toBe(false);
    // A run that finds pcscd up (the first's; its own state folder so that it does not wait for our lock) uses it
    // and leaves it running.
    const other = await script(['run', '--', 'true'], { SIMCERT_PCSCD_STATE: join(dir, 'state') });
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('pcscd already running');
    expect(other.stdout).not.toContain('stopped pcscd');
    expect((await script(['status'], {})).code).toBe(0);
    await first.release();
    const second = await secondHold;
    expect((await script(['status'], {})).code).toBe(0);
    expect(listReaders().map((r) => r.name)).toEqual(expect.arrayContaining(READERS));
    await second.release();
  }, HOLD_TIMEOUT);

  it('no APDU reaches pcscd\'s log by default; SIMCERT_PCSCD_LOG_APDUS=1 logs them, with a warning', async (ctx) => {
    const marker = 'A55AC33C5AA53CC3';
    // Read while the hold (and so the log) is still ours: a concurrent run may start pcscd anew right after.
    const quiet = await holdPcscd();
    if (!quiet.startedHere) {
      await quiet.release();
      ctx.skip('a pcscd this run did not start is running: its log is not ours to read');
    }
    await sendThroughPcscd(marker);
    const quietLog = await readFile(logOf(quiet), 'utf8');
    const quietMode = (await stat(logOf(quiet))).mode;
    await quiet.release();
    expect(quietMode & 0o077).toBe(0);
    expect(quiet.output()).not.toContain('WARNING');
    expect(containsBytes(quietLog, marker)).toBe(false);

    const loud = await holdPcscd({ env: { SIMCERT_PCSCD_LOG_APDUS: '1' } });
    if (!loud.startedHere) {
      await loud.release();
      ctx.skip('a pcscd this run did not start came up meanwhile: its log is not ours to read');
    }
    await sendThroughPcscd(marker);
    const loudLog = await readFile(logOf(loud), 'utf8');
    await loud.release();
    expect(loud.output()).toContain('pcscd.sh: WARNING: SIMCERT_PCSCD_LOG_APDUS=1: pcscd logs every APDU');
    expect(loud.output()).toContain('PINs and the STORE DATA blocks carrying private keys');
    expect(containsBytes(loudLog, marker)).toBe(true);
  }, HOLD_TIMEOUT);
});
