// The traceability matrix of a run: for every clause the suites cite, the tests that verify it and each test's
// verdict on each profile, and what that means for the clause on that card (any failure fails it; not applicable
// only when no test applied). A lab files it with the certificate to show which requirement was verified, by which
// test, with what result. Built only from Allure results (the test ID and the `requirement` labels every suite test
// carries, suites/support/applicability.ts), so it shows exactly what ran, and as a pure function of the results
// folders: `simcert run` writes it beside the Allure report, and a merge of many hosts' results can call the same
// writeTraceability on all of their folders.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Eta } from 'eta';
import { DOCUMENTS, parseClause } from '../../suites/support/requirements.ts';
import { verdictOf, type VerdictClass } from './junit.ts';
import type { AllureResult } from './portability.ts';

export type TraceVerdict = VerdictClass | 'not run';

interface Result extends AllureResult {
  stop?: number;
  statusDetails?: { message?: string; trace?: string };
}

export interface TracedTest {
  id: string;
  title: string;
  suite: string;
  /** Per profile (same order as Traceability.profiles): the verdict, and why when it did not pass. */
  verdicts: { verdict: TraceVerdict; reason?: string }[];
}

export interface TracedClause {
  clause: string;
  /** The document's name and public page, when the clause cites a known document. */
  document: string | undefined;
  url: string | undefined;
  tests: TracedTest[];
  /** Per profile: what the tests say about the clause on that card. */
  verdicts: TraceVerdict[];
}

export interface Traceability {
  profiles: string[];
  clauses: TracedClause[];
  /** Results that carry no test ID (a suite that stopped before its tests started): named, so none goes missing. */
  untraced: { name: string; profile: string; verdict: TraceVerdict }[];
  /** When the run's last test ended (from the results, so the same results give the same files). */
  finishedAt: string | undefined;
}

const label = (r: Result, name: string): string | undefined => r.labels?.find((l) => l.name === name)?.value;
const labels = (r: Result, name: string): string[] => (r.labels ?? []).filter((l) => l.name === name).map((l) => l.value);
const param = (r: Result, name: string): string | undefined => r.parameters?.find((p) => p.name === name)?.value;

/** Every *-result.json of the folders. */
async function readResults(dirs: readonly string[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const dir of dirs) {
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('-result.json')).sort()) {
      out.push(JSON.parse(await readFile(join(dir, f), 'utf8')) as Result);
    }
  }
  return out;
}

/** How a clause stands on one card: the worst of its tests' verdicts, in the order a lab must act on them. */
const SEVERITY: TraceVerdict[] = ['failed', 'broken', 'blocked', 'passed', 'skipped', 'not applicable', 'not run'];

export function clauseVerdict(verdicts: readonly TraceVerdict[]): TraceVerdict {
  for (const v of ['failed', 'broken', 'blocked'] as const) if (verdicts.includes(v)) return v;
  // Verified when a test passed; tests that did not apply to this card say nothing against it.
  if (verdicts.includes('passed')) return 'passed';
  for (const v of SEVERITY.slice(4)) if (verdicts.includes(v)) return v;
  return 'not run';
}

/** The matrix from one or more results folders (a run's, or many hosts' to be merged). */
export async function buildTraceability(resultsDirs: readonly string[]): Promise<Traceability> {
  const results = await readResults(resultsDirs);
  const profileOf = (r: Result): string => param(r, 'profile') ?? /^.* — (.*)$/.exec(label(r, 'suite') ?? '')?.[1] ?? 'unknown profile';
  // The same test on the same profile twice (a retry, or the same shard merged twice): the one that ended last counts.
  const latest = new Map<string, Result>();
  const untraced: Traceability['untraced'] = [];
  for (const r of results) {
    const id = label(r, 'testId');
    if (!id) {
      untraced.push({ name: r.name, profile: profileOf(r), verdict: verdictOf(r).verdict });
      continue;
    }
    const key = `${profileOf(r)}\u0000${id}`;
    const seen = latest.get(key);
    if (!seen || (r.stop ?? r.start ?? 0) >= (seen.stop ?? seen.start ?? 0)) latest.set(key, r);
  }
  const traced = [...latest.values()];
  const profiles = [...new Set(traced.map(profileOf))].sort((a, b) => a.localeCompare(b));
  const byClause = new Map<string, Map<string, { title: string; suite: string; byProfile: Map<string, Result> }>>();
  for (const r of traced) {
    const id = label(r, 'testId')!;
    for (const clause of labels(r, 'requirement')) {
      const tests = byClause.get(clause) ?? new Map();
      byClause.set(clause, tests);
      const t = tests.get(id) ?? { title: r.name.replace(/ — (not applicable|skipped)$/, ''), suite: label(r, 'conformance suite') ?? 'unknown suite', byProfile: new Map<string, Result>() };
      tests.set(id, t);
      t.byProfile.set(profileOf(r), r);
    }
  }
  const clauses = [...byClause.entries()].map(([clause, tests]): TracedClause => {
    let document: string | undefined;
    let url: string | undefined;
    try {
      ({ document, url } = parseClause(clause));
    } catch {
      // A clause of a document this version does not know (results from another version): shown as written.
    }
    const rows = [...tests.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([id, t]): TracedTest => ({
        id, title: t.title, suite: t.suite,
        verdicts: profiles.map((p) => {
          const r = t.byProfile.get(p);
          if (!r) return { verdict: 'not run' };
          const v = verdictOf(r);
          return v.reason !== undefined && v.verdict !== 'passed' ? { verdict: v.verdict, reason: v.reason } : { verdict: v.verdict };
        }),
      }));
    return { clause, document, url, tests: rows, verdicts: profiles.map((_, i) => clauseVerdict(rows.map((t) => t.verdicts[i]!.verdict))) };
  });
  // Document by document, sections in their natural order (11.2 before 11.10).
  const docOrder = Object.keys(DOCUMENTS);
  const docIndex = (c: string): number => {
    const i = docOrder.indexOf(c.split(' ')[0]!);
    return i < 0 ? docOrder.length : i;
  };
  clauses.sort((a, b) => docIndex(a.clause) - docIndex(b.clause) || a.clause.localeCompare(b.clause, 'en', { numeric: true }));
  const stops = results.map((r) => r.stop ?? r.start).filter((x): x is number => typeof x === 'number');
  return { profiles, clauses, untraced, finishedAt: stops.length > 0 ? new Date(Math.max(...stops)).toISOString() : undefined };
}

export const SYMBOL: Record<TraceVerdict, string> = {
  passed: 'pass', failed: 'FAIL', broken: 'BROKEN', blocked: 'blocked', 'not applicable': 'n/a', skipped: 'skipped', 'not run': '—',
};

const LEGEND: [TraceVerdict, string][] = [
  ['passed', 'verified: a test of the clause passed and none failed'],
  ['failed', 'the card refused a command or answered wrongly (a finding about the card)'],
  ['broken', 'the harness or the bench could not run the test; it says nothing about the card'],
  ['blocked', 'not run: a test it depends on failed'],
  ['skipped', 'the lab setup (IXIT) does not allow it'],
  ['not applicable', 'the card\'s ICS does not claim what the test needs'],
  ['not run', 'the test did not run on this profile'],
];

const md = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** Markdown: one bold line per clause with its verdict per profile, then one line per test under it. */
export function traceabilityMarkdown(t: Traceability): string {
  const lines = [
    '# Traceability: clause → tests → verdict per profile',
    '',
    `From the run's Allure results${t.finishedAt ? ` (last test ended ${t.finishedAt})` : ''}. ${t.clauses.length} clauses, ${new Set(t.clauses.flatMap((c) => c.tests.map((x) => x.id))).size} tests, ${t.profiles.length} profile(s).`,
    '',
    `| clause / test | ${t.profiles.map(md).join(' | ')} |`,
    `|---|${t.profiles.map(() => '---').join('|')}|`,
  ];
  for (const c of t.clauses) {
    lines.push(`| **${md(c.clause)}** | ${c.verdicts.map((v) => `**${SYMBOL[v]}**`).join(' | ')} |`);
    for (const x of c.tests) lines.push(`| ${x.id} ${md(x.title)} | ${x.verdicts.map((v) => SYMBOL[v.verdict]).join(' | ')} |`);
  }
  lines.push('', ...LEGEND.map(([v, text]) => `- ${SYMBOL[v]}: ${text}`), '');
  const docs = Object.entries(DOCUMENTS).filter(([k]) => t.clauses.some((c) => c.clause.startsWith(`${k} `)));
  if (docs.length > 0) lines.push(`Documents: ${docs.map(([k, d]) => `${k}: ${d.name}`).join('; ')}.`, '');
  const notes = t.clauses.flatMap((c) => c.tests.flatMap((x) => x.verdicts.map((v, i) => ({ x, v, p: t.profiles[i]! }))))
    .filter(({ v }) => v.reason !== undefined && (v.verdict === 'failed' || v.verdict === 'broken' || v.verdict === 'blocked'));
  const seen = new Set<string>();
  const unique = notes.filter(({ x, p }) => !seen.has(`${x.id} ${p}`) && seen.add(`${x.id} ${p}`));
  if (unique.length > 0) {
    lines.push('## Findings', '');
    for (const { x, v, p } of unique) lines.push(`- **${md(p)}** / ${x.id}: ${SYMBOL[v.verdict]}: ${md(v.reason!)}`);
    lines.push('');
  }
  if (t.untraced.length > 0) {
    lines.push('## Results without a test ID', '', 'These results carry no test ID, so no clause: a suite stopped before its tests started (see the Allure report).', '');
    for (const u of t.untraced) lines.push(`- **${md(u.profile)}**: ${md(u.name)}: ${SYMBOL[u.verdict]}`);
    lines.push('');
  }
  return lines.join('\n');
}

const eta = new Eta({ views: join(import.meta.dirname, 'templates'), autoEscape: true, cache: true });

/** One standalone HTML page (no script, nothing loaded from elsewhere). */
export function traceabilityHtml(t: Traceability): string {
  return eta.render('traceability', { t, symbol: SYMBOL, legend: LEGEND, cls: (v: TraceVerdict) => v.replace(' ', '-') });
}

/** Writes traceability.html and traceability.md into `outDir` from the results folders; returns their paths. */
export async function writeTraceability(resultsDirs: readonly string[], outDir: string): Promise<{ html: string; md: string; matrix: Traceability }> {
  const matrix = await buildTraceability(resultsDirs);
  const html = join(outDir, 'traceability.html');
  const mdFile = join(outDir, 'traceability.md');
  await writeFile(html, traceabilityHtml(matrix));
  await writeFile(mdFile, traceabilityMarkdown(matrix));
  return { html, md: mdFile, matrix };
}
