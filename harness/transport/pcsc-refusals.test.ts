// What a lab meets with its first real reader, reproduced through the real PC/SC stack (pcscd with Debian's
// vsmartcard-vpcd and the bundled simulator inserted into its readers): `simcert readers` showing each card's
// state, negotiated protocol and ATR; a card that speaks only T=0 under a profile that claims T=1 (an error naming
// the reader and the claim, before any APDU); and a card pulled out in the middle of a run (the tests left on that
// card say "card removed from reader X", the card in the other reader goes on). pcscd is held through
// lab/pcsc/pcscd.sh (pcscd-fixture.ts), so concurrent runs wait for the readers; elsewhere the tests skip and say why.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../card/open-card.ts';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { runSuites } from '../run/run.ts';
import { attachSimulator } from '../sim/launch.ts';
import { ProtocolRefusedError, waitForCard } from './pcsc.ts';
import { holdPcscd, pcscdUnavailable, type PcscdHold } from './pcscd-fixture.ts';

const run = promisify(execFile);
const READERS = ['Virtual PCD 00 00', 'Virtual PCD 00 01'] as const;
/** pcscd's vpcd ports (/etc/reader.conf.d/vpcd, as profiles/emulated/reference-pcscd.yaml gives them). */
const PORTS = [35963, 35964] as const;
/** A T=0-only UICC ATR (the t0-short-apdu variant's): TD1 = 80 names T=0, TD2 = 1F the global T=15. */
const T0_ATR = '3B9F96801FC78031E073FE211B633A204E8300900031';
const T1_ATR = '3BFA1800008131FE454A434F5033315632333298';

const unavailable = await pcscdUnavailable();
if (unavailable && process.env.CI === 'true') throw new Error(`CI must run the PC/SC tests, but: ${unavailable}`);

/** An emulated card inserted into one of pcscd's vpcd readers, with the reference JPKI applet created by CREATE APPLET. */
function pcscProfile(o: { name: string; reader: 0 | 1; ics: string; atr: string; protocol: 'T=0' | 'T=1'; extendedLength: boolean; sim?: string[] }): string {
  return [
    `name: ${o.name}`,
    `card: { carrier: simcert, variant: pcsc-refusals, emulated: true, testCard: true }`,
    `ics: { ${o.ics} }`,
    'ixit:',
    '  transport: pcsc',
    `  reader: ${READERS[o.reader]}`,
    '  jpki:',
    '    pin: { value: "1234" }',
    '    signingPin: { value: "SIMCERT1" }',
    '    install: create-applet',
    `    personalization: { source: fixture, vectors: ${join(repoRoot, 'vectors', 'jpki')} }`,
    '  timeouts: { connectMs: 20000, apduMs: 30000 }',
    'sim:',
    `  atr: ${o.atr}`,
    `  protocol: ${o.protocol}`,
    `  extendedLength: ${o.extendedLength}`,
    `  apduBufferSize: ${o.extendedLength ? 2048 : 261}`,
    '  applets: [{ aid: D392F000260100000001, class: org.simcert.applets.jpki.JpkiApplet, codebase: jpki }]',
    `  vpcdReaders: [{ port: ${PORTS[o.reader]} }]`,
    ...(o.sim ?? []),
    'suites: [jpki-signing]',
    '',
  ].join('\n');
}

describe.skipIf(unavailable !== undefined)(`readers that refuse, and cards that leave${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let hold: PcscdHold | undefined;
  let dir: string;

  beforeAll(async () => {
    hold = await holdPcscd();
    for (const r of READERS) await waitForCard(r, 'absent', 15_000);
    dir = await mkdtemp(join(tmpdir(), 'simcert-pcsc-refusals-'));
  }, 960_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await hold?.release();
  });

  it('simcert readers shows each reader\'s name, card state, negotiated protocol, the protocols the ATR offers and the ATR', async () => {
    const sim = await attachSimulator({ atr: T0_ATR, protocol: 'T=0', extendedLength: false, apduBufferSize: 261, logicalChannels: 4, applets: [] }, '127.0.0.1', PORTS[0]);
    try {
      await waitForCard(READERS[0], 'present', 20_000);
      const { stdout } = await run('node', [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'readers'], { cwd: repoRoot });
      const lines = stdout.trim().split('\n');
      expect(lines).toContain(`${READERS[0]}\tpresent\tprotocol T=0\tATR offers T=0\tATR ${T0_ATR.match(/../g)!.join(' ')}`);
      expect(lines).toContain(`${READERS[1]}\tempty`);
    } finally {
      await sim.stop();
      await waitForCard(READERS[0], 'absent', 15_000);
    }
  }, 60_000);

  it('a T=0-only card under a profile that claims T=1: refused before any APDU, naming the reader and the claim', async () => {
    const file = join(dir, 't1-claim.yaml');
    await writeFile(file, pcscProfile({ name: 'claims T=1', reader: 0, ics: 't0: true, t1: false, extendedLength: false', atr: T0_ATR, protocol: 'T=0', extendedLength: false }));
    const profile = await loadProfile(file, { knownSuites: ['jpki-signing'] });
    // profile check refuses a simulator section that contradicts the ICS; a real card's profile has no such section
    // to contradict, so the false claim is made after loading, as a datasheet would make it.
    profile.ics.t0 = false;
    profile.ics.t1 = true;
    const err = await openCard(profile).then(async (c) => {
      await c.close();
      return undefined;
    }, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolRefusedError);
    const msg = (err as Error).message;
    expect(msg).toContain(`reader "${READERS[0]}": the card does not take T=1`);
    expect(msg).toContain('its ATR offers T=0');
    expect(msg).toContain(`the profile claims ics.t0: false, ics.t1: true (${file})`);
    await waitForCard(READERS[0], 'absent', 15_000); // the route released the simulator it inserted
  }, 60_000);

  describe('a card pulled out of its reader in the middle of a run', () => {
    let results: AllureResult[];
    let code: number;
    const of = (name: string): AllureResult[] => results.filter((r) => r.parameters?.some((p) => p.name === 'profile' && p.value === name));

    beforeAll(async () => {
      const pulled = join(dir, 'a-pulled.yaml');
      const other = join(dir, 'b-other.yaml');
      // Pulled after 60 APDUs, during or just after provisioning, on the first reader.
      await writeFile(pulled, pcscProfile({ name: 'Card pulled from reader 0', reader: 0, ics: 't0: false, t1: true, extendedLength: true', atr: T1_ATR, protocol: 'T=1', extendedLength: true, sim: ['  faults: { removeAfterApdus: 60 }'] }));
      await writeFile(other, pcscProfile({ name: 'Card left in reader 1', reader: 1, ics: 't0: false, t1: true, extendedLength: true', atr: T1_ATR, protocol: 'T=1', extendedLength: true }));
      code = await runSuites({ report: false, profiles: [pulled, other], out: join(dir, 'out'), log: () => undefined, runnerOutput: 'drop' });
      results = await readAllureResults(join(dir, 'out', 'allure-results'));
    }, 600_000);

    it('the test that was running is broken with "card removed from reader", naming the reader and the last command', () => {
      expect(code).toBe(1);
      const broken = of('Card pulled from reader 0').filter((r) => r.status === 'broken').sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
      expect(broken.length).toBeGreaterThan(0);
      expect(broken[0]!.statusDetails?.message).toMatch(new RegExp(`^card removed from reader "${READERS[0]}" .*; last command: `));
    });

    it('every test after it on that card is broken for the same reason or blocked, none passes', () => {
      const all = of('Card pulled from reader 0').sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
      const first = all.findIndex((r) => r.status === 'broken');
      for (const r of all.slice(first + 1)) {
        if (r.status === 'broken') expect(r.statusDetails?.message, r.name).toMatch(/card removed from reader|no card connected/);
        else expect(r.status, r.name).toBe('skipped');
      }
    });

    it('the card in the other reader goes on, every test passed or not applicable', () => {
      const other = of('Card left in reader 1');
      expect(other.length).toBeGreaterThan(20);
      expect(other.filter((r) => r.status !== 'passed' && r.status !== 'skipped').map((r) => r.name)).toEqual([]);
      expect(other.filter((r) => r.status === 'passed').length).toBeGreaterThan(15);
    });
  });
});
