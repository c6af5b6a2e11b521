// The applet-install suite's secure channel checks fail for the right reason: against a deliberately broken
// simulated card manager (sim.faults) that takes any C-MAC, exactly the forged-C-MAC test fails; against one that
// takes any host cryptogram, exactly the wrong-host-cryptogram test fails. Every other test of the suite passes on
// both, so each check is shown to catch its own defect and nothing else. The same for secure content management:
// domains that take any DAP block fail exactly the bad-DAP test, and delegated management that takes any token
// fails exactly the bad-token test. The card-side probes are in
// card-manager-on-simulator.test.ts; this is the same proof for the suite a lab runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { runSuites } from '../run/run.ts';

const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
const NO_CMAC_CHECK = 'Card manager without a C-MAC check';
const NO_HOST_CRYPTOGRAM_CHECK = 'Card manager without a host cryptogram check';
const FORGED_CMAC_TEST = 'refuses a command whose C-MAC is forged at level 01 (C-MAC only), and ends the session';
const WRONG_CRYPTOGRAM_TEST = 'answers a wrong host cryptogram under a valid C-MAC with 6300, and the right keys still open the domain';
const NO_DAP_CHECK = 'Card manager without a DAP check';
const NO_TOKEN_CHECK = 'Card manager without a token check';
const BAD_DAP_TEST = 'a domain with DAP Verification refuses a load file whose DAP does not verify (6A80), and nothing is loaded';
const BAD_TOKEN_TEST = 'a domain with Delegated Management refuses a load, install or delete whose token is not the carrier\'s (6A80)';

let dir: string;
let code: number;
let results: AllureResult[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-broken-isd-'));
  const profile = (name: string, variant: string, fault: string): string => [
    `extends: ${JSON.stringify(REFERENCE)}`,
    `name: ${name}`,
    `card: { variant: ${variant} }`,
    `sim: { faults: { ${fault}: true } }`,
    'suites: [applet-install]',
    '',
  ].join('\n');
  await writeFile(join(dir, 'no-cmac.yaml'), profile(NO_CMAC_CHECK, 'no-cmac-check', 'skipCmacCheck'));
  await writeFile(join(dir, 'no-host-cryptogram.yaml'), profile(NO_HOST_CRYPTOGRAM_CHECK, 'no-host-cryptogram-check', 'skipHostCryptogramCheck'));
  await writeFile(join(dir, 'no-dap.yaml'), profile(NO_DAP_CHECK, 'no-dap-check', 'skipDapCheck'));
  await writeFile(join(dir, 'no-token.yaml'), profile(NO_TOKEN_CHECK, 'no-token-check', 'skipTokenCheck'));
  code = await runSuites({
    report: false,
    profiles: [join(dir, 'no-cmac.yaml'), join(dir, 'no-host-cryptogram.yaml'), join(dir, 'no-dap.yaml'), join(dir, 'no-token.yaml')],
    out: join(dir, 'out'),
    log: () => undefined,
    runnerOutput: 'drop',
  });
  results = await readAllureResults(join(dir, 'out', 'allure-results'));
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const of = (profile: string): AllureResult[] => results.filter((r) => r.parameters?.some((p) => p.name === 'profile' && p.value === profile));
const notPassed = (rs: AllureResult[]): string[][] => rs.filter((r) => r.status !== 'passed').map((r) => [r.name, r.status]);

describe('the applet-install suite against a deliberately broken card manager', () => {
  it('makes the run exit 1', () => {
    expect(code).toBe(1);
  });

  it('a card manager that takes any C-MAC fails the forged-C-MAC test, and only that one', () => {
    const rs = of(NO_CMAC_CHECK);
    expect(rs.length).toBeGreaterThan(5);
    expect(notPassed(rs)).toEqual([[FORGED_CMAC_TEST, 'failed']]);
    // The card answered the forged command as if it were genuine.
    expect(rs.find((r) => r.name === FORGED_CMAC_TEST)?.statusDetails?.message).toMatch(/9000/);
  });

  it('a card manager that takes any host cryptogram fails the wrong-host-cryptogram test, and only that one', () => {
    const rs = of(NO_HOST_CRYPTOGRAM_CHECK);
    expect(rs.length).toBeGreaterThan(5);
    expect(notPassed(rs)).toEqual([[WRONG_CRYPTOGRAM_TEST, 'failed']]);
    // The step that expected 6300 got 9000: the card took the wrong host cryptogram.
    expect(rs.find((r) => r.name === WRONG_CRYPTOGRAM_TEST)?.statusDetails?.message).toMatch(/EXTERNAL AUTHENTICATE .*→ 6300: expected '9000: /);
  });

  it('domains that take any DAP block fail the bad-DAP test, and only that one', () => {
    const rs = of(NO_DAP_CHECK);
    expect(rs.length).toBeGreaterThan(5);
    expect(notPassed(rs)).toEqual([[BAD_DAP_TEST, 'failed']]);
    // The card took the load file whose DAP signs another hash.
    expect(rs.find((r) => r.name === BAD_DAP_TEST)?.statusDetails?.message).toMatch(/9000/);
  });

  it('delegated management that takes any token fails the bad-token test, and only that one', () => {
    const rs = of(NO_TOKEN_CHECK);
    expect(rs.length).toBeGreaterThan(5);
    expect(notPassed(rs)).toEqual([[BAD_TOKEN_TEST, 'failed']]);
    expect(rs.find((r) => r.name === BAD_TOKEN_TEST)?.statusDetails?.message).toMatch(/9000/);
  });
});
