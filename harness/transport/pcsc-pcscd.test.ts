// The real PC/SC path: pcsc-lite's pcscd with Debian's vsmartcard vpcd driver, the `smartcard` binding, and the
// bundled simulator inserted into the virtual readers. Runs wherever pcscd can (root, packages installed; CI
// installs them); elsewhere the tests skip and say why. Under CI=true a missing pcscd is a failure, not a skip.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import { attachSimulator } from '../sim/launch.ts';
import { CardGoneError } from './transport.ts';
import { listReaders, loadPcsc, PcscTransport, waitForCard } from './pcsc.ts';

const run = promisify(execFile);
const SCRIPT = join(repoRoot, 'lab', 'pcsc', 'pcscd.sh');
const JPKI = 'D392F000260100000001';

/** Set when this test file started pcscd (and so must stop it); a pcscd someone else runs is left alone. */
let startedHere = false;

async function pcscdUnavailable(): Promise<string | undefined> {
  try {
    loadPcsc();
  } catch (err) {
    return (err as Error).message;
  }
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start']);
    startedHere = stdout.includes('pcscd started');
    return undefined;
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    if (e.code === 3) return (e.stderr ?? '').trim();
    throw err;
  }
}

const unavailable = await pcscdUnavailable();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`CI must run the PC/SC tests, but: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined)(`PC/SC through pcscd and vpcd${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let card: OpenCard | undefined;

  beforeAll(async () => {
    // A simulator left in a reader by an earlier run would make "insert" fail; the readers must start empty.
    for (const r of ['Virtual PCD 00 00', 'Virtual PCD 00 01']) await waitForCard(r, 'absent', 15_000);
  });

  afterAll(async () => {
    await card?.close();
    if (startedHere) await run('bash', [SCRIPT, 'stop']);
  });

  it('lists the two vpcd readers', () => {
    const names = listReaders().map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['Virtual PCD 00 00', 'Virtual PCD 00 01']));
  });

  it('moves a card between two distinct readers, its applets kept and its power cycled', async () => {
    const profile = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml'), { knownSuites: ['jpki-signing', 'handset-swap', 'applet-install', 'personalization'] });
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
    const profile = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml'), { knownSuites: ['jpki-signing', 'handset-swap', 'applet-install', 'personalization'] });
    await waitForCard('Virtual PCD 00 00', 'absent', 15_000);
    const sim = await attachSimulator(profile.sim!, '127.0.0.1', 35963);
    const t = new PcscTransport({ reader: 'Virtual PCD 00 00', protocol: 'T=1' });
    try {
      await waitForCard('Virtual PCD 00 00', 'present', 20_000);
      await t.connect();
      const s = new CardSession(t, { extendedLength: true });
      expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(JPKI) })).sw).toBe(0x6a82);
      await sim.stop();
      await waitForCard('Virtual PCD 00 00', 'absent', 15_000);
      const err = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex('31323334') }, { name: 'VERIFY user-auth PIN', redact: 'command-data' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CardGoneError);
      expect((err as Error).message).toContain('last command: VERIFY user-auth PIN (00 20 00 80, 4 data bytes)');
      expect((err as Error).message).not.toContain('31 32 33 34');
    } finally {
      await t.close();
      await sim.stop();
    }
  });

  it('finds the card of each profile in the rack by ICCID, whichever reader it is in', async () => {
    const base = (await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml'), { knownSuites: ['jpki-signing', 'handset-swap', 'applet-install', 'personalization'] })).sim!;
    for (const r of ['Virtual PCD 00 00', 'Virtual PCD 00 01']) await waitForCard(r, 'absent', 15_000);
    const a = await attachSimulator({ ...base, iccid: '8981100000000000017' }, '127.0.0.1', 35963);
    const b = await attachSimulator({ ...base, iccid: '8981200000000000025' }, '127.0.0.1', 35964);
    const dir = await mkdtemp(join(tmpdir(), 'simcert-rack-'));
    try {
      for (const r of ['Virtual PCD 00 00', 'Virtual PCD 00 01']) await waitForCard(r, 'present', 20_000);
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
