// The suites' transform cache folder: one per installed-package set and tsconfig, so what vitest's own key leaves
// out never mixes, and none at all where it cannot be written.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moduleCacheDir } from './module-cache.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'simcert-module-cache-'));
  await mkdir(join(root, 'node_modules'));
  await writeFile(join(root, 'node_modules', '.package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}');
  await writeFile(join(root, 'tsconfig.json'), '{"compilerOptions":{"target":"ES2022"}}');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('moduleCacheDir', () => {
  it('gives the same folder, inside node_modules/.cache, while packages and tsconfig stay the same', () => {
    const dir = moduleCacheDir(root);
    expect(dir).toMatch(new RegExp(`^${root}/node_modules/\\.cache/simcert-vitest-modules/[0-9a-f]{16}$`));
    expect(moduleCacheDir(root)).toBe(dir);
  });

  it('gives another folder once the installed packages change', async () => {
    const before = moduleCacheDir(root);
    await writeFile(join(root, 'node_modules', '.package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.1"}}}');
    expect(moduleCacheDir(root)).not.toBe(before);
  });

  it('gives another folder once tsconfig.json changes', async () => {
    const before = moduleCacheDir(root);
    await writeFile(join(root, 'tsconfig.json'), '{"compilerOptions":{"target":"ES2020"}}');
    expect(moduleCacheDir(root)).not.toBe(before);
  });

  it('gives none when the folder cannot be made (the suites then transform every time)', async () => {
    // A file where the cache folder would go: mkdir fails for every user, root included.
    await writeFile(join(root, 'node_modules', '.cache'), '');
    expect(moduleCacheDir(root)).toBeUndefined();
  });
});
