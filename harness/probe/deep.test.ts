// `simcert probe --deep` round trip: on the reference profile and every variant, the capability-probe applet is
// loaded through the ISD, asked and deleted, and the claims only code on the card can establish (RSA-2048, on-card
// key generation, P-256, P-384, the Java Card version) equal the profile's ICS; the card's applications and load
// files are as they were (GET STATUS before and after). A profile claiming P-384 on the variant without elliptic
// curves is caught. The read-only claims are covered by round-trip.test.ts.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../profile/types.ts';
import { EMULATED, EMULATED_PROFILES as PROFILES, probeEachBlind, VARIANTS } from '../testing/blind-probe.ts';
import { findContradictions } from './contradictions.ts';
import { checkDeepAllowed, DeepProbeRefused, javaCardVersion } from './deep.ts';
import { probeCard, type ProbeResult } from './probe.ts';

const DEEP = ['rsa2048', 'onCardKeyGeneration', 'ecP256', 'ecP384', 'javaCard'] as const;

let probed: Map<string, { profile: Profile; result: ProbeResult }>;

beforeAll(async () => {
  // The ICS is unreadable to the probe: it may use the profile only to start the card and for the ISD keys.
  probed = await probeEachBlind(async (target, blind) => ({ result: await probeCard(target.session, target.reader, { deep: blind }) }));
}, 600_000);

describe.each(PROFILES.map((f) => [f.slice(EMULATED.length + 1), f]))('simcert probe --deep --sim %s', (_name, file) => {
  it('draws the algorithm and platform claims the profile declares', () => {
    const { profile, result } = probed.get(file)!;
    const drawn = Object.fromEntries(DEEP.map((c) => [c, result.claims.find((x) => x.claim === c)?.value]));
    expect(drawn).toEqual(Object.fromEntries(DEEP.map((c) => [c, profile.ics[c]])));
    expect(result.unknown.map((u) => u.claim)).not.toContain('ecP384');
  });

  it('deletes the probe applet: applications and load files are as they were', () => {
    const { result } = probed.get(file)!;
    expect(result.deep?.contentRestored).toBe(true);
    expect(result.deep?.evidence.join('\n')).toMatch(/DELETE F0534D434552544350 and its instance: 9000/);
  });
});

describe('--deep catches what a read-only probe cannot', () => {
  it('P-384 (and P-256, on-card key generation) claimed on the variant without elliptic curves', () => {
    const { profile, result } = probed.get(join(VARIANTS, 'rsa-only.yaml'))!;
    const found = findContradictions({ ...profile.ics, ecP384: true }, result.claims);
    expect(found.map((c) => [c.claim, c.declared, c.observed])).toEqual([['ecP384', true, false]]);
    expect(found[0]!.basis).toMatch(/P-384 .*refused/);
  });

  it('is refused before anything is sent for a card that is not a test card or has no ISD keys', async () => {
    const ref = probed.get(join(EMULATED, 'reference.yaml'))!.profile;
    expect(() => checkDeepAllowed({ ...ref, card: { ...ref.card, testCard: false } })).toThrow(DeepProbeRefused);
    const { gp: _gp, ...noGp } = ref.ixit;
    expect(() => checkDeepAllowed({ ...ref, ixit: noGp })).toThrow(/ixit\.gp/);
  });

  it('reads JCSystem.getVersion as Java Card 3.0.x does (0x0305 = 3.0.5) and 2.x as major.minor', () => {
    expect(javaCardVersion(0x0305)).toBe('3.0.5');
    expect(javaCardVersion(0x0202)).toBe('2.2');
  });
});
