// Renders allure-results into the single-file HTML report with the Allure 3 CLI shipped in node_modules.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
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

export async function generateReport(resultsDir: string, reportDir: string): Promise<string> {
  // Allure merges into an existing output folder; a stale report must not survive into this one.
  await rm(reportDir, { recursive: true, force: true });
  try {
    await run(process.execPath, [allureCli(), 'generate', resultsDir, '-o', reportDir, '-c', join(here, 'allurerc.mjs')], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new ReportError(`allure generate failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
  return join(reportDir, 'index.html');
}
