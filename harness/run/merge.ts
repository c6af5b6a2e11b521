// `simcert report merge DIR... --out DIR`: one report from the results of many runs (the `--shard` halves of a rack,
// the reader hosts of a lab's CI matrix). The results are joined (report/merge-results.ts) into a staging folder
// and the reports built from them by the same builder `simcert run` uses (report/build.ts): the Allure report, the
// portability matrix when any of the runs built one (or --portability), and junit.xml. As with a run, the previous
// report in --out is replaced only when the merge finishes. Exit 1 when any merged test failed or broke, as a run.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { buildReports } from '../report/build.ts';
import { mergeResults, resultsFolderOf } from '../report/merge-results.ts';
import { readAllureResults } from '../report/portability.ts';
import { EXIT, UsageError } from './errors.ts';
import { createStaging, discard, promote, REPORT_ENTRIES } from './staging.ts';
import { ensureWritableDir, writeOutput } from './write-paths.ts';

export interface MergeOptions {
  inputs: string[];
  out: string;
  /** Build the portability matrix even when none of the runs did. */
  portability?: boolean;
  log: (line: string) => void;
}

/** What a merge owns in --out: a run's entries and the JUnit file. */
export const MERGE_ENTRIES = [...REPORT_ENTRIES, 'junit.xml'] as const;

function shown(p: string): string {
  return relative(process.cwd(), p) || p;
}

export async function mergeReports(opts: MergeOptions): Promise<number> {
  if (opts.inputs.length === 0) throw new UsageError('report merge: give the report folders of the runs to merge');
  const folders: string[] = [];
  let portability = opts.portability === true;
  for (const dir of opts.inputs) {
    const results = await resultsFolderOf(dir);
    if (!results) throw new UsageError(`report merge: ${dir}: neither a simcert run's report folder (with allure-results/) nor an Allure results folder`);
    if (folders.includes(results)) throw new UsageError(`report merge: ${dir} is given twice`);
    folders.push(results);
    // A run with --suite portability left a matrix beside its results: the merged report has one too.
    if (await stat(join(dir, 'portability.md')).then(() => true, () => false)) portability = true;
  }
  const out = await ensureWritableDir(opts.out, 'reports');
  const staging = await createStaging(out, 'merge');
  let failed: boolean;
  try {
    const { repeated } = await mergeResults(folders, staging.resultsDir);
    for (const r of repeated) opts.log(`report merge: ${r}: the same test on the same card in two runs; the report shows the later as a retry`);
    const { junitText } = await buildReports({
      resultsDir: staging.resultsDir, reportDir: staging.reportDir, outDir: staging.dir, portability, profiles: [], junit: true,
    });
    await writeOutput(join(staging.dir, 'junit.xml'), junitText ?? '', 'the JUnit XML');
    // Like the runs themselves: a failed or broken test anywhere fails the merged run.
    failed = (await readAllureResults(staging.resultsDir)).some((r) => r.status === 'failed' || r.status === 'broken');
    await promote(staging, out, MERGE_ENTRIES);
  } catch (err) {
    await discard(staging);
    throw err;
  }
  opts.log(`merged ${folders.length} run(s): Allure report ${shown(join(out, 'allure-report', 'index.html'))}, JUnit XML ${shown(join(out, 'junit.xml'))}` +
    (portability ? `, portability matrix ${shown(join(out, 'portability.html'))}` : ''));
  return failed ? EXIT.failed : EXIT.ok;
}
