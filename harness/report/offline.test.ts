// Reports make no network calls: a lab opens them on machines that must not talk to third parties, and a page that
// loads a script, font, image or frame from another host leaks that it was opened (and from where). The pages
// simcert writes — the Allure HTML, the portability and traceability matrices, the ICS proforma and the bench
// comparison — are generated here from small fixtures and read with a scanner of this file's own (not the one
// allure.ts uses), so a tag that fetches from elsewhere as the page opens fails the test.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComparison, renderHtml } from '../bench/compare.ts';
import { benchResult } from '../bench/test-fixtures.ts';
import { generateReport } from './allure.ts';
import { writePortabilityReport } from './portability.ts';
import { icsHtml, icsStatement } from './ics.ts';
import { writeTraceability } from './traceability.ts';
import { loadProfile } from '../profile/index.ts';
import { repoRoot } from '../paths.ts';

/** Elements whose URL attributes the browser fetches while the page loads. */
const LOADING_TAGS = /<(script|link|img|iframe|frame|source|embed|object|video|audio|input)\b([^>]*)>/gi;
const URL_ATTR = /\s(src|href|srcset|data|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

/** Every reference in `html` that would make the browser contact another host when the page is opened. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.matchAll(LOADING_TAGS)) {
    for (const a of tag[2]!.matchAll(URL_ATTR)) {
      const value = (a[2] ?? a[3] ?? a[4] ?? '').trim();
      // A page opened from disk resolves only these without a network: its own data, fragments and relative files.
      const candidates = a[1]!.toLowerCase() === 'srcset' ? value.split(',').map((s) => s.trim().split(/\s+/)[0]!) : [value];
      for (const v of candidates) {
        if (/^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(v) && !/^file:/i.test(v)) found.push(`<${tag[1]} ${a[1]}="${v.slice(0, 120)}">`);
      }
    }
  }
  // Inline scripts and styles (not the bundled data: ones) that call out by themselves.
  for (const s of html.matchAll(/<script\b(?![^>]*\ssrc\s*=)[^>]*>([^]*?)<\/script>/gi)) {
    const body = s[1]!;
    for (const m of body.matchAll(/\b(?:fetch|importScripts|sendBeacon)\(\s*["'`]((?:https?:)?\/\/[^"'`]*)/g)) found.push(`inline script fetches ${m[1]}`);
    if (/\bgtag\s*\(|googletagmanager|google-analytics/.test(body)) found.push('inline script calls Google Analytics (gtag)');
  }
  const styles = [...html.matchAll(/<style\b[^>]*>([^]*?)<\/style>/gi)].map((m) => m[1]!);
  for (const m of html.matchAll(/data:text\/css;base64,([A-Za-z0-9+/=]+)/g)) styles.push(Buffer.from(m[1]!, 'base64').toString('utf8'));
  for (const css of styles) {
    for (const m of css.matchAll(/(?:@import\s+(?:url\()?|url\()\s*["']?((?:https?:)?\/\/[^"')\s]*)/gi)) found.push(`stylesheet loads ${m[1]}`);
  }
  return found;
}

describe('the external-reference scanner', () => {
  it('finds each way a page can call another host as it opens', () => {
    const page = [
      '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>',
      "<script>window.dataLayer = []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>",
      '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">',
      "<img alt=x src='//cdn.example.org/logo.png'>",
      '<iframe src=http://tracker.example.net/p></iframe>',
      '<script>fetch("https://collect.example.com/hit")</script>',
      '<style>@import url("https://fonts.example.com/a.css"); body { background: url(//img.example.com/b.png) }</style>',
    ].join('\n');
    expect(externalReferences(page)).toEqual([
      '<script src="https://www.googletagmanager.com/gtag/js?id=G-X">',
      '<link href="https://fonts.googleapis.com/css2?family=Inter">',
      '<img src="//cdn.example.org/logo.png">',
      '<iframe src="http://tracker.example.net/p">',
      'inline script calls Google Analytics (gtag)',
      'inline script fetches https://collect.example.com/hit',
      'stylesheet loads https://fonts.example.com/a.css',
      'stylesheet loads //img.example.com/b.png',
    ]);
  });

  it('lets through what a page opened from disk needs no network for', () => {
    const page = [
      '<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=\'http://www.w3.org/2000/svg\'%3E%3C/svg%3E">',
      '<script src="data:text/javascript;base64,QUJD"></script>',
      '<img src="box-plot.svg"><a href="https://allurereport.org">Powered by Allure</a>',
      '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    ].join('\n');
    expect(externalReferences(page)).toEqual([]);
  });
});

describe('the pages simcert writes load nothing from another host', () => {
  let dir: string;
  let results: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-offline-'));
    results = join(dir, 'allure-results');
    await mkdir(results);
    // Two results of a portability run as allure-vitest writes them: one passed, one failed with its APDU trace
    // and a message carrying an external image tag.
    const base = (uuid: string, name: string, status: string, start: number) => ({
      uuid, historyId: uuid, fullName: `suites/jpki-signing.test.ts#${name}`, name, status, stage: 'finished', start, stop: start + 5,
      labels: [{ name: 'conformance suite', value: 'jpki-signing' }, { name: 'feature', value: 'signing' }, { name: 'variant', value: 'Variant A' }],
      parameters: [{ name: 'profile', value: 'Variant A' }, { name: 'profile file', value: 'profiles/emulated/variants/a.yaml' }],
      steps: [], attachments: [] as { name: string; source: string; type: string }[],
    });
    const passed = base('0b6f3c2e-7d1a-4c55-9f0e-1a2b3c4d5e01', 'signs a digest with the user-auth key', 'passed', 1_767_000_000_000);
    const failed = { ...base('0b6f3c2e-7d1a-4c55-9f0e-1a2b3c4d5e02', 'refuses a wrong PIN', 'failed', 1_767_000_000_010),
      // A card's answer or a profile can put markup into a message; it must stay text, never become a tag.
      statusDetails: { message: 'VERIFY (00 20 00 80) answered 9000: expected 63C2 <img src="https://tracker.example/x.png">' } };
    failed.attachments.push({ name: 'APDU trace', source: 'trace-1-attachment.txt', type: 'text/plain' });
    await writeFile(join(results, 'trace-1-attachment.txt'), '-> 00 A4 04 00 0A D392F000260100000001\n<- 90 00\n');
    for (const r of [passed, failed]) await writeFile(join(results, `${r.uuid}-result.json`), JSON.stringify(r));
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the Allure report (no analytics, fonts or scripts from elsewhere), and it is still the report', async () => {
    const index = await generateReport(results, join(dir, 'allure-report'));
    const html = await readFile(index, 'utf8');
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/googletagmanager|gtag\(/);
    // Still Allure's single-file app with its own bundle and this run's results.
    expect(html).toContain('window.allureReportOptions');
    expect(html).toMatch(/<script\s+src="data:text\/javascript;base64,/);
    const summary = JSON.parse(await readFile(join(dir, 'allure-report', 'summary.json'), 'utf8')) as { stats?: Record<string, number> };
    expect(summary.stats).toMatchObject({ passed: 1, failed: 1 });
  }, 120_000);

  it('the portability matrix', async () => {
    const { html, matrix } = await writePortabilityReport(results, dir);
    expect(matrix.rows.map((r) => r.cells[0]!.status)).toEqual(['passed', 'failed']);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('tracker.example/x.png'); // the message is on the page, as text
    expect(externalReferences(page)).toEqual([]);
  });

  it('the traceability matrix and the ICS/IXIT proforma', async () => {
    const { html } = await writeTraceability([results], dir);
    expect(externalReferences(await readFile(html, 'utf8'))).toEqual([]);
    const { knownSuites } = await import('../run/suites.ts');
    const profile = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites: await knownSuites() });
    const ics = icsHtml(icsStatement(profile, () => true, { simcertVersion: 'test', generatedAt: new Date(0) }));
    expect(ics).toContain('<a href="https://www.rfc-editor.org/rfc/rfc8017">'); // links to the specifications, not loads
    expect(externalReferences(ics)).toEqual([]);
  });

  it('the bench comparison page', () => {
    const a = benchResult({ vendor: 'Acme', variant: 'USIM-A' });
    const b = benchResult({ vendor: 'Bolt', variant: 'UICC-7', samplesNs: [72_000_000, 72_100_000, 71_900_000, 72_050_000, 71_950_000, 72_020_000] });
    const html = renderHtml(buildComparison([a, b]), { title: 'offline check' });
    expect(html).toContain('<svg');
    expect(externalReferences(html)).toEqual([]);
  });
});
