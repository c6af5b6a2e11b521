// The suites the harness knows: one vitest file per suite under suites/, named by its file name.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

export const suitesDir = join(repoRoot, 'suites');
const SUFFIX = '.test.ts';

export async function knownSuites(): Promise<string[]> {
  const entries = await readdir(suitesDir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(SUFFIX)).map((e) => e.name.slice(0, -SUFFIX.length)).sort();
}

export function suiteFile(name: string): string {
  return join(suitesDir, `${name}${SUFFIX}`);
}
