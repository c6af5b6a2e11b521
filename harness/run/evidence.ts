// `simcert run --evidence FILE.zip`: after a finished run, packs its results and reports, the profiles it used and
// the build it ran into the evidence bundle (harness/report/evidence.ts) and writes it beside the target, then
// renames it over it, so nobody files a half-written bundle.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Profile } from '../profile/types.ts';
import { buildEvidenceBundle } from '../report/evidence.ts';
import { replaceFile } from './write-paths.ts';

/** The reports of a run in --out that go into its bundle (promote left only this run's there). */
const REPORTS = ['traceability.html', 'traceability.md', 'portability.html', 'portability.md'];

export async function writeEvidence(file: string, out: string, profiles: readonly Profile[], junit: string | undefined, log: (line: string) => void): Promise<void> {
  const reportFiles: string[] = [];
  for (const r of REPORTS) if ((await stat(join(out, r)).catch(() => undefined))?.isFile()) reportFiles.push(join(out, r));
  if (junit) reportFiles.push(junit);
  const b = await buildEvidenceBundle({ resultsDirs: [join(out, 'allure-results')], reportFiles, profiles, command: ['simcert', ...process.argv.slice(2)] });
  await replaceFile(file, b.zip, 'the evidence bundle');
  log(`Evidence bundle: ${relative(process.cwd(), file) || file} (${b.files} files; SHA-256 of its manifest, to record with the certificate: ${b.manifestSha256})`);
}
