// The evidence bundle of a run (`simcert run --evidence FILE.zip`): one ZIP a lab files with the certificate so a
// verdict can be audited later. It holds the run's Allure results, the reports built from them (traceability,
// portability, JUnit), the resolved profiles with every secret masked and each one's ICS/IXIT proforma, the harness
// version and git revision, the SHA-256 of the applet load files and of the simulator build, every APDU trace
// (already redacted when recorded), and MANIFEST.sha256: the SHA-256 of every other file, in `sha256sum` format, so `sha256sum -c MANIFEST.sha256` in
// the unpacked bundle checks it as well as `simcert evidence verify` does. The manifest detects a changed, missing or
// added file; it cannot detect a bundle rebuilt whole, so the run prints the manifest's own SHA-256 for the lab to
// record beside the certificate.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { strToU8, strFromU8, unzipSync, zipSync } from 'fflate';
import { stringify } from 'yaml';
import { filesUnder } from '../files-under.ts';
import { repoRoot } from '../paths.ts';
import { inspectProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { icsMarkdown, icsStatement, type FieldIsSet } from './ics.ts';
import type { AllureResult } from './portability.ts';

const run = promisify(execFile);

export const MANIFEST = 'MANIFEST.sha256';
export const BUNDLE_FORMAT = 'simcert-evidence/1';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface EvidenceInput {
  /** The run's Allure results folder(s). */
  resultsDirs: readonly string[];
  /** Reports built from them (traceability.*, portability.*, the JUnit XML): packed under reports/ by file name. */
  reportFiles: readonly string[];
  /** The profiles the run used, as loaded (their secrets are masked in the bundle). */
  profiles: readonly Profile[];
  /** The command line, for the record. */
  command: readonly string[];
}

/** What a profile looks like in the bundle: resolved, with every secret value replaced. */
export function maskedProfile(p: Profile): Record<string, unknown> {
  const copy = structuredClone(p) as unknown as Record<string, unknown>;
  const masked = '*** (masked: inline test value)';
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    // A secret reference ({ value } inline): the value goes; { env } and { file } only say where it comes from.
    if (Object.keys(o).length === 1 && typeof o.value === 'string') o.value = masked;
    for (const x of Object.values(o)) walk(x);
  };
  walk(copy.ixit);
  // The simulated security domain's keys are test keys, but keys all the same.
  const isd = (copy.sim as { isd?: Record<string, unknown> } | undefined)?.isd;
  for (const k of ['enc', 'mac', 'dek']) if (isd && typeof isd[k] === 'string') isd[k] = '*** (masked: simulator test key)';
  return copy;
}

/** `sha256sum` listing of a build folder (its build stamp, which holds mtimes, left out) and its digest. */
async function treeHashes(dir: string): Promise<{ listing: string; digest: string } | undefined> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) return undefined;
  const lines: string[] = [];
  for (const f of (await filesUnder(dir)).filter((f) => basename(f) !== '.build-stamp')) lines.push(`${sha256(await readFile(join(dir, f)))}  ${f}\n`);
  const listing = lines.join('');
  return { listing, digest: sha256(strToU8(listing)) };
}

/** The git revision of the harness, and whether its working tree had changes; "unknown" outside a git checkout. */
async function gitRevision(): Promise<{ revision: string; dirty: boolean | 'unknown' }> {
  try {
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim();
    const status = (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot })).stdout.trim();
    return { revision: head, dirty: status !== '' };
  } catch {
    return { revision: 'unknown (not a git checkout, or no git)', dirty: 'unknown' };
  }
}

async function harnessVersion(): Promise<string> {
  return (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Which fields the profile's files set (the rest are schema defaults), read again from its files for the proforma. */
async function fieldIsSet(p: Profile): Promise<FieldIsSet> {
  const r = await inspectProfile(p.file, { knownSuites: p.suites, describeOnly: true });
  const layers = r.sources?.layers;
  // The file gone or changed since the run: no way to tell defaults apart, so none is marked as one.
  return layers ? (path) => layers.some((l) => l.doc.hasIn(path)) : () => true;
}

/** A path as the bundle records it: relative inside the repository, absolute elsewhere. */
const shownPath = (f: string): string => (relative(repoRoot, f).startsWith('..') ? f : relative(repoRoot, f) || f);

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '') || 'x';

interface Step {
  attachments?: { name: string; source: string }[];
  steps?: Step[];
}

function traceSources(s: Step): string[] {
  return [...(s.attachments ?? []).filter((a) => a.name === 'APDU trace').map((a) => a.source), ...(s.steps ?? []).flatMap(traceSources)];
}

type Files = Record<string, Uint8Array>;
type TraceEntry = { profile: string; testId: string | undefined; test: string; status: string; file: string; source: string };

const paramOf = (r: AllureResult, name: string): string | undefined => r.parameters?.find((p) => p.name === name)?.value;

/**
 * Results: each folder's files under results/ (results/<n>/ when there are several), and every APDU trace again by
 * profile and test ID, so an auditor finds the exchanges behind a verdict without Allure. Returns the results read.
 */
async function packResults(dirs: readonly string[], files: Files, traces: TraceEntry[]): Promise<AllureResult[]> {
  const all: AllureResult[] = [];
  for (const [i, dir] of dirs.entries()) {
    const prefix = dirs.length === 1 ? 'results' : `results/${i + 1}`;
    for (const f of await filesUnder(dir)) files[`${prefix}/${f}`] = new Uint8Array(await readFile(join(dir, f)));
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('-result.json')).sort()) {
      const r = JSON.parse(await readFile(join(dir, f), 'utf8')) as AllureResult & Step;
      all.push(r);
      const profile = paramOf(r, 'profile') ?? 'unknown profile';
      const testId = r.labels?.find((l) => l.name === 'testId')?.value;
      for (const source of traceSources(r)) {
        const bytes = files[`${prefix}/${source}`];
        if (!bytes) continue;
        const base = `traces/${slug(profile)}/${slug(testId ?? r.uuid)}`;
        let name = `${base}.txt`;
        for (let k = 2; files[name]; k++) name = `${base}-${k}.txt`;
        files[name] = bytes;
        traces.push({ profile, testId, test: r.name, status: r.status, file: name, source: `${prefix}/${source}` });
      }
    }
  }
  return all;
}

/** build/<part>.sha256 for the simulator and each applet as built; returns each part's digest. */
async function packBuild(files: Files): Promise<Record<string, string>> {
  const build: Record<string, string> = {};
  const buildDir = join(repoRoot, 'lab', 'build');
  // Each part is a link to its current build (harness/sim/build.ts); the builds themselves, and a link being
  // replaced, have names with a leading dot.
  const applets = (await readdir(join(buildDir, 'applets')).catch(() => [] as string[])).filter((a) => !a.startsWith('.'));
  const parts = ['cardsim', ...applets.sort().map((a) => `applets/${a}`)];
  for (const part of parts) {
    const t = await treeHashes(join(buildDir, part));
    if (!t) continue;
    files[`build/${part}.sha256`] = strToU8(t.listing);
    build[part] = t.digest;
  }
  return build;
}

/**
 * Each profile's applet code: its load file (a CAP file's SHA-256, or the digest of the lab applet's classes it is
 * built from), the SHA-256 of the load file as the card received it (recorded by the test that loaded it,
 * applet-install's "load file SHA-256"), and the applets the simulator created from lab classes.
 */
async function loadFileRecords(profiles: readonly Profile[], results: readonly AllureResult[], build: Record<string, string>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const p of profiles) {
    const lf = p.ixit.gp?.loadFile;
    const loaded = new Set(results.filter((r) => paramOf(r, 'profile') === p.name).map((r) => paramOf(r, 'load file SHA-256')).filter((h): h is string => h !== undefined));
    const source = lf === undefined ? undefined
      : 'cap' in lf ? { cap: shownPath(lf.cap), sha256: await readFile(lf.cap).then(sha256, () => 'unreadable') }
        : { codebase: lf.codebase, packageAid: lf.packageAid, classesSha256: build[`applets/${lf.codebase}`] ?? 'not built' };
    const created = (p.sim?.applets ?? []).map((a) => ({ aid: a.aid, class: a.class, codebase: a.codebase, classesSha256: build[`applets/${a.codebase}`] ?? 'not built' }));
    out.push({ profile: p.name, ...(source ? { loadFile: source } : {}), loadedSha256: [...loaded].sort(), ...(created.length ? { createdApplets: created } : {}) });
  }
  return out;
}

/** The bundle's files (path → bytes), manifest included. */
export async function evidenceFiles(input: EvidenceInput): Promise<Files> {
  const files: Files = {};
  const traces: TraceEntry[] = [];
  const results = await packResults(input.resultsDirs, files, traces);
  files['traces/index.json'] = strToU8(`${JSON.stringify(traces, null, 2)}\n`);
  for (const f of input.reportFiles) files[`reports/${basename(f)}`] = new Uint8Array(await readFile(f));

  const version = await harnessVersion();
  const profiles: { name: string; file: string; bundled: string; ics: string }[] = [];
  for (const [i, p] of input.profiles.entries()) {
    const path = `profiles/${i + 1}-${slug(basename(p.file, '.yaml'))}`;
    const { file: _file, ...rest } = maskedProfile(p);
    files[`${path}.yaml`] = strToU8(`# ${shownPath(p.file)}, resolved, secrets masked\n${stringify(rest, { lineWidth: 0 })}`);
    // The card's ICS/IXIT proforma as it stood for this run (secrets by reference only).
    files[`${path}.ics.md`] = strToU8(icsMarkdown(icsStatement(p, await fieldIsSet(p), { simcertVersion: version, generatedAt: new Date(), cwd: repoRoot })));
    profiles.push({ name: p.name, file: shownPath(p.file), bundled: `${path}.yaml`, ics: `${path}.ics.md` });
  }

  // The code that talked to the card: the simulator's and the applets' classes as built, and the load files.
  const usesLab = input.profiles.some((p) => p.sim !== undefined || (p.ixit.gp?.loadFile !== undefined && 'codebase' in p.ixit.gp.loadFile));
  const build = usesLab ? await packBuild(files) : {};
  const loadFiles = await loadFileRecords(input.profiles, results, build);

  const git = await gitRevision();
  const meta = {
    format: BUNDLE_FORMAT,
    createdAt: new Date().toISOString(),
    simcert: { version, gitRevision: git.revision, gitDirty: git.dirty },
    node: process.version,
    host: hostname(),
    command: input.command,
    profiles,
    build: usesLab ? { simulatorSha256: build.cardsim ?? 'not built', applets: Object.fromEntries(Object.entries(build).filter(([k]) => k.startsWith('applets/'))) } : 'no simulator or lab applet used',
    loadFiles,
    traces: traces.length,
    note: 'Every file but MANIFEST.sha256 is listed in it with its SHA-256 (sha256sum format). Tree digests are the SHA-256 of the build/*.sha256 listings.',
  };
  files['bundle.json'] = strToU8(`${JSON.stringify(meta, null, 2)}\n`);
  files[MANIFEST] = strToU8(Object.keys(files).filter((f) => f !== MANIFEST).sort().map((f) => `${sha256(files[f]!)}  ${f}\n`).join(''));
  return files;
}

/** The bundle as ZIP bytes, with its file count and the manifest's SHA-256 (the caller writes it where asked). */
export async function buildEvidenceBundle(input: EvidenceInput): Promise<{ zip: Uint8Array; files: number; manifestSha256: string }> {
  const files = await evidenceFiles(input);
  const zip = zipSync(Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))), { level: 6 });
  return { zip, files: Object.keys(files).length, manifestSha256: sha256(files[MANIFEST]!) };
}

export interface Verification {
  ok: boolean;
  /** Each problem found: a changed, missing or unlisted file, or a bundle that cannot be read. */
  problems: string[];
  /** Files whose SHA-256 matched the manifest. */
  matched: number;
  manifestSha256?: string;
  meta?: { format?: string; createdAt?: string; simcert?: { version?: string; gitRevision?: string; gitDirty?: boolean | string } };
}

/** Checks a bundle's bytes against its manifest. */
export function verifyEvidence(zip: Uint8Array): Verification {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    return { ok: false, problems: [`not a readable ZIP archive (${(err as Error).message}): the bundle is damaged or not a bundle`], matched: 0 };
  }
  const manifest = files[MANIFEST];
  if (!manifest) return { ok: false, problems: [`no ${MANIFEST} in the bundle: it is not an evidence bundle, or its manifest was removed`], matched: 0 };
  const problems: string[] = [];
  const listed = new Map<string, string>();
  strFromU8(manifest).split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) return void problems.push(`${MANIFEST} line ${i + 1} is not "<sha256>  <path>": ${JSON.stringify(line.slice(0, 80))}`);
    if (listed.has(m[2]!)) problems.push(`${MANIFEST} lists ${m[2]} twice`);
    listed.set(m[2]!, m[1]!);
  });
  let matched = 0;
  for (const [path, want] of listed) {
    const bytes = files[path];
    if (!bytes) {
      problems.push(`${path}: listed in ${MANIFEST} but missing from the bundle`);
      continue;
    }
    const got = sha256(bytes);
    if (got === want) matched++;
    else problems.push(`${path}: SHA-256 ${got} does not match ${MANIFEST} (${want}): the file was changed`);
  }
  for (const path of Object.keys(files).sort()) {
    if (path !== MANIFEST && !listed.has(path) && !path.endsWith('/')) problems.push(`${path}: in the bundle but not in ${MANIFEST}: a file was added`);
  }
  let meta: Verification['meta'];
  try {
    meta = files['bundle.json'] ? (JSON.parse(strFromU8(files['bundle.json'])) as Verification['meta']) : undefined;
  } catch {
    meta = undefined;
  }
  return { ok: problems.length === 0, problems, matched, manifestSha256: sha256(manifest), ...(meta ? { meta } : {}) };
}
