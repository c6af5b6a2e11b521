// makeDir is what every folder simcert creates goes through: parents made one at a time, an impossible path
// answered at once with the OS error (where mkdir({ recursive: true }) spins at 100 % CPU on Node 20).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDir } from './make-dir.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-make-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeDir', () => {
  it('creates missing parents and accepts a folder that exists', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await makeDir(deep);
    await makeDir(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
  });

  it('answers a path under /proc with ENOENT at once instead of spinning', async () => {
    await expect(makeDir('/proc/simcert-no-such/x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a path whose parent is a file', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, '');
    await expect(makeDir(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
