// A profile of a card model written from public datasheets and ATR lists says `verified: false` until a lab has
// confirmed its facts on a card. A failure on such a profile may be the profile's error rather than the card's, so
// the run's output and every test of the report say so, in one wording kept here.
import type { Profile } from './types.ts';

/** The note for a profile whose facts are unverified, or undefined when it makes no such statement. */
export function unverifiedNote(profile: Pick<Profile, 'verified'>): string | undefined {
  return profile.verified === false
    ? 'UNVERIFIED PROFILE (verified: false): its facts come from public datasheets and ATR lists and no lab has confirmed them on this card yet, so a failure may be a wrong claim in the profile rather than a fault of the card; `simcert probe` checks the claims against the card'
    : undefined;
}
