// How a suite declares which tests apply to a card, and what each test needs: an expression over the profile's
// ICS mnemonics (harness/profile/applicability.ts), and the tests it depends on (outcomes.ts). A test that does
// not apply is recorded as not applicable, with the expression and the profile lines that decided it; one that
// cannot run for a reason outside the ICS (no load file in the IXIT, a risk the lab did not accept) is recorded as
// skipped with that reason; one whose precondition failed is recorded as skipped, "blocked by <suite> › <test>",
// so the failure shows once, where it happened. All carry the profile's labels, so the report and the
// portability matrix place them per card. Every test also carries its stable ID and the clauses it verifies
// (requirements.ts), whatever its verdict, so a lab files a not-applicable or blocked test under the same ID.
import * as allure from 'allure-js-commons';
import { it } from 'vitest';
import { decide, explain } from '../../harness/profile/applicability.ts';
import type { Profile } from '../../harness/profile/types.ts';
import { profileLabels, profileLine } from './card-context.ts';
import { useTestExpect } from './expect.ts';
import { blockedBy, declareTest, recordOutcome } from './outcomes.ts';
import { registerRequirement, type Requirement } from './requirements.ts';

/** Label the portability matrix reads: `not applicable`, `skipped` or `blocked`. */
export const APPLICABILITY_LABEL = 'applicability';

/** Parameter (excluded from the test's identity) naming the failed test that kept a test from running. */
export const BLOCKED_BY_PARAMETER = 'blocked by';

export interface TestOptions {
  /** The test's stable ID (`JPKI-SIG-004`): the same in every run and on every profile (requirements.ts). */
  id: string;
  /** The clauses it verifies, `<document> <section> <title>` (requirements.ts): at least one. */
  clauses: readonly string[];
  /** ICS expression the card must claim for the test to apply. */
  when?: string;
  /**
   * Why the way the lab reaches this card (its IXIT route) cannot carry the test at all, e.g. no security domain
   * to install through, or a vpcd card the harness cannot move: recorded as not applicable, like an ICS reason.
   */
  routeLacks?: string | undefined;
  /** A reason outside the ICS not to run the test (a risk the lab did not accept, ...). */
  skip?: string | undefined;
  /** Tests that must have passed first: a title in this suite, or `suite › title` for a suite that runs earlier. */
  dependsOn?: string | readonly string[];
}

/** A test's ID and clauses, as the suites' helpers take them ahead of the title. */
export type TestRef = Pick<TestOptions, 'id' | 'clauses'>;

/** The rest of a test's options, for the suites' helpers that add the ID and clauses themselves. */
export type MoreOptions = Omit<TestOptions, 'id' | 'clauses'>;

/** Undefined when the test applies; otherwise the sentence that says why not, with profile lines. */
export function notApplicable(profile: Profile, expression: string): string | undefined {
  const d = decide(expression, profile.ics);
  return d.applicable ? undefined : explain(d, (field) => profileLine(profile, ['ics', field]));
}

/**
 * The test's identity in Allure, whatever its verdict: testCaseId the ID (one test across runs and profiles),
 * historyId the ID on this profile (its own history per card), a `requirement` label and a link per clause.
 */
async function traceability(req: Requirement, profile: Profile): Promise<void> {
  await allure.testCaseId(req.id);
  await allure.historyId(`${req.id}@${profile.name}`);
  await allure.label(TEST_ID_LABEL, req.id);
  for (const c of req.clauses) {
    await allure.label(REQUIREMENT_LABEL, c.text);
    if (c.url) await allure.link(c.url, `${c.document} ${c.section}`, 'requirement');
  }
}

/** Label holding the test's stable ID (also its testCaseId). */
export const TEST_ID_LABEL = 'testId';

/** Label holding one clause the test verifies, as written in its options. */
export const REQUIREMENT_LABEL = 'requirement';

function recordedSkip(profile: Profile, suite: string, name: string, req: Requirement, kind: 'not applicable' | 'skipped', why: string): void {
  it(`${name} — ${kind}`, async (ctx) => {
    await traceability(req, profile);
    await profileLabels(profile, suite);
    await allure.label(APPLICABILITY_LABEL, kind);
    await allure.parameter(kind === 'skipped' ? 'skipped because' : 'not applicable because', why);
    await allure.description(`${kind}: ${why}`);
    recordOutcome(suite, name, 'not run', `${kind}: ${why}`);
    ctx.skip(why);
  });
}

/**
 * Registers `body` as a test when the expression holds for the profile's ICS, the route carries it and `skip`
 * gives no reason; otherwise records it as not applicable (ICS or route) or skipped (the reason given). A test
 * that runs is skipped as blocked when a test it depends on failed (or was blocked) earlier in this run.
 */
export function applicableTest(profile: Profile, suite: string, name: string, opts: TestOptions, body: () => Promise<void>): void {
  const dependsOn = opts.dependsOn === undefined ? [] : typeof opts.dependsOn === 'string' ? [opts.dependsOn] : opts.dependsOn;
  const req = registerRequirement(suite, name, opts.id, opts.clauses);
  declareTest(suite, name, dependsOn);
  const na = (opts.when ? notApplicable(profile, opts.when) : undefined) ?? opts.routeLacks;
  if (na) recordedSkip(profile, suite, name, req, 'not applicable', na);
  else if (opts.skip) recordedSkip(profile, suite, name, req, 'skipped', opts.skip);
  else {
    it(name, async (ctx) => {
      await traceability(req, profile);
      const root = blockedBy(suite, dependsOn);
      if (root) {
        await profileLabels(profile, suite);
        await allure.label(APPLICABILITY_LABEL, 'blocked');
        await allure.parameter(BLOCKED_BY_PARAMETER, root, { excluded: true });
        await allure.description(`blocked by ${root}: that test failed, and this one needs what it checks`);
        recordOutcome(suite, name, 'blocked', root);
        ctx.skip(`blocked by ${root}`);
        return;
      }
      // The body's assertions count for this test, whatever other cards' tests run beside it (expect.ts).
      useTestExpect(ctx.expect);
      try {
        await body();
      } catch (err) {
        recordOutcome(suite, name, 'failed');
        throw err;
      } finally {
        useTestExpect(undefined);
      }
      recordOutcome(suite, name, 'passed');
    });
  }
}
