// `simcert probe` as a user meets it: the real CLI in a scratch folder (spawned, or its main in this process for a
// command line refused before anything starts). Wrong command lines and profiles
// get one clear line and exit 2 before any card is touched; a card that contradicts the profile given with
// --profile exits 1, prints each contradiction with the profile's file:line:column, writes them as JSON beside
// the draft and, with --allure-results, as a failed Allure test.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { simcertInProcess } from './test-helpers.ts';

const CLI = join(repoRoot, 'harness', 'cli', 'simcert.js');
const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
const T0 = join(repoRoot, 'profiles', 'emulated', 'variants', 't0-short-apdu.yaml');
const REAL = join(repoRoot, 'profiles', 'examples', 'real-card.yaml');
const NO_PCSCD = { PCSCLITE_CSOCK_NAME: '/nonexistent/simcert-test/pcscd.comm' };

interface Outcome {
  code: number | null;
  out: string;
  err: string;
}

function simcert(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, timeout: 180_000, killSignal: 'SIGKILL' }, (err, out, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, out, err: stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-probe-cli-'));
  await writeFile(join(dir, 'bad.yaml'), 'name: x\ncard:\n  carrier: c\n  variant: v\nics:\n  t1: maybe\nixit:\n  transport: pcsc\n  jpki:\n    pin: { env: X }\nsuites: []\n');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('simcert probe: bad input is refused before any card is touched', () => {
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ['neither --reader nor --sim', ['probe'], /exactly one of --reader NAME .* or --sim PROFILE/],
    ['both --reader and --sim', ['probe', '--reader', 'R', '--sim', REFERENCE], /exactly one of --reader/],
    ['--sim with a real card\'s profile', ['probe', '--sim', REAL], /--sim needs an emulated profile \(card.emulated: true\) with a sim section/, { SIMCERT_JPKI_PIN: '1234', SIMCERT_JPKI_SIGNING_PIN: 'ABCDEF', SIMCERT_GP_KEYS: '404142434445464748494A4B4C4D4E4F' }],
    ['a profile to compare with that has an error', ['probe', '--sim', REFERENCE, '--profile', 'bad.yaml'], /bad\.yaml:6:7.*ics\.t1/],
    ['--allure-results without --profile', ['probe', '--sim', REFERENCE, '--allure-results', 'ar'], /--allure-results records contradictions with a profile/],
    ['--installed without --sim', ['probe', '--reader', 'R', '--installed'], /--installed prepares the bundled simulator/],
    ['--deep on a reader without the card\'s profile', ['probe', '--reader', 'R', '--deep'], /--deep needs the card's profile .* --profile FILE/],
    ['--deep on a real card', ['probe', '--reader', 'R', '--deep', '--profile', REAL], /--deep on a real card needs the probe applet .* as a CAP file/, { SIMCERT_JPKI_PIN: '1234', SIMCERT_JPKI_SIGNING_PIN: 'ABCDEF', SIMCERT_GP_KEYS: '404142434445464748494A4B4C4D4E4F' }],
  ];
  // A case that needs no environment of its own runs in this process (harness/cli/test-helpers.ts: the command's
  // main as simcert.js calls it): what is tested is the answer to the command line, and each start of the command is
  // about half a CPU-second; the ones that set the profile's secrets in the environment start the command.
  it.each(cases)('%s: exit 2, one line, no stack trace', async (_name, args, message, env) => {
    const r = env ? await simcert(dir, args, env) : await simcertInProcess(dir, args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(await readdir(dir)).toEqual(['bad.yaml']);
  });

  it('a reader that is not there: exit 3 naming the reader (or the missing PC/SC service)', async () => {
    const r = await simcert(dir, ['probe', '--reader', 'No Such Reader'], NO_PCSCD);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/No Such Reader|PC\/SC|pcscd/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('simcert probe --sim T=0 variant --profile reference (which claims T=1, extended length and SCP03 in S8 mode)', () => {
  let r: Outcome;
  beforeAll(async () => {
    r = await simcert(dir, ['probe', '--sim', T0, '--profile', REFERENCE, '--out', 'draft.yaml', '--allure-results', 'allure-results']);
  }, 200_000);

  it('exits 1 and prints each contradicted claim where the profile makes it', () => {
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/reference\.yaml:17:7: ics\.t0: the profile claims false, the card shows true/);
    expect(r.err).toMatch(/reference\.yaml:18:7: ics\.t1: the profile claims true, the card shows false/);
    expect(r.err).toMatch(/ics\.extendedLength: the profile claims true, the card shows false \(6700/);
    // The T=0 variant's ISD runs SCP03 in S16 mode (i 71), the reference card's in S8 (i 70).
    expect(r.err).toMatch(/ics\.scpI: the profile claims "?70"?, the card shows "?71"?/);
  });

  it('writes the draft and the contradictions as JSON beside it', async () => {
    const draft = await readFile(join(dir, 'draft.yaml'), 'utf8');
    expect(draft).toMatch(/^ {2}t0: true$/m);
    expect(draft).toMatch(/^ {2}t1: false$/m);
    const json = JSON.parse(await readFile(join(dir, 'draft.yaml.contradictions.json'), 'utf8')) as { contradictions: { claim: string }[] };
    expect(json.contradictions.map((c) => c.claim).sort()).toEqual(['extendedLength', 'scpI', 't0', 't1']);
  });

  it('records the finding as a failed test in the Allure results, one step per contradiction', async () => {
    const files = (await readdir(join(dir, 'allure-results'))).filter((f) => f.endsWith('-result.json'));
    expect(files.length).toBe(1);
    const res = JSON.parse(await readFile(join(dir, 'allure-results', files[0]!), 'utf8')) as { status: string; steps: { name: string; status: string }[] };
    expect(res.status).toBe('failed');
    expect(res.steps.map((s) => s.name).sort()).toEqual([
      'ics.extendedLength: profile true, card false',
      'ics.scpI: profile "70", card "71"',
      'ics.t0: profile false, card true',
      'ics.t1: profile true, card false',
    ]);
  });
});
