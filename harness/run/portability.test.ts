// The portability run over the six emulated variants under profiles/emulated/variants: one command, every
// profile, and a matrix whose differences are exactly the ones the variants were written to have. The
// expectations below are those of the variants' own files (their comments say what each differs in); the
// suites themselves hold none, they read everything from the profiles.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import type { Cell, Matrix } from '../report/portability.ts';
import { buildMatrix } from '../report/portability.ts';
import { runSuites } from './run.ts';

const VARIANTS = join(repoRoot, 'profiles', 'emulated', 'variants');
const A = 'Variant A: T=0, short APDUs only';
const B = 'Variant B: SCP02, ISD only';
const C = 'Variant C: RSA only, no on-card key generation';
const D = 'Variant D: 30 KB free memory';
const E = 'Variant E: one logical channel';
const F = 'Variant F: next-generation card, ECDSA P-384 / SHA-384';

let dir: string;
let code: number;
let matrix: Matrix;
let html: string;
let md: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-portability-'));
  code = await runSuites({ report: false, profiles: [join(VARIANTS, '*.yaml')], suites: ['portability'], out: dir, log: () => undefined, runnerOutput: 'drop' });
  matrix = await buildMatrix(join(dir, 'allure-results'));
  html = await readFile(join(dir, 'portability.html'), 'utf8');
  md = await readFile(join(dir, 'portability.md'), 'utf8');
}, 900_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function column(profile: string): { check: string; suite: string; cell: Cell }[] {
  const i = matrix.profiles.findIndex((p) => p.name === profile);
  expect(i, `${profile} is a column`).toBeGreaterThanOrEqual(0);
  return matrix.rows.map((r) => ({ check: r.check, suite: r.suite, cell: r.cells[i]! }));
}

/**
 * DAP verification and delegated management are claimed by the reference card only (profiles/emulated/reference.yaml);
 * every variant says it has neither, so their checks are not applicable in every column, and are left out of the
 * differences each variant was written to have.
 */
const referenceOnly = (x: { cell: Cell }): boolean =>
  x.cell.status === 'not applicable' && /\b(dap|delegated_management) is false\b/.test(x.cell.detail ?? '');

const notPassed = (profile: string) => column(profile).filter((x) => x.cell.status !== 'passed' && !referenceOnly(x));

describe('portability across the emulated SIM variants', () => {
  it('runs every variant in one command, installs the same load file on each, and writes the matrix', () => {
    expect(matrix.profiles.map((p) => p.name).sort()).toEqual([A, B, C, D, E, F]);
    const loadFiles = new Set(matrix.profiles.map((p) => p.loadFile));
    expect(loadFiles.size).toBe(1);
    expect([...loadFiles][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(code).toBe(1); // variant D's finding fails the run
    expect(md).toContain(`| ${A} |`);
  });

  it('T=0 with short APDUs only: everything passes through GET RESPONSE', () => {
    expect(notPassed(A)).toEqual([]);
  });

  it('SCP02 with the ISD only: the service-provider checks are not applicable, because of ics.supplementaryDomains', () => {
    const na = notPassed(B);
    expect(na.length).toBeGreaterThan(0);
    for (const x of na) {
      expect(x.cell.status, x.check).toBe('not applicable');
      expect(x.cell.detail).toMatch(/ssd is false .*ics\.supplementaryDomains at profiles\/emulated\/variants\/scp02-isd-only\.yaml:\d+:\d+/);
    }
  });

  it('no EC, no on-card generation: exactly the EC and on-card personalization checks are not applicable', () => {
    const na = notPassed(C);
    expect(na.map((x) => x.check).sort()).toEqual([
      'generates on the card a p256 key', 'generates on the card a p384 key', 'generates on the card a rsa2048 key',
      'injects a centrally generated p256 key', 'injects a centrally generated p384 key',
    ]);
    expect(na.every((x) => x.cell.status === 'not applicable')).toBe(true);
  });

  it('small memory: the instance does not fit; one failed cell names the INSTALL and 6A84, everything that needed it is blocked by it', () => {
    const install = column(D).find((x) => x.check === 'installs the applet and makes it selectable')!;
    // A refusal by the card is a finding (failed), not a harness fault (broken), and reads as a sentence (GPCS 2.3.1 11.5).
    expect(install.cell.status).toBe('failed');
    expect(install.cell.detail).toBe('INSTALL [for install and make selectable] (80 E6 0C 00) answered 6A84: not enough memory space');
    expect(install.cell.trace).toMatch(/INSTALL \[for install and make selectable\].*\n  > 84 E6 0C 00/); // as it went to the card, under the secure channel
    expect(html).toContain(`id="${install.cell.anchor}"`);
    expect(html).toContain(`href="#${install.cell.anchor}"`);
    // The load file itself fits: the variant's limit is the instance, as its profile says.
    expect(column(D).find((x) => x.check === 'loads the applet load file')!.cell.status).toBe('passed');
    // One root cause, one red cell: every other check that did not pass is blocked by that INSTALL, or not applicable.
    const red = column(D).filter((x) => x.cell.status === 'failed' || x.cell.status === 'broken');
    expect(red.map((x) => `${x.suite} › ${x.check}`)).toEqual(['applet-install › installs the applet and makes it selectable']);
    const others = notPassed(D).filter((x) => x.check !== install.check);
    for (const x of others) expect(x.cell.status, `${x.suite} › ${x.check}`).toMatch(/^(blocked|not applicable)$/);
    const blocked = others.filter((x) => x.cell.status === 'blocked');
    // Its dependents in all three suites: the rest of applet-install, every personalization mode, all of signing.
    expect(new Set(blocked.map((x) => x.suite))).toEqual(new Set(['applet-install', 'personalization', 'jpki-signing']));
    expect(blocked.filter((x) => x.suite === 'jpki-signing').length).toBe(column(D).filter((x) => x.suite === 'jpki-signing').length);
    for (const x of blocked) {
      expect(x.cell.blockedBy).toBe('applet-install › installs the applet and makes it selectable');
      expect(x.cell.blockedByAnchor).toBe(install.cell.anchor);
    }
    expect(md).toContain('| Variant D: 30 KB free memory |');
    expect(md).toContain(`/ jpki-signing / reads the user-authentication certificate and its CA certificate — blocked: blocked by applet-install › installs the applet and makes it selectable`);
    expect(md).toMatch(/\| 1 failed, \d+ blocked, \d+ passed/);
  });

  it('next-generation card: both keys P-384 sign and verify; only the RSA and P-256 checks are not applicable, because of the ICS', () => {
    const na = notPassed(F);
    for (const x of na) expect(x.cell.status, `${x.suite} › ${x.check}`).toBe('not applicable');
    expect(na.filter((x) => x.suite === 'personalization').map((x) => x.check).sort()).toEqual([
      'generates on the card a p256 key', 'generates on the card a rsa2048 key',
      'injects a centrally generated p256 key', 'injects a centrally generated rsa2048 key',
    ]);
    // In signing, only the RSA known-answer vectors, each pointing at the ICS line that says no RSA.
    const signing = na.filter((x) => x.suite === 'jpki-signing');
    expect(signing.length).toBeGreaterThan(0);
    for (const x of signing) {
      expect(x.check).toMatch(/^signs DigestInfo /);
      expect(x.cell.detail).toMatch(/(rsa2048|sha1_digestinfo) is false .*ics\.(rsa2048|sha1DigestInfo) at profiles\/emulated\/variants\/next-gen\.yaml:\d+:\d+/);
    }
    // DAP and delegated management are not claimed by any variant (the test below).
    expect(na.filter((x) => x.suite === 'applet-install' && !/DAP Verification|Delegated Management/.test(x.check))).toEqual([]);
    const passed = (check: string) => column(F).find((x) => x.check === check)?.cell.status;
    expect(passed('injects a centrally generated p384 key')).toBe('passed');
    expect(passed('generates on the card a p384 key')).toBe('passed');
    expect(passed('signs with the user-authentication key (P2 80 and P2 97), verified with the certificate read from the card')).toBe('passed');
    expect(passed('signs with the signing key (P2 80 and P2 9A), verified with the certificate read from the card')).toBe('passed');
    expect(passed('a relying party that trusts the profile\'s signing CA accepts the card\'s certificate and signature')).toBe('passed');
  });

  it('DAP and delegated management: not applicable on every variant, which claims neither (ics.dap, ics.delegatedManagement)', () => {
    for (const v of [A, B, C, D, E, F]) {
      const rows = column(v).filter((x) => /DAP Verification|Delegated Management/.test(x.check));
      expect(rows.length, v).toBe(4);
      for (const x of rows) {
        expect(x.cell.status, `${v}: ${x.check}`).toBe('not applicable');
        expect(x.cell.detail, `${v}: ${x.check}`).toMatch(/ics\.(dap|delegatedManagement|supplementaryDomains) at profiles\/emulated\/variants\/[a-z0-9-]+\.yaml:\d+:\d+/);
      }
    }
  });

  it('one logical channel: only the Open Mobile API check is not applicable', () => {
    const na = notPassed(E);
    expect(na.map((x) => [x.check, x.cell.status])).toEqual([['signs on a logical channel, as a phone\'s Open Mobile API reaches the applet', 'not applicable']]);
    expect(na[0]!.cell.detail).toContain('channels is false');
  });
});
