// Types of verdict-categories.mjs (plain JavaScript, loaded by the Allure CLI with the report's config).
type Status = 'failed' | 'broken' | 'skipped' | 'passed';

export interface VerdictCategory {
  name: string;
  statuses: Status[];
  /** Regular expression the status message must match. */
  message?: string;
  /** Label name to a regular expression one of its values must match (Allure 3 rules only). */
  label?: Record<string, string>;
}

export declare const VERDICT_CATEGORIES: VerdictCategory[];
export declare function allureCategoryRules(): { name: string; matchers: { statuses: Status[]; message?: string; labels?: Record<string, string> } }[];
export declare function allure2Categories(): { name: string; matchedStatuses: Status[]; messageRegex?: string }[];
