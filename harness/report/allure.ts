// Renders allure-results into the single-file HTML report with Allure 3's report library (@allurereport/core, the
// engine the `allure generate` command runs, of the version the allure package pins), in this process, and makes
// that file safe to open in a lab: it loads nothing from another host (no analytics, fonts or scripts).
// In this process rather than through the allure command: a node start and Allure's modules loaded again cost about a
// CPU-second a report, measured on two cores; a process that renders several (npm test, `simcert report merge` after
// runs) loads them once. (The `allure` package itself is the command: importing it runs its command line.)
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allureCategoryRules } from '../../suites/support/verdict-categories.ts';

export class ReportError extends Error {}

/**
 * Allure 3's awesome plugin (3.18) writes Google Analytics into every index.html: a `<script async
 * src="https://www.googletagmanager.com/gtag/js?...">` and an inline script calling gtag() with the Allure version
 * and the report's UUID. It has no option to leave them out (ALLURE_NO_ANALYTICS is read by the allure2 plugin
 * only), so they are cut out here: exactly that tag and the inline script that follows it.
 */
const ANALYTICS = /<script\b[^>]*\bsrc="https:\/\/www\.googletagmanager\.com\/[^"]*"[^>]*>\s*<\/script>\s*<script>(?:(?!<\/script>)[^])*?\bgtag\((?:(?!<\/script>)[^])*<\/script>/g;

/** A tag that makes the browser fetch from another host as the page opens (scheme http(s) or protocol-relative). */
const EXTERNAL_LOAD = /<(script|link|img|iframe|source|embed|object)\b[^>]*?\s(src|href|data)\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]*)/i;

function stripAnalytics(html: string): string {
  return html.replace(ANALYTICS, '');
}

/** Cuts Allure's analytics out of the report, and refuses a report that would still load something from elsewhere. */
async function makeOffline(index: string): Promise<void> {
  const html = stripAnalytics(await readFile(index, 'utf8'));
  const left = EXTERNAL_LOAD.exec(html);
  if (left || /\bgtag\(|googletagmanager/.test(html)) {
    throw new ReportError(
      `the Allure report ${index} would load ${left?.[3] ?? 'Google Analytics'} from another host when opened; this Allure ` +
        'version adds something simcert does not remove: pin allure to the version in package.json');
  }
  await writeFile(index, html);
}

/** The report's name, in its title and header. */
const REPORT_NAME = 'simcert — JPKI on SIM conformance';

/**
 * simcert's Allure 3 configuration: one self-contained HTML file that opens from disk (no server, no network:
 * makeOffline removes the analytics tag Allure adds, as no option here turns it off), grouped by SIM variant, then
 * by feature (signing, handset swap, applet installation); the verdict taxonomy as its categories.
 */
function allureConfig(historyPath: string | undefined) {
  return {
    name: REPORT_NAME,
    ...(historyPath ? { historyPath } : {}),
    // failed (the card), broken (the bench), blocked (an earlier failure): suites/support/verdict-categories.ts
    categories: allureCategoryRules(),
    plugins: {
      awesome: {
        options: { reportName: REPORT_NAME, singleFile: true, reportLanguage: 'en', groupBy: ['variant', 'feature'] },
      },
    },
  };
}

/**
 * Renders the report. With `historyFile`, Allure reads the earlier runs' results from it (each test's History tab,
 * the trend) and appends this run; without, the report has no history and nothing is written.
 */
export async function generateReport(resultsDir: string, reportDir: string, historyFile?: string): Promise<string> {
  // Allure merges into an existing output folder; a stale report must not survive into this one.
  await rm(reportDir, { recursive: true, force: true });
  try {
    // Loaded here, not with this module: only a run that renders a report needs it.
    const { AllureReport, resolveConfig } = await import('@allurereport/core');
    const config = await resolveConfig(allureConfig(historyFile) as Parameters<typeof resolveConfig>[0], { output: reportDir });
    const report = new AllureReport(config);
    await report.start();
    await report.readDirectory(resultsDir);
    await report.done();
  } catch (err) {
    throw new ReportError(`allure generate failed: ${(err as Error).message ?? String(err)}`);
  }
  const index = join(reportDir, 'index.html');
  await makeOffline(index);
  return index;
}
