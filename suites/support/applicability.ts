// How a suite declares which tests apply to a card: an expression over the profile's ICS mnemonics
// (harness/profile/applicability.ts). A test that does not apply is recorded as not applicable, with the
// expression and the profile lines that decided it; one that cannot run for a reason outside the ICS (no load
// file in the IXIT, a risk the lab did not accept) is recorded as skipped with that reason. Both carry the
// profile's labels, so the report and the portability matrix place them per card.
import * as allure from 'allure-js-commons';
import { it } from 'vitest';
import { decide, explain } from '../../harness/profile/applicability.ts';
import type { Profile } from '../../harness/profile/types.ts';
import { profileLabels, profileLine } from './card-context.ts';

/** Label the portability matrix reads: `not applicable` or `skipped`. */
export const APPLICABILITY_LABEL = 'applicability';

/** Undefined when the test applies; otherwise the sentence that says why not, with profile lines. */
export function notApplicable(profile: Profile, expression: string): string | undefined {
  const d = decide(expression, profile.ics);
  return d.applicable ? undefined : explain(d, (field) => profileLine(profile, ['ics', field]));
}

function recordedSkip(profile: Profile, suite: string, name: string, kind: 'not applicable' | 'skipped', why: string): void {
  it(`${name} — ${kind}`, async (ctx) => {
    await profileLabels(profile, suite);
    await allure.label(APPLICABILITY_LABEL, kind);
    await allure.parameter(kind === 'skipped' ? 'skipped because' : 'not applicable because', why);
    await allure.description(`${kind}: ${why}`);
    ctx.skip(why);
  });
}

export interface Applicability {
  /** An expression over ICS mnemonics that must hold. */
  when?: string;
  /**
   * Why the way the lab reaches this card (its IXIT route) cannot carry the test at all, e.g. no security domain
   * to install through, or a vpcd card the harness cannot move: recorded as not applicable, like an ICS reason.
   */
  routeLacks?: string;
  /** A reason outside the card's statement (a risk the lab did not accept, ...): recorded as skipped. */
  skip?: string;
}

/**
 * Registers `body` as a test when the expression holds for the profile's ICS, the route carries it and `skip`
 * gives no reason; otherwise records it as not applicable (ICS or route) or skipped (the reason given).
 */
export function applicableTest(profile: Profile, suite: string, name: string, opts: Applicability, body: () => Promise<void>): void {
  const na = (opts.when ? notApplicable(profile, opts.when) : undefined) ?? opts.routeLacks;
  if (na) recordedSkip(profile, suite, name, 'not applicable', na);
  else if (opts.skip) recordedSkip(profile, suite, name, 'skipped', opts.skip);
  else it(name, body);
}
