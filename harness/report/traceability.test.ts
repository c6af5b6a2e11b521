// The traceability matrix a lab files: every clause the results cite, the tests (by ID) that verify it and their
// verdicts per profile, the clause's own verdict per profile (a failure fails it; a not-applicable test says nothing
// against it), from one results folder or several (a merge), with a retried test counted once (the later result),
// and results without a test ID named rather than dropped. The results here are written the way the suites' Allure
// reporter writes them (labels testId, requirement, conformance suite, applicability; parameter profile).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTraceability, clauseVerdict, writeTraceability, type Traceability } from './traceability.ts';

const exec = promisify(execFile);

let dir: string;
let hostA: string;
let hostB: string;

interface Fake {
  id?: string;
  name: string;
  profile: string;
  clauses?: string[];
  status: 'passed' | 'failed' | 'broken' | 'skipped';
  applicability?: 'not applicable' | 'blocked' | 'skipped';
  params?: Record<string, string>;
  message?: string;
  start: number;
}

let n = 0;
async function result(folder: string, f: Fake): Promise<void> {
  const uuid = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const labels = [
    ...(f.id ? [{ name: 'testId', value: f.id }] : []),
    ...(f.clauses ?? []).map((c) => ({ name: 'requirement', value: c })),
    { name: 'conformance suite', value: 'applet-install' },
    ...(f.applicability ? [{ name: 'applicability', value: f.applicability }] : []),
  ];
  const parameters = [{ name: 'profile', value: f.profile }, ...Object.entries(f.params ?? {}).map(([name, value]) => ({ name, value }))];
  await writeFile(join(folder, `${uuid}-result.json`), JSON.stringify({
    uuid, name: f.name, status: f.status, start: f.start, stop: f.start + 10, labels, parameters,
    ...(f.message ? { statusDetails: { message: f.message } } : {}),
    ...(f.id ? { testCaseId: f.id } : {}),
  }));
}

const LOAD = 'GPCS 11.6 LOAD';
const DELETE = 'GPCS 11.2 DELETE';
const SET_STATUS = 'GPCS 11.10 SET STATUS';
const VERIFY = 'ISO7816-4 11.5.6 VERIFY';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-trace-'));
  hostA = join(dir, 'host-a');
  hostB = join(dir, 'host-b');
  await mkdir(hostA);
  await mkdir(hostB);
  // Host A ran card "Alpha": T-001 failed first, then passed on a retry; T-002 does not apply to it.
  await result(hostA, { id: 'T-001', name: 'loads the load file', profile: 'Alpha', clauses: [LOAD, DELETE], status: 'failed', message: 'LOAD answered 6A84', start: 1000 });
  await result(hostA, { id: 'T-001', name: 'loads the load file', profile: 'Alpha', clauses: [LOAD, DELETE], status: 'passed', start: 2000 });
  await result(hostA, { id: 'T-002', name: 'deletes it — not applicable', profile: 'Alpha', clauses: [DELETE], status: 'skipped', applicability: 'not applicable', params: { 'not applicable because': 'ssd is false' }, start: 3000 });
  await result(hostA, { id: 'T-003', name: 'locks it', profile: 'Alpha', clauses: [SET_STATUS], status: 'broken', message: 'the reader went away', start: 4000 });
  await result(hostA, { id: 'T-004', name: 'verifies a PIN', profile: 'Alpha', clauses: [VERIFY], status: 'skipped', applicability: 'blocked', params: { 'blocked by': 'applet-install › locks it' }, start: 5000 });
  // Host B ran card "Beta": T-001 failed; T-002 passed; T-003 not run; and a suite that stopped before its tests.
  await result(hostB, { id: 'T-001', name: 'loads the load file', profile: 'Beta', clauses: [LOAD, DELETE], status: 'failed', message: 'LOAD answered 6A84: not enough memory space', start: 1500 });
  await result(hostB, { id: 'T-002', name: 'deletes it', profile: 'Beta', clauses: [DELETE], status: 'passed', start: 2500 });
  await result(hostB, { name: 'beforeAll hook', profile: 'Beta', status: 'broken', message: 'no JDK', start: 6000 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cell(t: Traceability, clause: string, profile: string, id?: string): string {
  const c = t.clauses.find((x) => x.clause === clause);
  if (!c) throw new Error(`no clause ${clause}`);
  const i = t.profiles.indexOf(profile);
  if (id === undefined) return c.verdicts[i]!;
  return c.tests.find((x) => x.id === id)!.verdicts[i]!.verdict;
}

describe('the traceability matrix', () => {
  it('lists each clause with the tests that cite it and their verdict per profile, from several results folders', async () => {
    const t = await buildTraceability([hostA, hostB]);
    expect(t.profiles).toEqual(['Alpha', 'Beta']);
    expect(t.clauses.find((c) => c.clause === DELETE)!.tests.map((x) => x.id)).toEqual(['T-001', 'T-002']);
    expect(cell(t, DELETE, 'Alpha', 'T-002')).toBe('not applicable');
    expect(cell(t, DELETE, 'Beta', 'T-002')).toBe('passed');
    expect(cell(t, SET_STATUS, 'Beta', 'T-003')).toBe('not run');
    expect(cell(t, VERIFY, 'Alpha', 'T-004')).toBe('blocked');
  });

  it('counts a retried test once, by its later result', async () => {
    const t = await buildTraceability([hostA]);
    expect(cell(t, LOAD, 'Alpha', 'T-001')).toBe('passed');
  });

  it('gives each clause the verdict a lab acts on: a failure fails it, a not-applicable test says nothing against it', async () => {
    const t = await buildTraceability([hostA, hostB]);
    expect(cell(t, DELETE, 'Alpha')).toBe('passed');
    expect(cell(t, DELETE, 'Beta')).toBe('failed');
    expect(cell(t, SET_STATUS, 'Alpha')).toBe('broken');
    expect(clauseVerdict(['not applicable', 'not applicable'])).toBe('not applicable');
    expect(clauseVerdict(['passed', 'blocked'])).toBe('blocked');
    expect(clauseVerdict([])).toBe('not run');
  });

  it('orders clauses document by document, sections in their natural order, and links known documents', async () => {
    const t = await buildTraceability([hostA, hostB]);
    expect(t.clauses.map((c) => c.clause)).toEqual([DELETE, LOAD, SET_STATUS, VERIFY]);
    expect(t.clauses[0]!.url).toMatch(/^https:\/\/globalplatform\.org\//);
  });

  it('names the results that carry no test ID instead of dropping them', async () => {
    const t = await buildTraceability([hostB]);
    expect(t.untraced).toEqual([{ name: 'beforeAll hook', profile: 'Beta', verdict: 'broken' }]);
  });

  it('writes the same matrix as Markdown and as HTML an HTML parser reads without complaint', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeTraceability([hostA, hostB], out);
    const md = await readFile(join(out, 'traceability.md'), 'utf8');
    expect(md).toContain('| clause / test | Alpha | Beta |');
    expect(md).toContain(`| **${DELETE}** | **pass** | **FAIL** |`);
    expect(md).toContain('| T-002 deletes it | n/a | pass |');
    expect(md).toContain('- **Beta** / T-001: FAIL: LOAD answered 6A84: not enough memory space');
    expect(md).toContain('- **Beta**: beforeAll hook: BROKEN');
    const { stderr } = await exec('xmllint', ['--html', '--noout', join(out, 'traceability.html')]);
    expect(stderr).toBe('');
    const html = await readFile(join(out, 'traceability.html'), 'utf8');
    expect(html).toContain('title="LOAD answered 6A84: not enough memory space">FAIL</td>');
    // A pure function of the results: the same results give the same files.
    const again = join(dir, 'again');
    await mkdir(again);
    await writeTraceability([hostA, hostB], again);
    expect(await readFile(join(again, 'traceability.html'), 'utf8')).toBe(html);
  });
});
