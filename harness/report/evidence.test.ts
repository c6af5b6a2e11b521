// `simcert run --evidence FILE.zip` and `simcert evidence verify FILE.zip` as a lab relies on them: one real run on
// an emulated card gives a bundle with the results, the reports (traceability beside the Allure report, JUnit), the
// profile with its secrets masked, the harness version and git revision, the build's hashes and every APDU trace;
// `sha256sum -c` (coreutils, an independent checker) accepts its manifest, and so do the build listings against the
// build folder itself. Then every file of the bundle in turn gets a one-byte change, and verify must name it
// (exit 1); a missing file and an added one are caught too, an intact bundle passes (exit 0), a path that is not
// there is a usage error (exit 2).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { main } from '../cli/main.ts';
import { repoRoot } from '../paths.ts';
import { EnvironmentError } from '../run/errors.ts';
import { runSuites } from '../run/run.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { MANIFEST, verifyEvidence } from './evidence.ts';
import { readAllureResults } from './portability.ts';

const exec = promisify(execFile);

let dir: string;
let bundleFile: string;
let bundle: Uint8Array;
let files: Record<string, Uint8Array>;
let log: string[];

/** The bundle's files with one changed, dropped or added, zipped again. */
function rezip(change: (f: Record<string, Uint8Array>) => void): Uint8Array {
  const copy = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)]));
  change(copy);
  return zipSync(copy);
}

/** `simcert evidence verify FILE` in this process: its exit code and what it printed. */
async function verifyCli(file: string): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    return { code: await main(['node', 'simcert', 'evidence', 'verify', file]), out: out.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-evidence-'));
  await writeFile(join(dir, 'card.yaml'), createAppletProfile({ name: 'Evidence card', variant: 'evidence-test', suites: ['handset-swap'] }));
  bundleFile = join(dir, 'bundle', 'evidence.zip');
  await mkdir(dirname(bundleFile));
  log = [];
  const code = await runSuites({ report: false, profiles: [join(dir, 'card.yaml')], out: join(dir, 'out'), evidence: bundleFile, junit: join(dir, 'junit.xml'), log: (l) => log.push(l), runnerOutput: 'drop' });
  if (code !== 0) throw new Error(`the run failed (${code}):\n${log.join('\n')}`);
  bundle = new Uint8Array(await readFile(bundleFile));
  files = unzipSync(bundle);
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simcert run --evidence', () => {
  it('writes a bundle whose manifest sha256sum -c accepts, listing every other file', async () => {
    const unpacked = join(dir, 'unpacked');
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(dirname(join(unpacked, path)), { recursive: true });
      await writeFile(join(unpacked, path), bytes);
    }
    const { stdout } = await exec('sha256sum', ['-c', '--strict', MANIFEST], { cwd: unpacked });
    const checked = stdout.trim().split('\n');
    expect(checked.every((l) => l.endsWith(': OK'))).toBe(true);
    expect(checked.map((l) => l.slice(0, -4)).sort()).toEqual(Object.keys(files).filter((f) => f !== MANIFEST).sort());
    expect(await readFile(bundleFile)).toHaveLength(bundle.length);
    expect(log.some((l) => /^Evidence bundle: .*evidence\.zip \(\d+ files; SHA-256 of its manifest, to record with the certificate: [0-9a-f]{64}\)$/.test(l))).toBe(true);
  });

  it('holds the results, the traceability matrix and JUnit, and every APDU trace of the run', async () => {
    const results = await readAllureResults(join(dir, 'out', 'allure-results'));
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(files[`results/${r.uuid}-result.json`], r.name).toBeDefined();
    expect(strFromU8(files['reports/traceability.md']!)).toContain('| **ISO7816-4 11.5.6 VERIFY');
    expect(strFromU8(files['reports/traceability.md']!)).toBe(await readFile(join(dir, 'out', 'traceability.md'), 'utf8'));
    expect(files['reports/junit.xml']).toBeDefined();
    const withTrace = results.filter((r) => JSON.stringify(r).includes('"APDU trace"'));
    expect(withTrace.length).toBeGreaterThan(0);
    const index = JSON.parse(strFromU8(files['traces/index.json']!)) as { testId: string; file: string }[];
    expect(index.map((t) => t.testId).sort()).toEqual(withTrace.map((r) => r.labels!.find((l) => l.name === 'testId')!.value).sort());
    for (const t of index) expect(strFromU8(files[t.file]!)).toMatch(/^(>>|<<|\S)/m);
  });

  it('records the harness version and git revision, and the simulator build\'s hashes as sha256sum checks them', async () => {
    const meta = JSON.parse(strFromU8(files['bundle.json']!)) as { simcert: { version: string; gitRevision: string }; build: { simulatorSha256: string } };
    expect(meta.simcert.version).toBe((JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    expect(meta.simcert.gitRevision).toBe((await exec('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim());
    const listing = files['build/cardsim.sha256']!;
    await writeFile(join(dir, 'cardsim.sha256'), listing);
    const { stdout } = await exec('sha256sum', ['-c', '--strict', join(dir, 'cardsim.sha256')], { cwd: join(repoRoot, 'lab', 'build', 'cardsim') });
    expect(stdout).toMatch(/\.class: OK/);
    expect((await exec('sha256sum', [join(dir, 'cardsim.sha256')])).stdout.slice(0, 64)).toBe(meta.build.simulatorSha256);
  });

  it('holds each profile\'s ICS/IXIT proforma as it stood for the run', () => {
    const ics = strFromU8(files['profiles/1-card.ics.md']!);
    expect(ics).toMatch(/^# ICS and IXIT proforma: Evidence card$/m);
    expect(ics).toMatch(/^\| B\.2\/2 `ixit\.jpki\.pin` \| .* \| test value \(inline; emulated or test card only\) \|/m);
    expect(ics).toMatch(/^\| A\.1\/3 `ics\.extendedLength` \| .* \| Yes \|/m);
  });

  it('masks the profile\'s secrets: the inline PIN and signing password appear nowhere in the bundle', () => {
    const profile = strFromU8(files['profiles/1-card.yaml']!);
    expect(profile).toContain('pin:\n      value: "*** (masked: inline test value)"');
    for (const [path, bytes] of Object.entries(files)) {
      const text = strFromU8(bytes, true);
      expect(text.includes('SIMCERT1'), `${path} holds the signing password`).toBe(false);
      expect(/\b1234\b/.test(text) && path.startsWith('profiles/'), `${path} holds the PIN`).toBe(false);
    }
  });
});

describe('simcert run --evidence to a path that cannot be written', () => {
  it('stops before any card is touched, naming the path (an environment error, exit 3)', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const log: string[] = [];
    const err = await runSuites({ profiles: [join(dir, 'card.yaml')], out: join(dir, 'out-unwritable'), evidence: join(blocker, 'e.zip'), log: (l) => log.push(l), runnerOutput: 'drop' })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/^cannot write the evidence bundle to .*a-file\/e\.zip: /);
    expect(log.filter((l) => l.startsWith('\n== '))).toEqual([]);
  });
});

describe('simcert evidence verify', () => {
  it('passes the bundle as written (exit 0)', async () => {
    expect(verifyEvidence(bundle)).toMatchObject({ ok: true, problems: [], matched: Object.keys(files).length - 1 });
    const r = await verifyCli(bundleFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: ok: \d+ files match MANIFEST\.sha256/);
  });

  it('detects a one-byte change in any file of the bundle, naming the file', () => {
    const paths = Object.keys(files).filter((f) => files[f]!.length > 0);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const v = verifyEvidence(rezip((f) => {
        const b = f[path]!;
        b[b.length >> 1] = b[b.length >> 1]! ^ 0x01;
      }));
      expect(v.ok, path).toBe(false);
      // A changed manifest line no longer matches its file (or no longer parses); any other file is named as changed.
      if (path !== MANIFEST) expect(v.problems, path).toContain(v.problems.find((p) => p.startsWith(`${path}: SHA-256 `)));
      expect(v.problems.length, path).toBeGreaterThan(0);
    }
  });

  it('detects a missing file and an added one', () => {
    const victim = 'bundle.json';
    const missing = verifyEvidence(rezip((f) => void delete f[victim]));
    expect(missing.problems).toEqual([`${victim}: listed in ${MANIFEST} but missing from the bundle`]);
    const added = verifyEvidence(rezip((f) => (f['results/extra-result.json'] = strToU8('{"status":"passed"}'))));
    expect(added.problems).toEqual([`results/extra-result.json: in the bundle but not in ${MANIFEST}: a file was added`]);
    const noManifest = verifyEvidence(rezip((f) => void delete f[MANIFEST]));
    expect(noManifest.ok).toBe(false);
  });

  it('exits 1 for a changed bundle and for one that is not a ZIP, 2 for a path that is not there', async () => {
    const changed = join(dir, 'changed.zip');
    await writeFile(changed, rezip((f) => (f['reports/traceability.md'] = strToU8(`${strFromU8(f['reports/traceability.md']!)} `))));
    const r = await verifyCli(changed);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/reports\/traceability\.md: SHA-256 [0-9a-f]{64} does not match MANIFEST\.sha256/);
    expect(r.out).toMatch(/NOT intact: 1 problem\(s\)/);
    const notZip = join(dir, 'not.zip');
    await writeFile(notZip, 'this is not a zip archive');
    expect((await verifyCli(notZip)).code).toBe(1);
    const missing = await verifyCli(join(dir, 'no-such.zip'));
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/no such bundle file/);
  });
});

describe('the evidence bundle\'s record of the load files', () => {
  it('gives a CAP file\'s SHA-256 and the SHA-256 of the load file as the card received it, per profile', async () => {
    const { loadProfile } = await import('../profile/index.ts');
    const { evidenceFiles } = await import('./evidence.ts');
    const { knownSuites } = await import('../run/suites.ts');
    const p = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites: await knownSuites() });
    const own = await mkdtemp(join(tmpdir(), 'simcert-evidence-lf-'));
    onTestFinished(() => rm(own, { recursive: true, force: true }));
    const cap = join(own, 'jpki.cap');
    await writeFile(cap, 'stands in for a CAP file: only its bytes are hashed here');
    p.ixit.gp!.loadFile = { cap };
    const results = join(own, 'results');
    await mkdir(results);
    const loaded = 'ab'.repeat(32);
    await writeFile(join(results, '1-result.json'), JSON.stringify({ uuid: '1', name: 'loads the applet load file', status: 'passed', parameters: [{ name: 'profile', value: p.name }, { name: 'load file SHA-256', value: loaded }] }));
    await writeFile(join(results, '2-result.json'), JSON.stringify({ uuid: '2', name: 'other card', status: 'passed', parameters: [{ name: 'profile', value: 'another card' }, { name: 'load file SHA-256', value: 'cd'.repeat(32) }] }));
    const f = await evidenceFiles({ resultsDirs: [results], reportFiles: [], profiles: [p], command: ['simcert'] });
    const meta = JSON.parse(strFromU8(f['bundle.json']!)) as { loadFiles: { profile: string; loadFile: { sha256: string }; loadedSha256: string[] }[] };
    expect(meta.loadFiles).toHaveLength(1);
    expect(meta.loadFiles[0]!.loadFile.sha256).toBe((await exec('sha256sum', [cap])).stdout.slice(0, 64));
    expect(meta.loadFiles[0]!.loadedSha256).toEqual([loaded]);
    // The reference profile's inline keys and the simulator's ISD keys are masked too.
    const profile = strFromU8(f[Object.keys(f).find((k) => k.startsWith('profiles/') && k.endsWith('.yaml'))!]!);
    expect(profile).not.toContain('404142434445464748494A4B4C4D4E4F');
    expect(profile).not.toContain('000102030405060708090A0B0C0D0E0F');
  });
});
