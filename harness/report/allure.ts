// Renders allure-results into the single-file HTML report with the Allure 3 CLI shipped in node_modules, and makes
// that file safe to open in a lab: it loads nothing from another host (no analytics, fonts or scripts).
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export class ReportError extends Error {}

/** The Allure 3 CLI (package `allure`, bin cli.js); the package exports neither, so find it from its entry point. */
function allureCli(): string {
  const entry = createRequire(import.meta.url).resolve('allure'); // <pkg>/dist/index.js
  return join(dirname(dirname(entry)), 'cli.js');
}

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

/** Read by allurerc.mjs: the history file (JSONL) Allure reads the earlier runs from and appends this one to. */
export const HISTORY_ENV = 'SIMCERT_ALLURE_HISTORY';

/**
 * Renders the report. With `historyFile`, Allure reads the earlier runs' results from it (each test's History tab,
 * the trend) and appends this run; without, the report has no history and nothing is written.
 */
export async function generateReport(resultsDir: string, reportDir: string, historyFile?: string): Promise<string> {
  // Allure merges into an existing output folder; a stale report must not survive into this one.
  await rm(reportDir, { recursive: true, force: true });
  try {
    await run(process.execPath, [allureCli(), 'generate', resultsDir, '-o', reportDir, '-c', join(here, 'allurerc.mjs')], {
      maxBuffer: 64 * 1024 * 1024,
      // ALLURE_NO_ANALYTICS: honoured by the Allure plugins that read it; the awesome plugin's tag is cut out below.
      env: { ...process.env, FORCE_COLOR: '0', ALLURE_NO_ANALYTICS: 'true', [HISTORY_ENV]: historyFile ?? '' },
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new ReportError(`allure generate failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
  const index = join(reportDir, 'index.html');
  await makeOffline(index);
  return index;
}
