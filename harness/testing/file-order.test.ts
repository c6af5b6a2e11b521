// npm test leaves the files holding pcscd's readers out of its own list and runs them from one file: a file left out
// but not run from there would lose its tests without a word, and one that holds the readers but runs on its own
// would keep a worker waiting on the lock again.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../files-under.ts';
import { repoRoot } from '../paths.ts';
import { FileOrder, HOLDS_PCSCD, PCSCD_READERS, STARTS_FIRST } from './file-order.ts';

describe('the files holding pcscd\'s readers', () => {
  it('are each imported, once, by the file that runs them in turn', async () => {
    const text = await readFile(join(repoRoot, PCSCD_READERS), 'utf8');
    const imported = [...text.matchAll(/^import '([^']+)';$/gm)].map((m) => relative(repoRoot, join(repoRoot, dirname(PCSCD_READERS), m[1]!)));
    expect(imported).toEqual(HOLDS_PCSCD);
  });

  it('are all the test files under harness/ that take pcscd\'s lock', async () => {
    const tests = (await filesUnder(join(repoRoot, 'harness'))).filter((f) => f.endsWith('.test.ts')).map((f) => join('harness', f));
    const holding: string[] = [];
    const importsFixture = /^import .* from '[./]+(?:transport\/)?pcscd-fixture\.ts';$/m;
    for (const f of tests) if (importsFixture.test(await readFile(join(repoRoot, f), 'utf8'))) holding.push(f);
    expect(holding.sort()).toEqual([...HOLDS_PCSCD].sort());
  });

});

describe('FileOrder', () => {
  // vitest's own order from its cache of the last run: the slowest first (BaseSequencer), failed files before them.
  const lastRun: Record<string, { duration: number; failed: boolean }> = {
    'harness/a.test.ts': { duration: 30_000, failed: false },
    'harness/b.test.ts': { duration: 10_000, failed: false },
    'harness/c.test.ts': { duration: 20_000, failed: true },
    [PCSCD_READERS]: { duration: 5_000, failed: false },
  };
  const root = '/repo';
  const ctx = {
    config: { root },
    cache: {
      getFileTestResults: (key: string) => lastRun[key.replace(/^harness:/, '')],
      getFileStats: () => ({ size: 1 }),
    },
  };
  const spec = (file: string) => ({ moduleId: `${root}/${file}`, project: { name: 'harness', config: { isolate: false, sequence: { groupOrder: 0 } } } });
  const order = async (files: string[]): Promise<string[]> => {
    const sorted = await new FileOrder(ctx as never).sort(files.map(spec) as never);
    return sorted.map((s) => relative(root, s.moduleId));
  };

  it('starts the pcscd file first, whatever its last duration, and leaves the rest in vitest\'s order', async () => {
    expect(await order(['harness/a.test.ts', 'harness/b.test.ts', PCSCD_READERS, 'harness/c.test.ts'])).toEqual([
      PCSCD_READERS,
      'harness/c.test.ts',
      'harness/a.test.ts',
      'harness/b.test.ts',
    ]);
    expect(STARTS_FIRST).toEqual([PCSCD_READERS]);
  });
});
