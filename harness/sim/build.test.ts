// Building the card side when several processes do it at once, as `npm test`'s workers and two runs do on a fresh
// clone, while others already run simulators from an earlier build: each compiles into a folder of its own and only
// a complete build is renamed into place, into a folder named for its sources that nothing changes afterwards. So
// none deletes the classes another is writing or loading, and every one of them ends with the classes there.
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from './build.ts';

let dir: string;
const src = (): string => join(dir, 'src');

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
    const link = join(dir, 'build', 'p-classes');
    const built = await Promise.all([1, 2, 3, 4].map(() => compile(src(), link, 'the test classes', [], 'test')));
    expect(new Set(built).size).toBe(1);
    const out = built[0]!;
    expect((await readdir(join(out, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
    expect(await readFile(join(out, '.build-stamp'), 'utf8')).toContain('p/A.java');
    // The link people and jCardSim's class path use leads to the same classes.
    expect(resolve(join(dir, 'build'), await readlink(link))).toBe(out);
    expect((await readdir(join(link, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
    expect((await readdir(join(dir, 'build'))).sort()).toEqual(['.builds', 'p-classes']);
    expect(await readdir(join(dir, 'build', '.builds'))).toHaveLength(1);
  });

  it('never lets a reader see a classes folder without its stamp, or a stamp without its classes', async () => {
    // What another process's JVM would load from: while the build runs, the folder is either absent or whole.
    const link = join(dir, 'build', 'watched');
    const seen: string[] = [];
    let building = true;
    const watch = (async (): Promise<void> => {
      while (building) {
        const entries = await readdir(link).catch(() => undefined);
        if (entries) seen.push(entries.includes('.build-stamp') && entries.includes('p') ? 'whole' : `partial: ${entries.join(' ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await compile(src(), link, 'the test classes', [], 'watched');
    building = false;
    await watch;
    expect(seen.filter((s) => s !== 'whole')).toEqual([]);
    expect((await readdir(join(link, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
  });

  it('leaves a current build alone', async () => {
    const link = join(dir, 'build', 'p-classes');
    const out = await compile(src(), link, 'the test classes', [], 'test');
    const before = (await stat(join(out, 'p', 'A.class'))).mtimeMs;
    expect(await compile(src(), link, 'the test classes', [], 'test')).toBe(out);
    expect((await stat(join(out, 'p', 'A.class'))).mtimeMs).toBe(before);
  });

  it('builds changed sources into a new folder and keeps the old one whole for the simulators still loading from it', async () => {
    const link = join(dir, 'build', 'p-classes');
    const old = await compile(src(), link, 'the test classes', [], 'test');
    const later = new Date(Date.now() + 5000);
    await utimes(join(src(), 'p', 'B.java'), later, later);
    const fresh = await compile(src(), link, 'the test classes', [], 'test');
    expect(fresh).not.toBe(old);
    expect((await readdir(join(old, 'p'))).sort()).toEqual(['A.class', 'B.class', 'C.class']);
    expect(await readFile(join(old, '.build-stamp'), 'utf8')).not.toBe(await readFile(join(fresh, '.build-stamp'), 'utf8'));
    expect(resolve(join(dir, 'build'), await readlink(link))).toBe(fresh);
  });
});
