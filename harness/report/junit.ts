// JUnit XML from a run's Allure results, for a lab's test-management tool (Jenkins, Xray, TestRail, Allure TestOps
// import it). The Jenkins junit-10 schema (harness/report/junit-10.xsd) has no properties on a testcase, so each
// (profile, test) is a testsuite of its own holding one testcase: the testsuite's properties carry what a lab files
// with the verdict (test ID, clauses, profile, ATR, ICCID, verdict class and its reason). Built from the results,
// so it shows exactly what ran.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '../profile/types.ts';
import type { AllureResult } from './portability.ts';

/** What a lab files a verdict as; failed = the card's answer, broken = the bench (verdict-categories.ts). */
export type VerdictClass = 'passed' | 'failed' | 'broken' | 'skipped' | 'not applicable' | 'blocked';

interface Result extends AllureResult {
  stop?: number;
  testCaseId?: string;
  statusDetails?: { message?: string; trace?: string };
}

/** One testcase of the JUnit file: a suite test on one profile. */
export interface JunitCase {
  profile: string;
  suite: string;
  id: string;
  title: string;
  clauses: string[];
  verdict: VerdictClass;
  /** Why it did not pass or run: the failure message, or the not-applicable / skipped / blocked reason. */
  reason: string | undefined;
  details: string | undefined;
  seconds: number;
  start: number | undefined;
  atr: string;
  iccid: string;
}

const label = (r: Result, name: string): string | undefined => r.labels?.find((l) => l.name === name)?.value;
const labels = (r: Result, name: string): string[] => (r.labels ?? []).filter((l) => l.name === name).map((l) => l.value);
const param = (r: Result, name: string): string | undefined => r.parameters?.find((p) => p.name === name)?.value;

export function verdictOf(r: Result): { verdict: VerdictClass; reason: string | undefined } {
  const message = r.statusDetails?.message?.trim() || undefined;
  if (r.status === 'passed') return { verdict: 'passed', reason: undefined };
  if (r.status === 'failed') return { verdict: 'failed', reason: message };
  if (r.status === 'skipped') {
    const kind = label(r, 'applicability');
    if (kind === 'blocked') return { verdict: 'blocked', reason: `blocked by ${param(r, 'blocked by') ?? 'an earlier failure'}` };
    if (kind === 'not applicable') return { verdict: 'not applicable', reason: param(r, 'not applicable because') ?? message };
    return { verdict: 'skipped', reason: param(r, 'skipped because') ?? message };
  }
  // broken, or a status the reporter could not settle (unknown): the bench, not the card.
  return { verdict: 'broken', reason: message ?? `the test ended with status ${r.status}` };
}

/** The card's ATR as read in the run (onCard), else the one the profile expects; its ICCID as labelled, else from the profile. */
function cardIdentity(r: Result, profile: Profile | undefined): { atr: string; iccid: string } {
  const atr = param(r, 'ATR')?.replace(/\s+/g, '') ?? profile?.ixit.atr?.value ?? profile?.sim?.atr;
  // The ICCID the run labelled the result with (harness/run/work.ts: read from the card in a rack, else the
  // profile's), so a merge of many hosts' results, which has no profiles, still files it.
  const labelled = label(r, 'ICCID');
  const iccid = (labelled !== undefined && labelled !== 'not known' ? labelled : undefined) ?? profile?.ixit.identity?.iccid ?? profile?.sim?.iccid;
  return { atr: atr ? atr.toUpperCase() : 'not read (the test did not reach the card)', iccid: iccid ?? 'not given in the profile' };
}

/** Reads the run's suite results (those with a test ID: the Allure results of other tools are left out). */
export async function junitCases(resultsDir: string, profiles: readonly Profile[]): Promise<JunitCase[]> {
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const cases: JunitCase[] = [];
  for (const f of (await readdir(resultsDir)).filter((n) => n.endsWith('-result.json')).sort()) {
    const r = JSON.parse(await readFile(join(resultsDir, f), 'utf8')) as Result;
    // A test that vitest never started (its suite's beforeAll failed) has no labels of ours: its ID is unknown.
    const id = r.testCaseId && label(r, 'testId') === r.testCaseId ? r.testCaseId : label(r, 'testId');
    const profileName = param(r, 'profile') ?? /^.* — (.*)$/.exec(label(r, 'suite') ?? '')?.[1] ?? 'unknown profile';
    const profile = byName.get(profileName);
    const { verdict, reason } = verdictOf(r);
    cases.push({
      profile: profileName,
      suite: label(r, 'conformance suite') ?? /suites\/(.*)\.test\.ts/.exec(r.labels?.find((l) => l.name === 'package')?.value ?? '')?.[1] ?? 'unknown suite',
      id: id ?? 'NO-ID',
      title: r.name.replace(/ — (not applicable|skipped)$/, ''),
      clauses: labels(r, 'requirement'),
      verdict,
      reason,
      details: r.statusDetails?.trace?.trim() || undefined,
      seconds: r.start !== undefined && r.stop !== undefined ? Math.max(0, r.stop - r.start) / 1000 : 0,
      start: r.start,
      ...cardIdentity(r, profile),
    });
  }
  return cases.sort((a, b) => a.profile.localeCompare(b.profile) || a.suite.localeCompare(b.suite) || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** XML 1.0 text: the five markup characters escaped, characters XML cannot carry (C0 controls but tab/LF/CR) dropped. */
function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** An attribute value on one line (importers show the message attribute as a one-line summary). */
const attr = (s: string): string => xml(s.replace(/\s*[\r\n]+\s*/g, ' '));

const seconds = (s: number): string => s.toFixed(3);

/** Java-style class name: dot-separated words (Jenkins splits package and class at the last dot). */
const javaWord = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');

function testsuite(c: JunitCase): string {
  const properties: [string, string][] = [
    ['testId', c.id],
    ...c.clauses.map((cl): [string, string] => ['clause', cl]),
    ['profile', c.profile],
    ['suite', c.suite],
    ['ATR', c.atr],
    ['ICCID', c.iccid],
    ['verdict', c.verdict],
    ...(c.reason ? [['reason', c.reason] as [string, string]] : []),
  ];
  const failures = c.verdict === 'failed' ? 1 : 0;
  const errors = c.verdict === 'broken' ? 1 : 0;
  const skipped = ['skipped', 'not applicable', 'blocked'].includes(c.verdict) ? 1 : 0;
  const body = c.verdict === 'failed'
    ? `<failure type="failed" message="${attr(c.reason ?? 'failed')}">${xml([c.reason, c.details].filter(Boolean).join('\n'))}</failure>`
    : c.verdict === 'broken'
      ? `<error type="broken" message="${attr(c.reason ?? 'broken')}">${xml([c.reason, c.details].filter(Boolean).join('\n'))}</error>`
      : skipped
        ? `<skipped type="${c.verdict}" message="${attr(`${c.verdict}: ${c.reason ?? ''}`)}"/>`
        : '';
  const timestamp = c.start !== undefined ? ` timestamp="${new Date(c.start).toISOString().replace(/\.\d+Z$/, '')}"` : '';
  return [
    `  <testsuite name="${attr(`${c.profile} › ${c.suite} › ${c.id}`)}" package="${attr(`simcert.${c.suite}`)}" tests="1" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(c.seconds)}"${timestamp}>`,
    '    <properties>',
    ...properties.map(([n, v]) => `      <property name="${attr(n)}" value="${attr(v)}"/>`),
    '    </properties>',
    `    <testcase classname="${attr(`simcert.${javaWord(c.suite)}.${javaWord(c.profile)}`)}" name="${attr(`${c.id} ${c.title}`)}" time="${seconds(c.seconds)}"${body ? `>\n      ${body}\n    </testcase>` : '/>'}`,
    '  </testsuite>',
  ].join('\n');
}

/** The JUnit XML document: testsuites > one testsuite per (profile, test) > its testcase. */
export function junitXml(cases: readonly JunitCase[]): string {
  const count = (v: VerdictClass): number => cases.filter((c) => c.verdict === v).length;
  const total = cases.reduce((a, c) => a + c.seconds, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="simcert" tests="${cases.length}" failures="${count('failed')}" errors="${count('broken')}" time="${seconds(total)}">`,
    ...cases.map(testsuite),
    '</testsuites>',
    '',
  ].join('\n');
}
