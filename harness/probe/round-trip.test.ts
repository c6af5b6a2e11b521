// Round trip: for the reference profile and every variant under profiles/emulated/variants, the bundled simulator
// started from the profile's sim section alone is probed as an unknown card, and the ICS the probe draws from its
// answers must equal the ICS the profile declares, claim for claim. The probe and the simulator's knobs are so
// proven against each other. What a read-only probe cannot see (NOT_READ_ONLY in probe.ts, README "Probing a card")
// is left out explicitly, and the test checks that every other claim was compared. Probing must leave the card's
// persistent state byte-identical (the simulator's state-image digest before and after), and the draft it writes
// must pass `profile check`. A profile whose ICS lies about what the card shows is caught as a contradiction.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProfiles, loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { knownSuites } from '../run/suites.ts';
import { EMULATED, EMULATED_PROFILES as PROFILES, probeEachBlind, VARIANTS } from '../testing/blind-probe.ts';
import { findContradictions } from './contradictions.ts';
import { DRAFT_GP_KEYS_ENV, DRAFT_PIN_ENV, draftProfileYaml } from './draft-profile.ts';
import { NOT_READ_ONLY, probeCard, type IcsClaim, type ProbeResult } from './probe.ts';

interface Probed {
  profile: Profile;
  result: ProbeResult;
  before: string;
  after: string;
}

let probed: Map<string, Probed>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-probe-'));
  // The card is started from the profile with its ICS made unreadable: the probe may learn only from the card.
  probed = await probeEachBlind(async (target) => {
    const before = await target.simulator!.stateImage();
    const result = await probeCard(target.session, target.reader);
    const after = await target.simulator!.stateImage();
    return { result, before, after };
  });
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(PROFILES.map((f) => [f.slice(EMULATED.length + 1), f]))('simcert probe --sim %s', (_name, file) => {
  it('draws from the card exactly the ICS the profile declares, for every claim a read-only probe can see', () => {
    const { profile, result } = probed.get(file)!;
    const drawn = Object.fromEntries(result.claims.map((c) => [c.claim, c.value]));
    const declared = Object.fromEntries(result.claims.map((c) => [c.claim, profile.ics[c.claim]]));
    // scpI is hex: the profile may write it in either case.
    if (typeof declared.scpI === 'string') declared.scpI = declared.scpI.toUpperCase();
    // A profile that states no free memory is matched by a card that does not state it either.
    expect(drawn).toEqual(declared);
    if (profile.ics.persistentMemory === undefined) expect(drawn.persistentMemory).toBeUndefined();
  });

  it('leaves out only the claims it cannot see, each with its reason', () => {
    const { profile, result } = probed.get(file)!;
    const compared = new Set<string>(result.claims.map((c) => c.claim));
    const unseen = new Set(Object.keys(NOT_READ_ONLY));
    for (const claim of Object.keys(profile.ics) as IcsClaim[]) {
      if (compared.has(claim) || unseen.has(claim)) continue;
      // Only a claim the profile does not make may stay unprobed (persistentMemory on an unbounded card).
      expect({ claim, declared: profile.ics[claim] }).toEqual({ claim, declared: undefined });
    }
    for (const u of result.unknown) expect(u.why.length).toBeGreaterThan(10);
    for (const c of result.claims) expect(c.evidence.length).toBeGreaterThan(0);
  });

  it('sees an ATR whose check byte verifies (ISO/IEC 7816-3 8.2.5), as a reader requires', () => {
    const { result } = probed.get(file)!;
    expect(result.atr.parsed.tck?.valid ?? true).toBe(true);
  });

  it('changes nothing: the persistent state image is byte-identical before and after the probe', () => {
    const { before, after } = probed.get(file)!;
    expect(before).toMatch(/^[0-9A-F]{64} \d+$/i);
    expect(after).toBe(before);
  });

  it('writes a draft profile that `profile check` accepts', async () => {
    const { result } = probed.get(file)!;
    const out = join(dir, `${_name.replace(/\W/g, '-')}.yaml`);
    await writeFile(out, draftProfileYaml(result, { source: file, date: new Date(0) }));
    const saved = { pin: process.env[DRAFT_PIN_ENV], keys: process.env[DRAFT_GP_KEYS_ENV] };
    // The draft names environment variables for the secrets; a lab sets them before checking or running.
    process.env[DRAFT_PIN_ENV] = '1234';
    process.env[DRAFT_GP_KEYS_ENV] = '404142434445464748494A4B4C4D4E4F';
    try {
      const [checked] = await checkProfiles([out], { knownSuites: await knownSuites() });
      expect(checked!.problems).toEqual([]);
      const reloaded = await loadProfile(out, { knownSuites: await knownSuites() });
      for (const c of result.claims) expect(reloaded.ics[c.claim]).toEqual(c.value);
    } finally {
      for (const [k, v] of [[DRAFT_PIN_ENV, saved.pin], [DRAFT_GP_KEYS_ENV, saved.keys]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('a profile whose ICS lies is caught', () => {
  it('T=1 claimed on the T=0 variant: the card\'s ATR contradicts it', () => {
    const { profile, result } = probed.get(join(VARIANTS, 't0-short-apdu.yaml'))!;
    const lying = { ...profile.ics, t1: true };
    const found = findContradictions(lying, result.claims);
    expect(found.map((c) => [c.claim, c.declared, c.observed])).toEqual([['t1', true, false]]);
    expect(found[0]!.evidence.join('\n')).toContain(result.atr.hex);
  });

  it('extended length claimed on the T=0 variant: the card answers the extended APDU with 6700', () => {
    const { profile, result } = probed.get(join(VARIANTS, 't0-short-apdu.yaml'))!;
    const found = findContradictions({ ...profile.ics, extendedLength: true }, result.claims);
    expect(found.map((c) => c.claim)).toEqual(['extendedLength']);
    expect(found[0]!.evidence[0]).toMatch(/ -> 6700$/);
  });

  it('four channels and an ARA-M claimed on the single-channel variant', () => {
    const { profile, result } = probed.get(join(VARIANTS, 'single-channel.yaml'))!;
    const found = findContradictions({ ...profile.ics, logicalChannels: 4, araM: true }, result.claims);
    expect(found.map((c) => [c.claim, c.observed])).toEqual([['logicalChannels', 1], ['araM', false]]);
  });

  it('SCP03 claimed on the SCP02 variant, and more memory than the small-memory variant has', () => {
    const scp02 = probed.get(join(VARIANTS, 'scp02-isd-only.yaml'))!;
    expect(findContradictions({ ...scp02.profile.ics, scp: '03', scpI: '70' }, scp02.result.claims).map((c) => [c.claim, c.observed]))
      .toEqual([['scp', '02'], ['scpI', '15']]);
    const small = probed.get(join(VARIANTS, 'small-memory.yaml'))!;
    expect(findContradictions({ ...small.profile.ics, persistentMemory: 65536 }, small.result.claims).map((c) => [c.claim, c.observed]))
      .toEqual([['persistentMemory', 30000]]);
  });
});
