// `simcert run` runs the rack's cards in one vitest, shared out among workers that each run several cards side by
// side (suites/support/card-entry.ts); here both cards share one worker (`workers: 1`), the case where they could
// mix. A lab must not see the difference: each result carries the names a suite run on its own gives it (full name,
// history and test-case IDs, title path, suite and package labels: what the Allure history and `simcert report
// merge`'s retry matching key on), and the labels of its own card, never another's. The oracle for the names is
// the suite run by hand, from its own file, by vitest alone.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, vitestCli } from '../paths.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { runSuites } from './run.ts';

const A = 'Projects card A';
const B = 'Projects card B';
let dir: string;
let code: number;
let rack: AllureResult[];
let byHand: AllureResult[];

/** Runs one suite file by hand, as a developer would: vitest on the suites' config with SIMCERT_PROFILE set. */
function vitestByHand(profile: string, suite: string, results: string): Promise<number> {
  const vitest = vitestCli();
  const env: NodeJS.ProcessEnv = { ...process.env, SIMCERT_PROFILE: profile, SIMCERT_ALLURE_RESULTS: results, TMPDIR: dir };
  // Started from this test's own vitest: nothing of its worker's state may reach the child.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'SIMCERT_RUN_PLAN') delete env[k];
  const child = spawn(process.execPath, [vitest, 'run', '--config', join(repoRoot, 'suites', 'vitest.config.ts'), join(repoRoot, 'suites', `${suite}.test.ts`)], { cwd: repoRoot, env, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-card-projects-'));
  await writeFile(join(dir, 'a.yaml'), createAppletProfile({ name: A, variant: 'projects-test', sim: ['  iccid: "8981100000000000031"'] }));
  await writeFile(join(dir, 'b.yaml'), createAppletProfile({ name: B, variant: 'projects-test', sim: ['  iccid: "8981100000000000049"'] }));
  const [rackCode, handCode] = await Promise.all([
    runSuites({ profiles: [join(dir, 'a.yaml'), join(dir, 'b.yaml')], out: join(dir, 'out'), workers: 1, report: false, log: () => undefined, runnerOutput: 'drop' }),
    vitestByHand(join(dir, 'a.yaml'), 'jpki-signing', join(dir, 'by-hand')),
  ]);
  code = rackCode;
  expect(handCode).toBe(0);
  rack = await readAllureResults(join(dir, 'out', 'allure-results'));
  byHand = await readAllureResults(join(dir, 'by-hand'));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Full = AllureResult & { fullName?: string; historyId?: string; testCaseId?: string; titlePath?: string[] };
const label = (r: AllureResult, name: string): string[] => (r.labels ?? []).filter((l) => l.name === name).map((l) => l.value);
const profileOf = (r: AllureResult): string | undefined => r.parameters?.find((p) => p.name === 'profile')?.value;
/** What a result is known by, across runs and hosts. */
const identity = (r: Full): unknown => ({
  fullName: r.fullName, historyId: r.historyId, testCaseId: r.testCaseId, titlePath: r.titlePath,
  ...Object.fromEntries(['parentSuite', 'suite', 'subSuite', 'package', 'conformance suite'].map((n) => [n, label(r, n)])),
});
const byName = (a: AllureResult, b: AllureResult): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

describe('the cards of a run, side by side in one worker', () => {
  it('both cards ran and passed', () => {
    expect(code).toBe(0);
    expect(rack.filter((r) => profileOf(r) === A).length).toBeGreaterThan(5);
    expect(rack.filter((r) => profileOf(r) === B).length).toBe(rack.filter((r) => profileOf(r) === A).length);
  });

  it('ran the two cards at the same time, in one worker', () => {
    const span = (name: string): [number, number] => {
      const rs = rack.filter((r) => profileOf(r) === name && r.start !== undefined && r.stop !== undefined);
      return [Math.min(...rs.map((r) => r.start!)), Math.max(...rs.map((r) => r.stop!))];
    };
    const [a0, a1] = span(A);
    const [b0, b1] = span(B);
    // Each card's tests began before the other card's had all ended.
    expect(a0).toBeLessThan(b1);
    expect(b0).toBeLessThan(a1);
    expect(new Set(rack.map((r) => label(r, 'thread')[0])).size, 'one worker process wrote every result').toBe(1);
  });

  it('names every result as the suite run by hand from its own file does', () => {
    const fromRack = rack.filter((r) => profileOf(r) === A).sort(byName).map((r) => identity(r as Full));
    const fromHand = [...byHand].sort(byName).map((r) => identity(r as Full));
    expect(fromHand.length).toBeGreaterThan(5);
    expect(fromRack).toEqual(fromHand);
    expect((rack[0] as Full).fullName).toMatch(/^simcert:suites\/jpki-signing\.test\.ts#/);
  });

  it('puts each card\'s labels on its own results and on no other card\'s', () => {
    for (const [name, iccid] of [[A, '8981100000000000031'], [B, '8981100000000000049']] as const) {
      for (const r of rack.filter((x) => profileOf(x) === name)) {
        expect(label(r, 'profile')).toEqual([name]);
        expect(label(r, 'ICCID')).toEqual([iccid]);
        expect(label(r, 'reader')).toEqual(['bundled simulator']);
      }
    }
    // By hand there is no rack: no card labels at all.
    expect(byHand.flatMap((r) => label(r, 'profile'))).toEqual([]);
  });
});
