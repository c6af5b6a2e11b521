// replaceFile, which every output a lab files (JUnit XML, evidence bundle, ICS proforma, bench result, probe draft)
// is written through: the old file or the new one, never half of one, and nothing left beside it on a failure.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from './errors.ts';
import { replaceFile } from './write-paths.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-replace-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replaceFile', () => {
  it('replaces a file whole and leaves nothing beside it', async () => {
    const f = join(dir, 'junit.xml');
    await writeFile(f, 'the previous run');
    await replaceFile(f, '<testsuites/>', 'the JUnit XML');
    expect(await readFile(f, 'utf8')).toBe('<testsuites/>');
    await replaceFile(f, Uint8Array.of(0x50, 0x4b), 'the JUnit XML');
    expect([...(await readFile(f))]).toEqual([0x50, 0x4b]);
    expect(await readdir(dir)).toEqual(['junit.xml']);
  });

  it('on a failure names what and where, and takes away its partial file', async () => {
    // A folder stands where the file should go: the text is written beside it, the rename over it fails.
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'kept');
    const err = await replaceFile(target, 'new text', 'the evidence bundle').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/^cannot write the evidence bundle to .*\/taken: (EISDIR|ENOTEMPTY|EEXIST)/);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'taken']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});
