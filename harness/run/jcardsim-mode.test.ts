// The jCardSim route end to end: profiles/emulated/jcardsim-mode.yaml runs the bundled simulator as jCardSim runs
// (the card dials in over vpcd, no GlobalPlatform card manager, CREATE APPLET, one logical channel). The run must
// pass, and every test that this route cannot carry must say so as "not applicable" with its reason: none may
// error when its file loads, fail because the harness refuses, or pass without doing what its title says.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { runSuites } from './run.ts';

let dir: string;
let code: number;
let results: AllureResult[];

const param = (r: AllureResult, name: string): string | undefined => r.parameters?.find((p) => p.name === name)?.value;
const suiteOf = (r: AllureResult): string | undefined => r.labels?.find((l) => l.name === 'conformance suite')?.value;
const named = (title: string): AllureResult | undefined => results.find((r) => r.name.startsWith(title));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-jcardsim-'));
  code = await runSuites({
    report: false,
    profiles: [join(repoRoot, 'profiles', 'emulated', 'jcardsim-mode.yaml')],
    out: join(dir, 'out'), log: () => undefined, runnerOutput: 'drop',
  });
  results = await readAllureResults(join(dir, 'out', 'allure-results'));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the jCardSim route (profiles/emulated/jcardsim-mode.yaml)', () => {
  it('passes, with no failed or broken test, and runs every suite the profile enables', () => {
    expect(code).toBe(0);
    expect(results.filter((r) => r.status === 'failed' || r.status === 'broken').map((r) => r.name)).toEqual([]);
    expect(new Set(results.map(suiteOf))).toEqual(new Set(['jpki-signing', 'handset-swap', 'applet-install', 'personalization', 'service-lifecycle']));
  });

  it('signs with the applet it created through CREATE APPLET', () => {
    const signing = results.filter((r) => suiteOf(r) === 'jpki-signing' && r.name.startsWith('signs DigestInfo'));
    expect(signing.length).toBeGreaterThan(0);
    expect(signing.every((r) => r.status === 'passed')).toBe(true);
  });

  it('reports every test it cannot carry as not applicable, each with its reason', () => {
    const notRun = results.filter((r) => r.status === 'skipped');
    expect(notRun.length).toBeGreaterThan(0);
    for (const r of notRun) {
      expect(param(r, 'not applicable because'), `${r.name}: a route or ICS reason, not a skip`).toMatch(/\S/);
    }
  });

  it('reports applet-install not applicable, for want of a security domain, instead of erroring when its file loads', () => {
    const install = results.filter((r) => suiteOf(r) === 'applet-install');
    expect(install.length).toBeGreaterThan(5);
    expect(install.filter((r) => r.status !== 'skipped').map((r) => r.name)).toEqual([]);
    expect(param(named('loads the applet load file')!, 'not applicable because')).toMatch(/no security domain in the IXIT \(ixit\.gp\)/);
  });

  it('reports the move to another reader not applicable over vpcd, and still checks warm and cold resets', () => {
    expect(param(named('survives a move to another reader')!, 'not applicable because')).toMatch(/over vpcd/);
    expect(named('survives a warm reset')?.status).toBe('passed');
    expect(named('survives a cold reset')?.status).toBe('passed');
  });

  it('does not claim ARA-M rules on a card with no ARA-M', () => {
    const shipped = results.find((r) => suiteOf(r) === 'service-lifecycle' && r.name.startsWith('the card is as its carrier ships it'));
    expect(shipped?.status).toBe('passed');
    expect(shipped?.name).not.toMatch(/ARA-M/);
  });
});
