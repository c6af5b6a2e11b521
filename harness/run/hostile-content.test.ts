// A card that answers 9000 with wrong content: a signature with one bit flipped, a certificate whose DER length is
// impossible. The suites must report exactly the checks that depend on that content as failed (with what was
// wrong), keep every other result, never crash, and the run must exit non-zero with its report written.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { runSuites } from './run.ts';

let dir: string;
let code: number;
let results: AllureResult[];

const SIGNATURE_CORRUPTED = 'Signatures with one bit flipped';
const CERTIFICATE_MALFORMED = 'Certificate with an impossible DER length';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-hostile-'));
  const profile = (name: string, mode: string, command: string): string => createAppletProfile({
    name, variant: 'hostile-test', sim: [`  faults: { hostile: ${mode}, hostileCommand: "${command}" }`],
  });
  await writeFile(join(dir, 'a.yaml'), profile(SIGNATURE_CORRUPTED, 'corrupt-data', '802A'));
  await writeFile(join(dir, 'b.yaml'), profile(CERTIFICATE_MALFORMED, 'bad-length', '00B0'));
  code = await runSuites({ profiles: [join(dir, 'a.yaml'), join(dir, 'b.yaml')], out: join(dir, 'out'), log: () => undefined, runnerOutput: 'drop' });
  results = await readAllureResults(join(dir, 'out', 'allure-results'));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const of = (profile: string): AllureResult[] => results.filter((r) => r.parameters?.some((p) => p.name === 'profile' && p.value === profile));
// Every test that compares a signature with its known answer: the DigestInfo vectors and the logical-channel one.
const knownAnswer = (r: AllureResult): boolean => r.name.startsWith('signs DigestInfo') || r.name.startsWith('signs on a logical channel');
// Every test that depends on a signature: those, the ones verifying with the card's certificate, the relying party's.
const signing = (r: AllureResult): boolean => r.name.startsWith('signs ') || r.name.startsWith('a relying party');

describe('a card whose answers are well-formed APDUs with wrong content', () => {
  it('makes the run exit non-zero and still writes the report', async () => {
    expect(code).toBe(1);
    expect((await stat(join(dir, 'out', 'allure-report', 'index.html'))).size).toBeGreaterThan(0);
  });

  it('a flipped signature bit fails every signing test as a wrong result, and nothing else', () => {
    const rs = of(SIGNATURE_CORRUPTED);
    expect(rs.filter(signing).length).toBeGreaterThan(0);
    // The relying-party checks are skipped (with their reason) on a profile that names no trusted CA.
    for (const r of rs.filter(signing).filter((x) => x.status !== 'skipped')) {
      expect(r.status, r.name).toBe('failed');
      if (knownAnswer(r)) expect(r.statusDetails?.message).toMatch(/^COMPUTE DIGITAL SIGNATURE (over|on) .+ → (the|the same) known answer.*: expected /);
      else expect(r.statusDetails?.message).toMatch(/^(the signature does not verify with the key of the .+ certificate read from the card|no verified .+ signature was made)/);
    }
    expect(rs.filter((r) => !signing(r)).map((r) => [r.name, r.status]).filter(([, s]) => s !== 'passed')).toEqual([]);
  });

  it('an impossible DER length is reported as malformed, naming the READ BINARY and the file', () => {
    const rs = of(CERTIFICATE_MALFORMED);
    const certTest = rs.find((r) => r.name === 'reads the user-authentication certificate and its CA certificate');
    expect(certTest?.status).not.toBe('passed');
    expect(certTest?.statusDetails?.message).toMatch(/READ BINARY of EF 000a: the card's answer \(\d+ bytes\) is malformed: unsupported DER length form 0x85/);
    // The PIN checks do not read files: their results are unaffected.
    for (const name of ['reports the PIN tries left without spending one', 'counts a wrong PIN down, and the right PIN restores the counter']) {
      expect(rs.find((r) => r.name === name)?.status, name).toBe('passed');
    }
    // Signing still matches the known answers; verifying against the certificate cannot happen and says why. The
    // logical-channel test compares with the known answer only, so it passes.
    for (const r of rs.filter((x) => x.name.startsWith('signs DigestInfo'))) {
      expect(r.status, r.name).not.toBe('passed');
      expect(r.statusDetails?.message).toContain('no certificate was read from the card');
    }
    expect(rs.find((r) => r.name.startsWith('signs on a logical channel'))?.status).toBe('passed');
  });
});
