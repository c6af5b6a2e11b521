// The command's self-kept bundle must never run stale code: after a source edit, the next start runs the edit.
// And bundling must not move what a module sees as its own location (import.meta), which the harness uses to find
// its templates, schemas and the repository root. The test runs bundle.js in a throwaway copy of the layout it
// expects (harness/cli/{bundle.js,main.ts}, node_modules), with a main.ts of its own, in fresh node processes.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'simcert-bundle-'));
  await mkdir(join(root, 'harness', 'cli'), { recursive: true });
  await mkdir(join(root, 'node_modules'));
  // esbuild and tsx are the real packages (their own dependencies resolve from where they really are); the cache
  // folder is the copy's own.
  for (const pkg of ['esbuild', 'tsx']) await symlink(join(repoRoot, 'node_modules', pkg), join(root, 'node_modules', pkg));
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n');
  await copyFile(join(repoRoot, 'harness', 'cli', 'bundle.js'), join(root, 'harness', 'cli', 'bundle.js'));
  await writeFile(join(root, 'harness', 'cli', 'main.ts'), [
    "import { answer } from './answer.ts';",
    'export async function main(argv: string[]): Promise<number> {',
    "  process.stdout.write(`${answer()} ${import.meta.url} ${import.meta.dirname}\\n`);",
    '  return argv.length > 2 ? Number(argv[2]) : 0;',
    '}',
    '',
  ].join('\n'));
  await writeAnswer('first');
  await writeFile(join(root, 'start.js'), "import { loadMain } from './harness/cli/bundle.js';\nprocess.exitCode = await (await loadMain())(process.argv);\n");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeAnswer(word: string): Promise<void> {
  const file = join(root, 'harness', 'cli', 'answer.ts');
  await writeFile(file, `export const answer = (): string => '${word}';\n`);
  // A distinct mtime even on a filesystem with coarse timestamps.
  const when = new Date(Date.now() + Math.floor(Math.random() * 1e6));
  await utimes(file, when, when);
}

async function start(args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'start.js'), ...args], { env: { ...process.env, ...env } });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

const cache = (): Promise<string[]> => readdir(join(root, 'node_modules', '.cache', 'simcert-cli')).catch(() => []);

describe('the CLI bundle', () => {
  it('is made on the first start and used on the next; main keeps its exit code', async () => {
    const first = await start(['3']);
    expect(first.code).toBe(3);
    expect(first.out).toMatch(/^first /);
    const made = (await cache()).filter((f) => f.endsWith('.mjs'));
    expect(made).toHaveLength(1);
    expect((await start()).out).toMatch(/^first /);
    expect((await cache()).filter((f) => f.endsWith('.mjs'))).toEqual(made);
  });

  it('runs a source file edited since, not the bundle made before the edit', async () => {
    await start();
    await writeAnswer('second');
    expect((await start()).out).toMatch(/^second /);
    await writeAnswer('third');
    expect((await start()).out).toMatch(/^third /);
  });

  it('leaves each module its own import.meta.url and dirname', async () => {
    const [, url, dirname] = (await start()).out.trim().split(' ');
    expect(url).toBe(`file://${join(root, 'harness', 'cli', 'main.ts')}`);
    expect(dirname).toBe(join(root, 'harness', 'cli'));
  });

  it('SIMCERT_NO_BUNDLE=1 runs the sources through tsx, with the same answer', async () => {
    await writeAnswer('fourth');
    const r = await start(['0'], { SIMCERT_NO_BUNDLE: '1' });
    expect(r.out).toMatch(/^fourth /);
    expect(r.out.trim().split(' ')[1]).toBe(`file://${join(root, 'harness', 'cli', 'main.ts')}`);
  });
});
