// The portability matrix: one row per check, one column per SIM variant profile, read from the Allure results of
// a `simcert run --suite portability`. Written as a standalone HTML page and a markdown table a lab can send to a
// carrier: every failed cell leads to the failure message and the APDU trace, every not-applicable or skipped cell
// says which profile line decided it, every blocked cell leads to the failed test that kept it from running. Built
// from results, so it shows exactly what ran, never what was expected.
//
// The verdicts, apart: failed (the card refused a command or answered wrongly: a finding about the card), broken
// (the harness or the bench could not run the test), blocked (not run because a test it depends on failed: one
// root cause is one red cell), not applicable (the profile's ICS says the card does not claim it), skipped (the
// lab setup does not allow it), passed.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Eta } from 'eta';

/** The suites a portability run covers: the same load file installed, personalized and used on every profile. */
export const PORTABILITY_SUITES = ['applet-install', 'personalization', 'jpki-signing'] as const;

/** The fields of an Allure result file the harness reads. */
export interface AllureResult {
  uuid: string;
  start?: number;
  stop?: number;
  name: string;
  status: string;
  statusDetails?: { message?: string };
  parameters?: { name: string; value: string }[];
  labels?: { name: string; value: string }[];
  attachments?: { name: string; source: string }[];
  steps?: AllureStep[];
}

interface AllureStep {
  name: string;
  attachments?: { name: string; source: string }[];
  steps?: AllureStep[];
}

/** Attachments may sit on the test or in a step (Allure wraps one added after a failure in a step of its own). */
function findAttachment(r: { attachments?: { name: string; source: string }[]; steps?: AllureStep[] }, name: string): { source: string } | undefined {
  return r.attachments?.find((a) => a.name === name) ?? r.steps?.map((s) => findAttachment(s, name)).find((a) => a !== undefined);
}

export type CellStatus = 'passed' | 'failed' | 'broken' | 'blocked' | 'not applicable' | 'skipped' | 'not run';

export interface Cell {
  status: CellStatus;
  /** Failure message, or why the test was not applicable / skipped (with the profile line). */
  detail?: string;
  /** APDU trace of a failed or broken test. */
  trace?: string;
  /** Anchor of the detail section (HTML). */
  anchor?: string;
  /** For a blocked cell: the test that blocked it (`suite › check`), and its cell's anchor when it is in the matrix. */
  blockedBy?: string;
  blockedByAnchor?: string;
}

export interface Matrix {
  profiles: { name: string; file?: string; loadFile?: string }[];
  rows: { suite: string; check: string; cells: Cell[] }[];
}

const SUFFIX = / — (not applicable|skipped)$/;

function param(r: AllureResult, name: string): string | undefined {
  return r.parameters?.find((p) => p.name === name)?.value;
}

function label(r: AllureResult, name: string): string | undefined {
  return r.labels?.find((l) => l.name === name)?.value;
}

export async function readAllureResults(dir: string): Promise<AllureResult[]> {
  const out: AllureResult[] = [];
  for (const f of (await readdir(dir)).sort()) {
    if (f.endsWith('-result.json')) out.push(JSON.parse(await readFile(join(dir, f), 'utf8')) as AllureResult);
  }
  return out;
}

export async function buildMatrix(resultsDir: string, suites: readonly string[] = PORTABILITY_SUITES): Promise<Matrix> {
  // In the order they ran: checks keep their order in the suite.
  const results = (await readAllureResults(resultsDir))
    .filter((r) => suites.includes(label(r, 'conformance suite') ?? '') && param(r, 'profile'))
    .sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  const profiles: Matrix['profiles'] = [];
  for (const r of results) {
    const name = param(r, 'profile')!;
    let p = profiles.find((x) => x.name === name);
    if (!p) profiles.push((p = { name, ...(param(r, 'profile file') ? { file: param(r, 'profile file')! } : {}) }));
    const lf = param(r, 'load file SHA-256');
    if (lf) p.loadFile = lf;
  }
  // Columns by variant name (numbers in names compare as numbers), so a lab finds a variant where it expects it
  // whatever order the profile files were given or ran in.
  profiles.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const rows: Matrix['rows'] = [];
  for (const suite of suites) {
    const checks: string[] = [];
    for (const r of results.filter((x) => label(x, 'conformance suite') === suite)) {
      const check = r.name.replace(SUFFIX, '');
      if (!checks.includes(check)) checks.push(check);
    }
    for (const check of checks) {
      const cells = await Promise.all(profiles.map(async (p): Promise<Cell> => {
        const r = results.find((x) => label(x, 'conformance suite') === suite && x.name.replace(SUFFIX, '') === check && param(x, 'profile') === p.name);
        if (!r) return { status: 'not run' };
        const applicability = label(r, 'applicability');
        const blockedBy = param(r, 'blocked by');
        if (r.status === 'skipped' && applicability === 'blocked' && blockedBy) {
          return { status: 'blocked', detail: `blocked by ${blockedBy}`, blockedBy };
        }
        if (r.status === 'skipped') {
          const kind: CellStatus = applicability === 'not applicable' ? 'not applicable' : 'skipped';
          return { status: kind, detail: param(r, 'not applicable because') ?? param(r, 'skipped because') ?? 'skipped' };
        }
        if (r.status === 'passed') return { status: 'passed' };
        const att = findAttachment(r, 'APDU trace');
        const trace = att ? await readFile(join(resultsDir, att.source), 'utf8').catch(() => undefined) : undefined;
        return {
          status: r.status === 'broken' ? 'broken' : 'failed',
          detail: r.statusDetails?.message ?? r.status,
          ...(trace ? { trace } : {}),
          anchor: `r-${r.uuid}`,
        };
      }));
      rows.push({ suite, check, cells });
    }
  }
  // A blocked cell links to the cell of the test that blocked it, in the same column.
  for (const row of rows) {
    row.cells.forEach((c, i) => {
      if (c.status !== 'blocked' || !c.blockedBy) return;
      const root = rows.find((r) => `${r.suite} › ${r.check}` === c.blockedBy)?.cells[i];
      if (root?.anchor) c.blockedByAnchor = root.anchor;
    });
  }
  return { profiles, rows };
}

/** How many cells of each verdict a profile's column has, for the column's summary. */
export function columnSummary(m: Matrix, column: number): Record<CellStatus, number> {
  const n: Record<CellStatus, number> = { passed: 0, failed: 0, broken: 0, blocked: 0, 'not applicable': 0, skipped: 0, 'not run': 0 };
  for (const r of m.rows) {
    const c = r.cells[column];
    if (c) n[c.status]++;
  }
  return n;
}

const SYMBOL: Record<CellStatus, string> = {
  passed: 'pass', failed: 'FAIL', broken: 'BROKEN', blocked: 'blocked', 'not applicable': 'n/a', skipped: 'skipped', 'not run': '—',
};

/** What each symbol means, for the legend of both renderings. */
export const LEGEND: [CellStatus, string][] = [
  ['passed', 'passed'],
  ['failed', 'failed: the card refused a command or gave a wrong answer (a finding about the card)'],
  ['broken', 'broken: the harness or the bench could not run the test (transport, simulator, timeout, profile); fix the bench and run again'],
  ['blocked', 'skipped, blocked by an earlier failure: a test it needs failed (named in the details), so it did not run'],
  ['not applicable', 'not applicable: the profile\'s ICS says the card does not claim what the check needs'],
  ['skipped', 'skipped: the lab setup (IXIT) does not allow it'],
  ['not run', 'not run'],
];

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function summaryText(n: Record<CellStatus, number>): string {
  return (['failed', 'broken', 'blocked', 'passed', 'not applicable', 'skipped', 'not run'] as const)
    .filter((s) => n[s] > 0).map((s) => `${n[s]} ${s}`).join(', ');
}

export function renderMatrixMarkdown(m: Matrix): string {
  const lines = [
    '# Portability of the JPKI applet across SIM variants',
    '',
    `| suite | check | ${m.profiles.map((p) => mdEscape(p.name)).join(' | ')} |`,
    `|---|---|${m.profiles.map(() => '---').join('|')}|`,
    ...m.rows.map((r) => `| ${r.suite} | ${mdEscape(r.check)} | ${r.cells.map((c) => SYMBOL[c.status]).join(' | ')} |`),
    `| | **summary** | ${m.profiles.map((_, i) => summaryText(columnSummary(m, i))).join(' | ')} |`,
    '',
    ...LEGEND.map(([s, text]) => `- ${SYMBOL[s]}: ${text}`),
    '',
  ];
  const notes = m.rows.flatMap((r) => r.cells.map((c, i) => ({ r, c, p: m.profiles[i]! })).filter((x) => x.c.detail));
  if (notes.length > 0) {
    lines.push('## Details', '');
    for (const { r, c, p } of notes) lines.push(`- **${mdEscape(p.name)}** / ${r.suite} / ${mdEscape(r.check)} — ${SYMBOL[c.status]}: ${mdEscape(c.detail!)}`);
    lines.push('');
  }
  return lines.join('\n');
}

const eta = new Eta({ views: join(import.meta.dirname, 'templates'), autoEscape: true, cache: true });

export function renderMatrixHtml(m: Matrix, generatedAt: Date): string {
  const summaries = m.profiles.map((_, i) => summaryText(columnSummary(m, i)));
  return eta.render('portability', { m, symbol: SYMBOL, legend: LEGEND, summaries, generatedAt: generatedAt.toISOString() });
}

/** Writes portability.html and portability.md into `outDir`; returns their paths. */
export async function writePortabilityReport(resultsDir: string, outDir: string): Promise<{ html: string; md: string; matrix: Matrix }> {
  const matrix = await buildMatrix(resultsDir);
  const html = join(outDir, 'portability.html');
  const md = join(outDir, 'portability.md');
  await writeFile(html, renderMatrixHtml(matrix, new Date()));
  await writeFile(md, renderMatrixMarkdown(matrix));
  return { html, md, matrix };
}
