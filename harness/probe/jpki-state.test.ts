// The probe on a card that carries the JPKI AP (the reference profile's simulator, installed and personalized as
// `simcert sim serve` does it): it reads the token information, the certificate presence and the tries left of
// both PINs, and still changes nothing. The state-image digest is shown to see a change: one wrong PIN moves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import { knownSuites } from '../run/suites.ts';
import { draftProfileYaml } from './draft-profile.ts';
import { probeCard, type ProbeResult } from './probe.ts';
import { openSimulatorAsCard, type ProbeTarget } from './target.ts';

const ICCID = '8981100000000000001';
let target: ProbeTarget;
let result: ProbeResult;
let before: string;
let after: string;

beforeAll(async () => {
  const profile = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites: await knownSuites() });
  // With an ICCID, as a rack's cards have: EF ICCID under the MF (ETSI TS 102 221 13.2).
  target = await openSimulatorAsCard({ ...profile, sim: { ...profile.sim!, iccid: ICCID } }, { installed: true });
  before = await target.simulator!.stateImage();
  result = await probeCard(target.session, target.reader);
  after = await target.simulator!.stateImage();
}, 300_000);

afterAll(async () => {
  await target?.close();
});

describe('simcert probe on a card with the JPKI AP', () => {
  it('finds the AP, its token label and both certificates, and the tries left of both PINs', () => {
    expect(result.jpki.present).toBe(true);
    expect(result.jpki.tokenLabel).toMatch(/^JPKIAP/);
    expect(result.jpki.presence).toBe('8F8F00');
    expect(result.jpki.userAuthPin).toEqual({ triesLeft: 3, blocked: false, sw: '63C3' });
    expect(result.jpki.signingPin).toEqual({ triesLeft: 5, blocked: false, sw: '63C5' });
  });

  it('reads the ICCID from EF ICCID and names the card by it in the draft', () => {
    expect(result.files.mf).toBe(true);
    expect(result.files.iccid).toBe(ICCID);
    const draft = draftProfileYaml(result, { source: 'test', date: new Date(0) });
    expect(draft).toContain(`identity:\n    iccid: "${ICCID}"`);
    expect(draft).toMatch(/JPKI AP present/);
    expect(draft).toMatch(/user-authentication PIN \(EF 0018\): 3 tries left; signing password \(EF 001B\): 5 tries left/);
  });

  it('asks the PINs with a bare VERIFY only: no PIN data is ever sent', () => {
    const verifies = target.session.trace.entries.filter((e) => e.command.replace(/ /g, '').startsWith('0020'));
    expect(verifies.length).toBe(2);
    for (const v of verifies) expect(v.command.replace(/ /g, '')).toBe('00200080');
  });

  it('leaves the persistent state byte-identical, though a wrong PIN changes it', async () => {
    expect(after).toBe(before);
    const s = target.session;
    await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: Buffer.from('D392F000260100000001', 'hex') });
    await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(0x00, 0x18) });
    const wrong = await s.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: Buffer.from('0000') }, { redact: 'command-data' });
    expect(wrong.sw).toBe(0x63c2);
    expect(await target.simulator!.stateImage()).not.toBe(after);
  });
});
