// A rack split across two hosts and merged (issue 20): `simcert run --shard 1/2` and `--shard 2/2` on the same two
// emulated profiles, then `simcert report merge` of both, must give the verdicts one unsharded run gives, test by
// test, in the Allure results and in the JUnit file; each shard takes exactly one card, by the documented rule; each
// result says which profile, reader and ICCID it belongs to. One card is pulled out after 30 APDUs, so the verdicts
// compared are not all "passed". The three runs go at once, as three hosts would. The shards run with --no-report,
// as a CI matrix's host jobs do: they write results, not the Allure HTML, which the merge builds; shard 1's folder
// holds an earlier run's report, which must go (it describes another run), and its history, which must stay.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { mergeReports } from './merge.ts';
import { runSuites } from './run.ts';

const A = 'Rack card A (ICCID 8981100000000000025)';
const B = 'Rack card B, pulled after 30 APDUs';
const EARLIER_HISTORY = '{"uuid":"an earlier run","timestamp":1}\n';

let dir: string;
const code: Record<string, number> = {};
const logs: Record<string, string[]> = { whole: [], s1: [], s2: [], merge: [] };
let whole: AllureResult[];
let merged: AllureResult[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-shard-'));
  await writeFile(join(dir, 'a.yaml'), createAppletProfile({ name: A, variant: 'shard-test-a', sim: ['  iccid: "8981100000000000025"'] }));
  await writeFile(join(dir, 'b.yaml'), createAppletProfile({ name: B, variant: 'shard-test-b', sim: ['  faults: { removeAfterApdus: 30 }'] }));
  const profiles = [join(dir, '*.yaml')];
  const run = async (name: string, extra: object): Promise<void> => {
    code[name] = await runSuites({ profiles, out: join(dir, name), log: (l) => logs[name]!.push(l), runnerOutput: 'drop', ...extra });
  };
  await mkdir(join(dir, 's1', 'allure-report'), { recursive: true });
  await writeFile(join(dir, 's1', 'allure-report', 'index.html'), 'an earlier run\'s report');
  await writeFile(join(dir, 's1', 'allure-history.jsonl'), EARLIER_HISTORY);
  await Promise.all([
    run('whole', {}),
    run('s1', { shard: { index: 1, count: 2 }, report: false }),
    run('s2', { shard: { index: 2, count: 2 }, report: false }),
  ]);
  code.merge = await mergeReports({ inputs: [join(dir, 's1'), join(dir, 's2')], out: join(dir, 'merged'), log: (l) => logs.merge!.push(l) });
  whole = await readAllureResults(join(dir, 'whole', 'allure-results'));
  merged = await readAllureResults(join(dir, 'merged', 'allure-results'));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const label = (r: AllureResult, name: string): string | undefined => r.labels?.find((l) => l.name === name)?.value;
/** Test by test: profile › suite › test ID, its status and (for a skip) why. */
function verdicts(results: AllureResult[]): string[] {
  return results.map((r) => `${label(r, 'profile')} › ${label(r, 'conformance suite')} › ${label(r, 'testId') ?? r.name}: ${r.status}${label(r, 'applicability') ? ` (${label(r, 'applicability')})` : ''}`).sort();
}

describe('a run split with --shard i/n and joined with report merge', () => {
  it('gives each shard one card, by profile name: the first to 1/2, the second to 2/2', () => {
    expect(logs.s1).toContain(`shard 1/2: 1 of 2 card(s): ${A}`);
    expect(logs.s2).toContain(`shard 2/2: 1 of 2 card(s): ${B}`);
    expect(new Set(verdicts(whole).map((v) => v.split(' › ')[0]))).toEqual(new Set([A, B]));
  });

  it('gives the same verdicts, test by test, as one unsharded run', () => {
    expect(verdicts(whole).length).toBeGreaterThan(40);
    expect(verdicts(whole).some((v) => v.endsWith(': broken'))).toBe(true);
    expect(verdicts(merged)).toEqual(verdicts(whole));
  });

  it('exits as the unsharded run does: 1, the pulled card failed it; the shard without it passed', () => {
    expect(code).toEqual({ whole: 1, s1: 0, s2: 1, merge: 1 });
  });

  it('writes one JUnit file with every test of both hosts, failures where the unsharded run has them', async () => {
    const junit = await readFile(join(dir, 'merged', 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)?.length).toBe(whole.length);
    const errors = Number(/<testsuites [^>]*errors="(\d+)"/.exec(junit)?.[1]);
    expect(errors).toBe(whole.filter((r) => r.status === 'broken').length);
    expect(junit).toContain('<property name="ICCID" value="8981100000000000025"/>');
    expect((await readFile(join(dir, 'merged', 'allure-report', 'index.html'), 'utf8')).length).toBeGreaterThan(1000);
  });

  it('writes no Allure HTML on the shards (--no-report): results and the traceability matrix, an earlier report gone, the history kept', async () => {
    for (const shard of ['s1', 's2']) {
      expect((await readdir(join(dir, shard))).sort(), shard).toEqual(
        [...(shard === 's1' ? ['allure-history.jsonl'] : []), 'allure-results', 'traceability.html', 'traceability.md']);
      expect(logs[shard]!.join('\n')).toContain(`(no HTML report: --no-report; \`simcert report merge`);
    }
    expect(await readFile(join(dir, 's1', 'allure-history.jsonl'), 'utf8')).toBe(EARLIER_HISTORY);
    expect((await readdir(join(dir, 'whole'))).sort()).toContain('allure-report');
  });

  it('labels every result with its profile, reader, ICCID and host', () => {
    for (const r of merged) {
      expect(label(r, 'reader'), r.name).toBe('bundled simulator');
      expect(label(r, 'rack host'), r.name).toBeTruthy();
    }
    expect(new Set(merged.filter((r) => label(r, 'profile') === A).map((r) => label(r, 'ICCID')))).toEqual(new Set(['8981100000000000025']));
    expect(new Set(merged.filter((r) => label(r, 'profile') === B).map((r) => label(r, 'ICCID')))).toEqual(new Set(['not known']));
  });
});
