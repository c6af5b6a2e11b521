// `simcert run --junit FILE` writes JUnit XML a lab's tool imports: valid against the Jenkins junit-10 schema
// (checked with xmllint, an independent validator), one testcase per (profile, test), each with the test ID, its
// clauses, the profile, ATR, ICCID and the verdict class with its reason. The run below mixes every verdict: a card
// pulled out mid-run (broken, then blocked), and a clean card (passed, not applicable, skipped).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { createAppletProfile } from '../testing/create-applet-profile.ts';
import { runSuites } from '../run/run.ts';
import { junitCases, junitXml } from './junit.ts';
import { readAllureResults, type AllureResult } from './portability.ts';

const run = promisify(execFile);
const XSD = join(repoRoot, 'harness', 'report', 'junit-10.xsd');

/** xmllint's verdict on a file against the schema: '' when valid, else its complaint. */
async function schemaProblems(file: string): Promise<string> {
  try {
    await run('xmllint', ['--noout', '--schema', XSD, file]);
    return '';
  } catch (err) {
    const e = err as { stderr?: string; code?: unknown };
    if (e.code === 'ENOENT') throw new Error('xmllint is not installed: apt-get install libxml2-utils');
    return e.stderr ?? String(err);
  }
}

/** The testsuites of a JUnit file, each with its properties and its testcase's element (failure, error, skipped). */
function suites(xml: string): { props: Map<string, string[]>; testcase: string; outcome: string | undefined }[] {
  const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&apos;/g, '\'').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...xml.matchAll(/<testsuite [^>]*>([^]*?)<\/testsuite>/g)].map((m) => {
    const props = new Map<string, string[]>();
    for (const p of m[1]!.matchAll(/<property name="([^"]*)" value="([^"]*)"\/>/g)) props.set(unescape(p[1]!), [...(props.get(unescape(p[1]!)) ?? []), unescape(p[2]!)]);
    return { props, testcase: unescape(/<testcase [^>]*name="([^"]*)"/.exec(m[1]!)![1]!), outcome: /<(failure|error|skipped)\b/.exec(m[1]!)?.[1] };
  });
}

let dir: string;
let junitFile: string;
let xml: string;
let results: AllureResult[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-junit-'));
  const profile = (name: string, faults: string): string => createAppletProfile({
    name, variant: 'junit-test', ics: 'logicalChannels: 1',
    sim: ['  iccid: "8981100000000000017"', '  logicalChannels: 1', ...(faults ? [`  faults: { removeAfterApdus: ${faults} }`] : [])],
  });
  await writeFile(join(dir, 'a-pulled.yaml'), profile('Card pulled after 5 APDUs', '5'));
  await writeFile(join(dir, 'b-clean.yaml'), profile('Card left alone', ''));
  junitFile = join(dir, 'junit', 'results.xml');
  const log: string[] = [];
  await runSuites({ report: false, profiles: [join(dir, 'a-pulled.yaml'), join(dir, 'b-clean.yaml')], out: join(dir, 'out'), junit: junitFile, log: (l) => log.push(l), runnerOutput: 'drop' });
  if (!(await stat(junitFile).catch(() => undefined))) throw new Error(`no JUnit file; the run said:\n${log.join('\n')}`);
  xml = await readFile(junitFile, 'utf8');
  results = await readAllureResults(join(dir, 'out', 'allure-results'));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simcert run --junit FILE', () => {
  it('writes JUnit XML valid against the Jenkins junit-10 schema, and nothing half-written beside it', async () => {
    expect(await schemaProblems(junitFile)).toBe('');
    expect(await readdir(join(dir, 'junit'))).toEqual(['results.xml']);
  });

  it('has one testcase per (profile, test), named by test ID and title', () => {
    const s = suites(xml);
    expect(s).toHaveLength(results.length);
    const keys = s.map((x) => `${x.props.get('profile')?.[0]} ${x.testcase}`);
    expect(new Set(keys).size, 'a (profile, test) twice').toBe(keys.length);
    expect(s.every((x) => /^JPKI-SIG-\d{3}\S* \S/.test(x.testcase))).toBe(true);
    expect(s.filter((x) => x.props.get('profile')?.[0] === 'Card left alone')).toHaveLength(s.length / 2);
  });

  it('gives every testcase its test ID, clauses, profile, ATR, ICCID and verdict class', () => {
    for (const x of suites(xml)) {
      expect(x.props.get('testId')?.[0], x.testcase).toBe(x.testcase.split(' ')[0]);
      expect(x.props.get('clause')?.length, x.testcase).toBeGreaterThan(0);
      expect(x.props.get('ICCID'), x.testcase).toEqual(['8981100000000000017']);
      expect(x.props.get('ATR'), x.testcase).toEqual(['3BFA1800008131FE454A434F5033315632333298']);
      expect(['passed', 'failed', 'broken', 'skipped', 'not applicable', 'blocked']).toContain(x.props.get('verdict')?.[0]);
    }
    const sig = suites(xml).find((x) => x.testcase.startsWith('JPKI-SIG-011 '))!;
    expect(sig.props.get('clause')).toContain('ISO7816-4 11.5.7 CHANGE REFERENCE DATA');
  });

  it('files each verdict class with its reason: broken as an error, blocked / not applicable / skipped as skipped', () => {
    const s = suites(xml);
    const of = (profile: string, verdict: string) => s.filter((x) => x.props.get('profile')?.[0] === profile && x.props.get('verdict')?.[0] === verdict);
    const broken = of('Card pulled after 5 APDUs', 'broken');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.every((x) => x.outcome === 'error' && (x.props.get('reason')?.[0] ?? '') !== '')).toBe(true);
    const blocked = of('Card pulled after 5 APDUs', 'blocked');
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((x) => x.outcome === 'skipped' && /^blocked by jpki-signing › /.test(x.props.get('reason')?.[0] ?? ''))).toBe(true);
    // No trusted CA in these profiles: the relying-party tests are skipped, saying so.
    const skipped = of('Card left alone', 'skipped');
    expect(skipped.map((x) => x.props.get('testId')?.[0])).toContain('JPKI-SIG-015-USERAUTH');
    expect(skipped.every((x) => x.outcome === 'skipped' && /CA to chain to/.test(x.props.get('reason')?.[0] ?? ''))).toBe(true);
    // No logical channels claimed in the ICS: the logical-channel test is not applicable, naming the ICS.
    const na = of('Card left alone', 'not applicable');
    expect(na.map((x) => x.props.get('testId')?.[0])).toContain('JPKI-SIG-016');
    expect(na.every((x) => x.outcome === 'skipped' && /channels/.test(x.props.get('reason')?.[0] ?? '') || x.props.get('testId')?.[0] !== 'JPKI-SIG-016')).toBe(true);
    expect(of('Card left alone', 'passed').every((x) => x.outcome === undefined)).toBe(true);
    expect(of('Card left alone', 'passed').length).toBeGreaterThan(5);
  });
});

describe('simcert run --junit to a place it cannot write', () => {
  it('stops before any card is touched, naming the file and the OS error', async () => {
    const out = join(dir, 'never');
    await expect(runSuites({ profiles: [join(dir, 'b-clean.yaml')], out, junit: '/proc/simcert/junit.xml', log: () => undefined, runnerOutput: 'drop' }))
      .rejects.toThrow(/cannot write the JUnit XML to \/proc\/simcert\/junit\.xml: ENOENT/);
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });
});

describe('the JUnit writer', () => {
  it('keeps markup and characters XML cannot hold out of a failure message, and stays valid', async () => {
    const d = await mkdtemp(join(tmpdir(), 'simcert-junit-unit-'));
    try {
      const results = join(d, 'results');
      await mkdir(results);
      await writeFile(join(results, 'a-result.json'), JSON.stringify({
        uuid: 'a', name: 'answers <6A84> & "quotes" ]]>', status: 'failed', start: 1_000, stop: 2_500, testCaseId: 'PERS-001',
        statusDetails: { message: 'INSTALL answered 6A84\u0000\u001b[31m: not enough memory <space>', trace: 'at x\n]]> end' },
        labels: [{ name: 'testId', value: 'PERS-001' }, { name: 'requirement', value: 'GPCS 11.5 INSTALL' }, { name: 'conformance suite', value: 'personalization' }],
        parameters: [{ name: 'profile', value: 'P <1>' }, { name: 'ATR', value: '3B 00' }],
      }));
      const xmlText = junitXml(await junitCases(results, []));
      await writeFile(join(d, 'j.xml'), xmlText);
      expect(await schemaProblems(join(d, 'j.xml'))).toBe('');
      const [x] = suites(xmlText);
      expect(x!.testcase).toBe('PERS-001 answers <6A84> & "quotes" ]]>');
      expect(x!.props.get('reason')).toEqual(['INSTALL answered 6A84[31m: not enough memory <space>']);
      expect(x!.props.get('ATR')).toEqual(['3B00']);
      expect(x!.outcome).toBe('failure');
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('is checked by a schema that refuses what junit-10 does not allow (properties inside a testcase)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'simcert-junit-neg-'));
    try {
      await writeFile(join(d, 'bad.xml'), '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="t"><properties/></testcase></testsuite></testsuites>');
      expect(await schemaProblems(join(d, 'bad.xml'))).toMatch(/properties.*not expected/);
      expect((await stat(XSD)).size).toBeGreaterThan(0);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
