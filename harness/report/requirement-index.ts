// The requirement index: which test (by stable ID) verifies which clause. Built by collecting the suites the way
// vitest does before a run (`vitest list`, nothing sent to a card) with each test's ID and clauses recorded as it
// registers (suites/support/requirements.ts), so the index and its check see every test vitest would run,
// including one written without the suites' helpers. `npx tsx harness/report/requirement-index.ts` prints the
// Markdown table the README carries.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, vitestCli } from '../paths.ts';
import { DOCUMENTS, REQUIREMENTS_OUT_ENV, type Requirement } from '../../suites/support/requirements.ts';

const run = promisify(execFile);

/**
 * The profiles whose suites together register every test: the fixture gives one known-answer test per vector; a
 * card with its own keys (the real-card example) registers the known-answer tests once each, as skipped.
 */
export const INDEX_PROFILES = ['profiles/emulated/reference.yaml', 'profiles/examples/real-card.yaml'];

/**
 * Stand-ins for the secrets the real-card example reads from the environment: collecting registers tests and
 * opens no card, so nothing ever receives them; the profile only needs them set to load.
 */
const COLLECT_ONLY_SECRETS = {
  SIMCERT_JPKI_PIN: '0000',
  SIMCERT_JPKI_SIGNING_PIN: 'COLLECT0',
  SIMCERT_GP_KEYS: '404142434445464748494A4B4C4D4E4F',
};

export interface Collected {
  /** Every test vitest collected: its file (relative to the repository) and its own title. */
  listed: { file: string; title: string }[];
  /** Every test registered through applicableTest, with its ID and clauses. */
  requirements: Requirement[];
}

/** Collects the suites for one profile without running them. Throws when a suite fails to collect. */
export async function collect(profile: string): Promise<Collected> {
  const dir = await mkdtemp(join(tmpdir(), 'simcert-requirements-'));
  try {
    const out = join(dir, 'requirements.jsonl');
    const list = join(dir, 'list.json');
    const vitest = vitestCli();
    try {
      await run(process.execPath, [vitest, 'list', '--config', join(repoRoot, 'suites', 'vitest.config.ts'), `--json=${list}`], {
        cwd: repoRoot,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...COLLECT_ONLY_SECRETS, ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', SIMCERT_PROFILE: join(repoRoot, profile), SIMCERT_ALLURE_RESULTS: join(dir, 'allure-results'), [REQUIREMENTS_OUT_ENV]: out },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`collecting the suites for ${profile} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
    }
    const listed = (JSON.parse(await readFile(list, 'utf8')) as { name: string; file: string }[]).map((t) => ({
      file: relative(repoRoot, t.file),
      // vitest joins the describe block and the test title with " > "; the suites have one describe level.
      title: t.name.slice(t.name.indexOf(' > ') + 3),
    }));
    const text = await readFile(out, 'utf8').catch(() => '');
    const requirements = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Requirement);
    return { listed, requirements };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The ID a test's generated variants share (`JPKI-SIG-012-FIPS180-2-ABC-SHA1` → `JPKI-SIG-012`). */
export function baseId(id: string): string {
  return /^.*?-\d{3}/.exec(id)?.[0] ?? id;
}

/**
 * One row per base ID, in ID order: the ID (`-*` when it has variants, one per vector or key half), the clauses
 * as the tests cite them, and the title (the base test's own, else its first variant's). A legend names the
 * documents. Small enough for the README.
 */
export function indexMarkdown(requirements: readonly Requirement[]): string {
  const groups = new Map<string, Requirement[]>();
  for (const r of requirements) groups.set(baseId(r.id), [...(groups.get(baseId(r.id)) ?? []), r]);
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, rs]) => {
      const variants = rs.some((r) => r.id !== id);
      const title = (rs.find((r) => r.id === id) ?? rs[0]!).title;
      const clauses = [...new Set(rs.flatMap((r) => r.clauses.map((c) => c.text)))];
      return `| ${variants ? `${id}-*` : id} | ${cell(clauses.join('; '))} | ${cell(title)} |`;
    });
  const used = new Set(requirements.flatMap((r) => r.clauses.map((c) => c.text.split(' ')[0]!)));
  const legend = Object.entries(DOCUMENTS).filter(([k]) => used.has(k)).map(([k, d]) => `${k}: ${d.name}`).join('; ');
  return ['| ID | clauses | test |', '|---|---|---|', ...rows, '', `Documents: ${legend}.`].join('\n');
}

/** The requirement index of every suite test over INDEX_PROFILES. */
export async function requirementIndex(): Promise<string> {
  const all: Requirement[] = [];
  for (const p of INDEX_PROFILES) all.push(...(await collect(p)).requirements);
  return indexMarkdown(all);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await requirementIndex()}\n`);
}
