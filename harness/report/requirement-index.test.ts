// Every suite test has a stable ID and at least one clause, no two tests share an ID, and the README's requirement
// index is the one the suites declare. The suites are collected as vitest collects them before a run (no card),
// so a test registered without the suites' helper (a bare `it`) shows up as listed but unregistered.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { parseClause, registerRequirement, RequirementError, type Requirement } from '../../suites/support/requirements.ts';
import { collect, INDEX_PROFILES, indexMarkdown } from './requirement-index.ts';

const suiteOf = (file: string): string => file.replace(/^suites\//, '').replace(/\.test\.ts$/, '');

describe('suite test IDs and clauses', () => {
  const all: Requirement[] = [];

  for (const profile of INDEX_PROFILES) {
    it(`every test the suites register for ${profile} has an ID and a clause, and no ID twice`, async () => {
      const { listed, requirements } = await collect(profile);
      expect(listed.length, 'vitest collected no suite test').toBeGreaterThan(20);
      // Each collected test is one registered test: the title itself, or the title with the verdict it was recorded as.
      const unregistered = listed.filter((t) => !requirements.some((r) => r.suite === suiteOf(t.file) &&
        (t.title === r.title || t.title === `${r.title} — not applicable` || t.title === `${r.title} — skipped`)));
      expect(unregistered.map((t) => `${t.file} › ${t.title}`), 'tests registered without an ID (not through applicableTest)').toEqual([]);
      expect(requirements).toHaveLength(listed.length);
      expect(requirements.filter((r) => r.clauses.length === 0).map((r) => r.id)).toEqual([]);
      const ids = requirements.map((r) => r.id);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'IDs given to two tests').toEqual([]);
      all.push(...requirements);
    }, 240_000);
  }

  it('the README carries the requirement index the suites declare', async () => {
    expect(all.length, 'the collection tests above ran first').toBeGreaterThan(0);
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const m = /<!-- requirement-index:start -->\n([^]*?)\n<!-- requirement-index:end -->/.exec(readme);
    expect(m, 'README.md has no requirement index between its markers').not.toBeNull();
    expect(m![1], 'regenerate it: npx tsx harness/report/requirement-index.ts').toBe(indexMarkdown(all));
  });
});

describe('registering a test', () => {
  const clause = 'ISO7816-4 11.5.6 VERIFY';

  it('refuses a test without an ID, with another suite\'s prefix or with a malformed ID', () => {
    expect(() => registerRequirement('jpki-signing', 'a', undefined, [clause])).toThrow(/give it a stable test ID JPKI-SIG-NNN/);
    expect(() => registerRequirement('jpki-signing', 'b', 'SWAP-901', [clause])).toThrow(RequirementError);
    expect(() => registerRequirement('jpki-signing', 'c', 'JPKI-SIG-9', [clause])).toThrow(RequirementError);
  });

  it('refuses a test without a clause, or with a clause of an unknown document', () => {
    expect(() => registerRequirement('jpki-signing', 'd', 'JPKI-SIG-901', [])).toThrow(/at least one clause/);
    expect(() => registerRequirement('jpki-signing', 'e', 'JPKI-SIG-902', ['ISO7816-9 5 something'])).toThrow(/ISO7816-9 5 something/);
  });

  it('refuses an ID given twice, naming both tests', () => {
    registerRequirement('handset-swap', 'first', 'SWAP-901', [clause]);
    expect(() => registerRequirement('handset-swap', 'second', 'SWAP-901', [clause])).toThrow(/SWAP-901 is given twice: "first" and "second"/);
  });

  it('reads a clause into its document, section and public link', () => {
    expect(parseClause('ISO7816-4 11.5.7 CHANGE REFERENCE DATA')).toEqual({
      text: 'ISO7816-4 11.5.7 CHANGE REFERENCE DATA', document: 'ISO/IEC 7816-4:2020', section: '11.5.7 CHANGE REFERENCE DATA',
      url: 'https://www.iso.org/standard/77180.html',
    });
    expect(parseClause('JPKI PIN').document).toBe('JPKI interface (OpenSC card-jpki.c)');
  });
});
