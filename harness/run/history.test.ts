// Allure history across runs into one --out: a lab reruns a card after a fix and wants each test's History tab and
// the trend to show the earlier verdicts. The report staging (staging.ts) replaces --out's entries as a whole, so
// the history must be carried through it: here three runs go through the real staging and the real Allure CLI, the
// second report holds the first run's entry and calls the test regressed, and a run that is discarded (a failed
// report, an interruption) leaves the history as it was.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../report/allure.ts';
import { carryHistory, createStaging, discard, HISTORY_FILE, promote } from './staging.ts';

let out: string;

/** One run's result of the same test (the same stable historyId every run), through staging into --out. */
async function run(n: number, status: 'passed' | 'failed', finish: 'promote' | 'discard'): Promise<string> {
  const staging = await createStaging(out);
  const uuid = `0b6f3c2e-7d1a-4c55-9f0e-1a2b3c4d5e0${n}`;
  const start = 1_767_000_000_000 + n * 1000;
  await writeFile(join(staging.resultsDir, `${uuid}-result.json`), JSON.stringify({
    uuid, historyId: 'JPKI-SIG-002', testCaseId: 'JPKI-SIG-002', fullName: 'suites/jpki-signing.test.ts#refuses a wrong PIN',
    name: 'refuses a wrong PIN', status, stage: 'finished', start, stop: start + 5, labels: [], parameters: [], steps: [], attachments: [],
  }));
  await generateReport(staging.resultsDir, staging.reportDir, await carryHistory(staging, out));
  const html = await readFile(join(staging.reportDir, 'index.html'), 'utf8');
  if (finish === 'promote') await promote(staging, out);
  else await discard(staging);
  return html;
}

const historyLines = async (): Promise<{ uuid: string; testResults: Record<string, { status: string }> }[]> =>
  (await readFile(join(out, HISTORY_FILE), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as never);

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'simcert-history-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('Allure history kept across runs into one --out', () => {
  it('the second report shows the first run in the test\'s history; a discarded run adds nothing', async () => {
    await run(1, 'passed', 'promote');
    const first = await historyLines();
    expect(first).toHaveLength(1);
    expect(Object.values(first[0]!.testResults).map((t) => t.status)).toEqual(['passed']);

    const second = await run(2, 'failed', 'promote');
    // The single-file report embeds each earlier run it read as data/history/<run uuid>.json.
    expect(second).toContain(`"data/history/${first[0]!.uuid}.json"`);
    const lines = await historyLines();
    expect(lines.map((l) => Object.values(l.testResults)[0]!.status)).toEqual(['passed', 'failed']);
    // passed before, failed now: Allure marks the transition, which it can only know from the carried history.
    const widgets = [...second.matchAll(/d\("([^"]+)","([A-Za-z0-9+/=]+)"\)/g)].map((m) => Buffer.from(m[2]!, 'base64').toString('utf8'));
    expect(widgets.some((w) => w.includes('"transition":"regressed"'))).toBe(true);

    await run(3, 'passed', 'discard');
    expect(await historyLines()).toHaveLength(2);
  }, 180_000);
});
