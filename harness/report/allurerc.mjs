// Allure 3 configuration for simcert reports: one self-contained HTML file that opens from disk (no server, no
// network: allure.ts removes the analytics tag Allure adds, as no option here turns it off),
// grouped by SIM variant, then by feature (signing, handset swap, applet installation). Output paths are given
// on the command line by `simcert run`.
import { defineConfig } from 'allure';
import { allureCategoryRules } from '../../suites/support/verdict-categories.mjs';

// Set by allure.ts when the run keeps history across runs into one --out (harness/run/staging.ts carryHistory).
const historyPath = process.env.SIMCERT_ALLURE_HISTORY || undefined;

export default defineConfig({
  name: 'simcert — JPKI on SIM conformance',
  ...(historyPath ? { historyPath } : {}),
  // failed (the card), broken (the bench), blocked (an earlier failure): suites/support/verdict-categories.mjs
  categories: allureCategoryRules(),
  plugins: {
    awesome: {
      options: {
        reportName: 'simcert — JPKI on SIM conformance',
        singleFile: true,
        reportLanguage: 'en',
        groupBy: ['variant', 'feature'],
      },
    },
  },
});
