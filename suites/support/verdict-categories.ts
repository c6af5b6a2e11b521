// The verdict taxonomy as Allure categories, one list for both places Allure reads them: the report's config
// (harness/report/allure.ts: Allure 3 rules, which can match labels) and the categories.json allure-vitest
// writes beside the results (suites/vitest.config.ts: the Allure 2 form, status and message only). First match
// wins. failed = the card's answer (harness/apdu/card-fault.ts); broken = the bench; blocked = skipped because a
// test it depends on failed (outcomes.ts), labelled `applicability: blocked`.

type Status = 'failed' | 'broken' | 'skipped' | 'passed';

export interface VerdictCategory {
  name: string;
  statuses: Status[];
  /** Regular expression the status message must match. */
  message?: string;
  /** Label name to a regular expression one of its values must match (Allure 3 rules only). */
  label?: Record<string, string>;
}

export const VERDICT_CATEGORIES: VerdictCategory[] = [
  { name: 'Card refused a command', statuses: ['failed'], message: 'answered [0-9A-F]{4}' },
  { name: 'Card answered malformed data or broke the protocol', statuses: ['failed'],
    message: 'is malformed|no status word|more than the .* asked for|kept answering 61xx|6Cxx twice' },
  { name: 'Card\'s answer differs from the specification or the known answer', statuses: ['failed'] },
  { name: 'Card went away or stopped answering', statuses: ['broken'],
    message: 'went away|card removed from reader|did not answer|stopped answering|no card connected|was released|cannot connect to the card' },
  { name: 'Wrong card or profile', statuses: ['broken'], message: 'does not match the profile|card cryptogram does not match|key version|the card does not take T=|refused an extended-length APDU' },
  { name: 'PIN safety stop', statuses: ['broken'], message: 'refusing to VERIFY|PIN is blocked' },
  { name: 'Harness or environment problem', statuses: ['broken'] },
  { name: 'Blocked by an earlier failure', statuses: ['skipped'], label: { applicability: '^blocked$' } },
];

/** Allure 3 category rules, for the report's config. */
export function allureCategoryRules(): { name: string; matchers: { statuses: Status[]; message?: string; labels?: Record<string, string> } }[] {
  return VERDICT_CATEGORIES.map((c) => ({
    name: c.name,
    matchers: { statuses: c.statuses, ...(c.message ? { message: c.message } : {}), ...(c.label ? { labels: c.label } : {}) },
  }));
}

/**
 * Allure 2 categories, for allure-vitest's categories.json. Rules that need a label are left out: that form
 * cannot tell a blocked test from any other skipped one.
 */
export function allure2Categories(): { name: string; matchedStatuses: Status[]; messageRegex?: string }[] {
  return VERDICT_CATEGORIES.filter((c) => !c.label).map((c) => ({
    name: c.name,
    matchedStatuses: c.statuses,
    ...(c.message ? { messageRegex: `.*(${c.message}).*` } : {}),
  }));
}
