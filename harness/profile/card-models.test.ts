// The example profiles of real card models (profiles/examples) are what a lab copies for its first real card, so
// they must pass `simcert profile check` once the lab's secrets are set, keep those secrets out of the file, name a
// source for every ICS claim, and say `verified: false` until a lab confirms them on a card; a run on such a
// profile says, in its output and on every test of the report, that the facts are unverified.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { readAllureResults, type AllureResult } from '../report/portability.ts';
import { runSuites } from '../run/run.ts';
import { knownSuites } from '../run/suites.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { checkProfiles, formatProblem, loadProfile } from './index.ts';
import { unverifiedNote } from './verified.ts';

const SECRETS = { SIMCERT_JPKI_PIN: '1234', SIMCERT_JPKI_SIGNING_PIN: 'LABPASS1', SIMCERT_GP_KEYS: '404142434445464748494A4B4C4D4E4F' };

async function withSecrets<T>(body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(SECRETS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SECRETS);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const examples = await glob('profiles/examples/*.yaml', { cwd: repoRoot, absolute: true });
/** The card-model profiles: those that say their facts are unverified. */
const models: string[] = [];
for (const f of examples) if (/^verified: false\b/m.test(await readFile(f, 'utf8'))) models.push(f);

/** The lines of a top-level section (`ics:` ...) up to the next top-level key. */
function section(text: string, key: string): { line: number; text: string }[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${key}:`));
  if (start === -1) return [];
  const out: { line: number; text: string }[] = [];
  for (let i = start + 1; i < lines.length && !/^[A-Za-z]/.test(lines[i]!); i++) out.push({ line: i + 1, text: lines[i]! });
  return out;
}

describe('the example profiles of real card models', () => {
  it('include at least three card models, each marked verified: false', () => {
    expect(models.length).toBeGreaterThanOrEqual(3);
  });

  it('every example passes profile check once the lab\'s secrets are in the environment', async () => {
    const results = await withSecrets(async () => checkProfiles(examples, { knownSuites: await knownSuites() }));
    for (const r of results) expect(r.problems.map(formatProblem), r.file).toEqual([]);
  });

  it('no card model holds a secret: the PINs and domain keys come from the environment', async () => {
    for (const f of models) {
      const p = await withSecrets(async () => loadProfile(f, { knownSuites: await knownSuites() }));
      expect(p.verified, f).toBe(false);
      expect(p.card.emulated, f).toBe(false);
      const refs = [p.ixit.jpki.pin, p.ixit.jpki.signingPin, p.ixit.gp?.keys].filter((r) => r !== undefined);
      for (const r of refs) expect(r, f).toHaveProperty('env');
    }
  });

  it('every ICS claim and the ATR name their source in a comment, and every source tag is defined in the header', async () => {
    for (const f of models) {
      const text = await readFile(f, 'utf8');
      const claims = section(text, 'ics').filter((l) => /^\s+[a-zA-Z0-9]+:\s*\S/.test(l.text));
      expect(claims.length, f).toBeGreaterThan(10);
      const atr = section(text, 'ixit').filter((l) => /^\s+value:\s*3B/.test(l.text));
      expect(atr.length, `${f}: an ATR value`).toBe(1);
      for (const l of [...claims, ...atr]) expect(l.text, `${f}:${l.line} has no source comment`).toMatch(/#\s*\S/);
      // The header (comment lines before the first key) defines every [Tag...] the comments use.
      const lines = text.split('\n');
      const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('#'))).join('\n');
      const used = new Set([...text.matchAll(/\[([^\]]+)\]/g)].flatMap((m) => m[1]!.split(/[,;]/)).map((t) => t.trim().split(/[:#\s]/)[0]!).filter(Boolean));
      expect(used.size, f).toBeGreaterThan(0);
      for (const tag of used) expect(header, `${f}: source tag [${tag}] is not defined in the header`).toContain(`[${tag}`);
    }
  });

  it('the emulated profiles make no unverified claim', async () => {
    const files = await glob('profiles/emulated/**/*.yaml', { cwd: repoRoot, absolute: true });
    for (const f of files) expect(unverifiedNote(await loadProfile(f, { knownSuites: await knownSuites() })), f).toBeUndefined();
  });
});

describe('a run on a profile whose facts are unverified', () => {
  let dir: string;
  const log: string[] = [];
  let results: AllureResult[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-unverified-'));
    const file = join(dir, 'unverified.yaml');
    await writeFile(file, `verified: false\n${createAppletProfile({ name: 'Unverified facts', variant: 'unverified-test', suites: ['jpki-signing'] })}`);
    await runSuites({ report: false, profiles: [file], out: join(dir, 'out'), log: (m) => log.push(m), runnerOutput: 'drop' });
    results = await readAllureResults(join(dir, 'out', 'allure-results'));
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says so in its output, right under the profile\'s heading', () => {
    const i = log.findIndex((m) => m.includes('== Unverified facts'));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(log[i + 1]).toMatch(/^UNVERIFIED PROFILE \(verified: false\): .*not confirmed|^UNVERIFIED PROFILE \(verified: false\): .*no lab has confirmed/);
  });

  it('says so on every test of the report', () => {
    expect(results.length).toBeGreaterThan(10);
    for (const r of results) {
      expect(r.parameters?.find((p) => p.name === 'profile facts')?.value, r.name).toMatch(/^UNVERIFIED PROFILE/);
    }
  });
});
