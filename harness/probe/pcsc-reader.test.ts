// `simcert probe --reader` over the real PC/SC stack: the reference card (the bundled simulator) inserted into
// pcscd's vsmartcard vpcd reader, probed through pcsc-lite and the smartcard binding exactly as a card in a lab
// reader is, by the real CLI. The drawn claims must be the reference profile's, and the card unchanged. Runs where
// pcscd can (held through lab/pcsc/pcscd.sh, so concurrent runs wait for the readers); elsewhere it skips and says why.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import { knownSuites } from '../run/suites.ts';
import { attachSimulator, type AttachedSimulator } from '../sim/launch.ts';
import { holdPcscd, pcscdUnavailable, type PcscdHold } from '../transport/pcscd-fixture.ts';
import { waitForCard } from '../transport/pcsc.ts';

const unavailable = await pcscdUnavailable();
const READER = 'Virtual PCD 00 00';
const CLI = join(repoRoot, 'harness', 'cli', 'simcert.js');
const PROFILE = join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml');

describe.skipIf(unavailable !== undefined)(`simcert probe --reader through pcscd${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let hold: PcscdHold | undefined;
  let sim: AttachedSimulator | undefined;
  let dir: string;
  let code: number | null;
  let stderr: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-probe-pcsc-'));
    hold = await holdPcscd();
    await waitForCard(READER, 'absent', 15_000);
    const profile = await loadProfile(PROFILE, { knownSuites: await knownSuites() });
    const at = profile.sim!.vpcdReaders![0]!;
    sim = await attachSimulator(profile.sim!, at.host, at.port);
    await waitForCard(READER, 'present', 20_000);
    ({ code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'probe', '--reader', READER, '--profile', PROFILE, '--out', join(dir, 'draft.yaml'), '--json', join(dir, 'probe.json')],
        { timeout: 180_000, killSignal: 'SIGKILL' }, (err, _out, e) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr: e }));
    }));
  }, 960_000);

  afterAll(async () => {
    await sim?.stop();
    await hold?.release();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('probes the card in the reader and finds nothing the reference profile claims contradicted', () => {
    expect(stderr).toMatch(/contradicts none of the \d+ probed claims/);
    expect(code).toBe(0);
  });

  it('draws T=1, extended length through the reader, four channels, SCP03 i=70 and the reader in the IXIT', async () => {
    const draft = await readFile(join(dir, 'draft.yaml'), 'utf8');
    for (const line of ['  t0: false', '  t1: true', '  extendedLength: true', '  logicalChannels: 4', '  scp: "03"', '  scpI: "70"', `  reader: "${READER}"`]) {
      expect(draft.split('\n')).toContain(line);
    }
    const json = JSON.parse(await readFile(join(dir, 'probe.json'), 'utf8')) as { reader: string; atr: { hex: string } };
    expect(json.reader).toBe(READER);
    expect(json.atr.hex).toBe('3BFA1800008131FE454A434F5033315632333298');
  });
});
