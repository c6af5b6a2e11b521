// Where the suites' vitest (suites/vitest.config.ts) keeps the TypeScript it has transformed (vitest's
// experimental.fsModuleCache), so a card's vitest does not transform the same hundred harness modules again on
// every start: that was a second of CPU per card, on a rack of cards sharing two cores (issue 20). vitest names each
// cached module by a hash of its path, its source and the vite config, so an edited file is transformed afresh, and
// it writes by rename, so two runs at once never see half a file. What that hash leaves out is kept apart here by
// folder: the installed packages (their resolved entry files are written into the cached code) and tsconfig.json
// (it steers the TypeScript transform). One folder per lockfile also means vitest never empties a folder another
// run is reading, which it does when it finds the lockfile changed under its cache.
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

/** Bump when what the cache depends on changes in a way the folder name does not capture. */
const CACHE_VERSION = '1';

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** The cache folder for this checkout's installed packages and tsconfig; undefined when it cannot be written. */
export function moduleCacheDir(root = repoRoot): string | undefined {
  // The lockfile vitest checks (npm's record of what is installed), and the patches folder it also looks at.
  const lock = read(join(root, 'node_modules', '.package-lock.json')) || read(join(root, 'package-lock.json'));
  let patches = '';
  try {
    patches = String(statSync(join(root, 'patches')).mtimeMs);
  } catch {
    // No patches folder: nothing to key on.
  }
  const key = createHash('sha256').update(JSON.stringify([CACHE_VERSION, lock, patches, read(join(root, 'tsconfig.json'))])).digest('hex').slice(0, 16);
  const dir = join(root, 'node_modules', '.cache', 'simcert-vitest-modules', key);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    // A read-only checkout transforms on every start, as without the cache.
    return undefined;
  }
}
