// The one place where a run's results become its reports: the Allure report, the traceability matrix, the portability matrix
// (when the run covered portability) and the JUnit XML (when asked for). `simcert run` calls it on one host's results and
// `simcert report merge` on the results of many, so both give the same reports from the same results. A new
// report builder is added here, once, and both commands write it: the traceability matrix is.
import type { Profile } from '../profile/types.ts';
import { generateReport } from './allure.ts';
import { junitCases, junitXml } from './junit.ts';
import { writePortabilityReport } from './portability.ts';
import { writeTraceability } from './traceability.ts';

export interface ReportJob {
  /** The Allure results to build from. */
  resultsDir: string;
  /** Where allure-report/ goes. */
  reportDir: string;
  /** false: no Allure HTML (`simcert run --no-report`); the other reports are cheap and still built. */
  html?: boolean;
  /** Where portability.html / portability.md go. */
  outDir: string;
  /** Build the portability matrix. */
  portability: boolean;
  /** The profiles the results came from, when known (a merge has only the results). */
  profiles: readonly Profile[];
  /** Build the JUnit XML (returned, for the caller to place atomically). */
  junit: boolean;
  /** Allure's history file to read the earlier runs from and append this one to (run/staging.ts carryHistory). */
  history?: string;
}

/** Builds every report the job asks for; returns the JUnit XML text when asked for it. */
export async function buildReports(job: ReportJob): Promise<{ junitText?: string }> {
  if (job.html !== false) await generateReport(job.resultsDir, job.reportDir, job.history);
  await writeTraceability([job.resultsDir], job.outDir);
  if (job.portability) await writePortabilityReport(job.resultsDir, job.outDir);
  if (!job.junit) return {};
  return { junitText: junitXml(await junitCases(job.resultsDir, job.profiles)) };
}
