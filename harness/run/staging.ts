// Atomic reports: a run writes its results and report into a staging folder inside --out and only a finished run
// replaces the previous report (one rename per entry, the old one removed afterwards). A run that fails to start or
// is interrupted leaves the last complete report exactly as it was; an interrupted run's partial report goes to
// <out>/interrupted/ instead.
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { osError } from './write-paths.ts';
import { EnvironmentError } from './errors.ts';
import { processAlive } from '../process-alive.ts';

/** What a run owns in --out: replaced together, so a report never sits beside another run's results. */
export const REPORT_ENTRIES = ['allure-results', 'allure-report', 'portability.html', 'portability.md', 'traceability.html', 'traceability.md', 'allure-history.jsonl'] as const;
/**
 * Allure's history (one JSON line per finished run, read for each test's History tab and the trend): it lives in
 * --out beside the report, and a run works on a copy inside its staging folder (carryHistory), so only a finished
 * run adds its line and an interrupted or failed one leaves the record as it was.
 */
export const HISTORY_FILE = 'allure-history.jsonl';
export const INTERRUPTED_DIR = 'interrupted';

export interface Staging {
  dir: string;
  resultsDir: string;
  reportDir: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The host part of a staging folder's name: a pid says whether a run is alive only on the host that ran it. */
function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9]/g, '_');
}

/**
 * Clears what a run killed outright (SIGKILL, power loss) left in --out: its staging folder goes; a folder of
 * previous report entries it had moved aside while promoting gives back what --out lacks, then goes. Only folders
 * of this host whose process is gone are touched, so a run beside this one (or on another host sharing --out)
 * keeps its own.
 */
export async function removeAbandoned(out: string, kind = 'run'): Promise<string[]> {
  const pattern = new RegExp(`^\\.${kind}-${hostTag()}-(\\d+)-[0-9TZ]+(\\.old)?$`);
  const removed: string[] = [];
  for (const name of await readdir(out).catch(() => [] as string[])) {
    const m = pattern.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    const dir = join(out, name);
    if (m[2]) {
      for (const e of await readdir(dir).catch(() => [] as string[])) {
        if (!(await exists(join(out, e)))) await rename(join(dir, e), join(out, e));
      }
    }
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** A new staging folder out/.run-<host>-<pid>-<time>/ with an empty allure-results/. `out` must exist and be writable. */
export async function createStaging(out: string, kind = 'run'): Promise<Staging> {
  await removeAbandoned(out, kind);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const dir = join(out, `.${kind}-${hostTag()}-${process.pid}-${stamp}`);
  const resultsDir = join(dir, 'allure-results');
  try {
    await mkdir(dir);
    await mkdir(resultsDir);
  } catch (err) {
    throw new EnvironmentError(`cannot write reports to ${out}: ${osError(err)}`);
  }
  return { dir, resultsDir, reportDir: join(dir, 'allure-report') };
}

/**
 * Replaces out's report entries with the staging folder's: the previous ones are first moved aside, then the new
 * ones renamed into place; entries the new run did not produce (portability.* of an earlier portability run) go
 * too, so what is in --out describes one run. The staging folder is removed.
 */
export async function promote(staging: Staging, out: string, entries: readonly string[] = REPORT_ENTRIES): Promise<void> {
  const aside = `${staging.dir}.old`;
  await mkdir(aside);
  for (const e of entries) if (await exists(join(out, e))) await rename(join(out, e), join(aside, e));
  for (const e of entries) if (await exists(join(staging.dir, e))) await rename(join(staging.dir, e), join(out, e));
  await rm(aside, { recursive: true, force: true });
  await rm(staging.dir, { recursive: true, force: true });
}

/**
 * Copies the previous runs' Allure history from --out into the staging folder and returns the copy's path, which
 * the report generation appends this run's entry to; promote() then puts it in place of the old one.
 */
export async function carryHistory(staging: Staging, out: string): Promise<string> {
  const copy = join(staging.dir, HISTORY_FILE);
  if (await exists(join(out, HISTORY_FILE))) await copyFile(join(out, HISTORY_FILE), copy);
  return copy;
}

/** Moves the staging folder to out/interrupted/ (replacing an earlier interrupted run, never the last complete report). */
export async function keepInterrupted(staging: Staging, out: string): Promise<string> {
  const target = join(out, INTERRUPTED_DIR);
  await rm(target, { recursive: true, force: true });
  await rename(staging.dir, target);
  return target;
}

/** Removes the staging folder (a run that failed to start, or whose partial results are not to be kept). */
export async function discard(staging: Staging): Promise<void> {
  await rm(staging.dir, { recursive: true, force: true });
}
