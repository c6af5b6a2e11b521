// Joins the Allure results of several runs (the shards of one rack, the hosts of a lab) into one results folder, as
// Allure's own merging does: every result, container and attachment file is named by a UUID, so they are copied
// side by side. The few shared files are joined: environment.properties key by key (a key with different values on
// different hosts lists them all), the run's ECDSA r-value ledger line by line (so nonce reuse across hosts is still
// seen), categories and the rest taken from the first run that has them.
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The results folder of a run's --out (DIR/allure-results), or DIR itself when it holds results. */
export async function resultsFolderOf(dir: string): Promise<string | undefined> {
  const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() === true;
  if (await isDir(join(dir, 'allure-results'))) return join(dir, 'allure-results');
  if (!(await isDir(dir))) return undefined;
  return (await readdir(dir)).some((f) => f.endsWith('-result.json')) ? dir : undefined;
}

const JOINED_BY_LINE = /\.jsonl$/;

export interface MergeNote {
  /** Results of the same test with the same parameters in more than one input: Allure shows the later as retries. */
  repeated: string[];
}

/** Copies the results of `inputs` (results folders) into `into` (an empty folder). */
export async function mergeResults(inputs: readonly string[], into: string): Promise<MergeNote> {
  const env = new Map<string, string[]>();
  const lines = new Map<string, string[]>();
  const taken = new Set<string>();
  const seen = new Map<string, string>();
  const repeated: string[] = [];
  for (const input of inputs) {
    for (const f of (await readdir(input)).sort()) {
      const from = join(input, f);
      if (!(await stat(from)).isFile()) continue;
      if (f === 'environment.properties') {
        for (const line of (await readFile(from, 'utf8')).split('\n')) {
          const m = /^([^=#!][^=]*?)\s*=\s*(.*)$/.exec(line);
          if (!m) continue;
          const values = env.get(m[1]!) ?? [];
          if (!values.includes(m[2]!)) values.push(m[2]!);
          env.set(m[1]!, values);
        }
        continue;
      }
      if (JOINED_BY_LINE.test(f)) {
        lines.set(f, [...(lines.get(f) ?? []), ...(await readFile(from, 'utf8')).split('\n').filter((l) => l !== '')]);
        continue;
      }
      if (f.endsWith('-result.json')) {
        const r = JSON.parse(await readFile(from, 'utf8')) as { historyId?: string; name?: string };
        if (r.historyId) {
          const before = seen.get(r.historyId);
          if (before !== undefined) repeated.push(`"${r.name ?? r.historyId}" (in ${before} and ${input})`);
          else seen.set(r.historyId, input);
        }
      }
      // UUID-named files never collide; a shared file (categories.json) is taken from the first run that has it.
      if (taken.has(f)) continue;
      taken.add(f);
      await copyFile(from, join(into, f));
    }
  }
  if (env.size > 0) {
    await writeFile(join(into, 'environment.properties'), [...env].map(([k, v]) => `${k}=${v.join(', ')}\n`).join(''));
  }
  for (const [f, l] of lines) await writeFile(join(into, f), l.map((x) => `${x}\n`).join(''));
  return { repeated };
}
