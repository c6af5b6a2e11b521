// Test-only: the probe's round-trip tests (harness/probe/round-trip.test.ts, deep.test.ts) probe every emulated
// profile's simulator as an unknown card. Each card is started from its profile with the ICS made unreadable, so a
// probe that peeked at the declared claims instead of asking the card would throw rather than pass.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { openSimulatorAsCard, type ProbeTarget } from '../probe/target.ts';
import { knownSuites } from '../run/suites.ts';

export const EMULATED = join(repoRoot, 'profiles', 'emulated');
export const VARIANTS = join(EMULATED, 'variants');
/** The reference profile, then every variant in name order. */
export const EMULATED_PROFILES = [join(EMULATED, 'reference.yaml'), ...readdirSync(VARIANTS).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(VARIANTS, f))];

/**
 * For each emulated profile, one at a time: starts its simulator from the profile with the ICS unreadable, calls
 * `probe` with the open card and that blinded profile, and closes the card. Returns, per profile file, the loaded
 * (readable) profile with what `probe` returned.
 */
export async function probeEachBlind<T>(probe: (target: ProbeTarget, blind: Profile) => Promise<T>): Promise<Map<string, { profile: Profile } & T>> {
  const suites = await knownSuites();
  const probed = new Map<string, { profile: Profile } & T>();
  for (const file of EMULATED_PROFILES) {
    const profile = await loadProfile(file, { knownSuites: suites });
    const blind: Profile = { ...profile, ics: new Proxy({} as Profile['ics'], { get: () => { throw new Error('the probe read the profile\'s ICS'); } }) };
    const target = await openSimulatorAsCard(blind);
    try {
      probed.set(file, { profile, ...(await probe(target, blind)) });
    } finally {
      await target.close();
    }
  }
  return probed;
}
