// Building the card side when several processes do it at once, as `npm test`'s workers and two runs do on a fresh
// clone: each compiles into a folder of its own and only a complete build is renamed into place, so none deletes
// the classes another is writing or loading, every one of them ends with the classes there, and nothing is left
// beside them.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from './build.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-build-'));
  await mkdir(join(dir, 'src', 'p'), { recursive: true });
  for (const n of ['A', 'B', 'C']) await writeFile(join(dir, 'src', 'p', `${n}.java`), `package p; public class ${n} { public int f() { return ${n.charCodeAt(0)}; } }\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compile', () => {
  it('builds once whole when four callers build the same classes at once, and leaves nothing beside them', async () => {
    const out = join(dir, 'build', 'p-classes');
    await Promise.all([1, 2, 3, 4].map(() => compile(join(dir, 'src'), out, 'the test classes', [], 'test')));
    expect((await readdir(join(out, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
    expect(await readFile(join(out, '.build-stamp'), 'utf8')).toContain('p/A.java');
    expect(await readdir(join(dir, 'build'))).toEqual(['p-classes']);
  });

  it('never lets a reader see a classes folder without its stamp, or a stamp without its classes', async () => {
    // What another process's JVM would load from: while the build runs, the folder is either absent or whole.
    const out = join(dir, 'build', 'watched');
    const seen: string[] = [];
    let building = true;
    const watch = (async (): Promise<void> => {
      while (building) {
        const entries = await readdir(out).catch(() => undefined);
        if (entries) seen.push(entries.includes('.build-stamp') && entries.includes('p') ? 'whole' : `partial: ${entries.join(' ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await compile(join(dir, 'src'), out, 'the test classes', [], 'watched');
    building = false;
    await watch;
    expect(seen.filter((s) => s !== 'whole')).toEqual([]);
    expect((await readdir(join(out, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
  });

  it('leaves a current build alone', async () => {
    const out = join(dir, 'build', 'p-classes');
    const before = (await stat(join(out, 'p', 'A.class'))).mtimeMs;
    await compile(join(dir, 'src'), out, 'the test classes', [], 'test');
    expect((await stat(join(out, 'p', 'A.class'))).mtimeMs).toBe(before);
  });
});
