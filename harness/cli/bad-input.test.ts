// The bad-input corpus: simcert as a user meets it, one wrong command line after another. Each case runs in a
// folder that already holds a previous report, and asserts the exit code, the first line the user reads, that no
// stack trace is printed, that the command ends on its own (a bounded wait, so a hang or a busy loop shows as a
// failure, not as a stuck test run) and that the previous report is byte for byte what it was. The cases of issue
// 17 are marked with its problem number.
//
// How a case runs: a case that changes the environment (no pcscd, no JDK on PATH), and one case of each kind of
// failure (usage, profile, unwritable output, unreachable service) marked `spawned`, start the real command
// (node harness/cli/simcert.js) as a user would, so the process's own exit code and stderr are what is checked.
// The others call the same entry point, `main(argv)`, in this process, one at a time with the case's folder as
// the working directory and the console captured: what is under test is the command's answer to its input, and
// sixty node starts (about a CPU-second each) cost the test suite more than a minute on two cores (issue 20).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchResult } from '../bench/test-fixtures.ts';
import { repoRoot } from '../paths.ts';
import { previousReport, simcertInProcess, snapshot, type Outcome } from './test-helpers.ts';

const CLI = join(repoRoot, 'harness', 'cli', 'simcert.js');
const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
const REFERENCE_PCSCD = join(repoRoot, 'profiles', 'emulated', 'reference-pcscd.yaml');
/** Generous: a case that stops at preflight takes about 1.5 s of CPU; only a hang or a busy loop (or a machine
 * several times oversubscribed, as when the whole suite runs beside other work) comes near this. */
const BOUND_MS = 120_000;
const NO_PCSCD = { PCSCLITE_CSOCK_NAME: '/nonexistent/simcert-test/pcscd.comm' };

function simcert(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, timeout: BOUND_MS, killSignal: 'SIGKILL' }, (err, out, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, out, err: stderr });
    });
  });
}


let root: string;
let suites: string[];
let version: string;

/** Inputs every case may name, relative to its working folder. */
async function inputs(dir: string): Promise<void> {
  await writeFile(join(dir, 'bad-field.yaml'), 'name: x\ncard:\n  carrier: c\n  variant: v\nixit:\n  transport: usb\n  jpki:\n    pin: { env: X }\nsuites: []\n');
  await writeFile(join(dir, 'bad-syntax.yaml'), 'name: x\ncard: [unclosed\n');
  await writeFile(join(dir, 'empty.yaml'), '');
  await writeFile(join(dir, 'list.yaml'), '- a\n- b\n');
  await writeFile(join(dir, 'extends-missing.yaml'), 'extends: nowhere.yaml\nname: child\n');
  await writeFile(join(dir, 'unknown-suite.yaml'), `extends: ${REFERENCE}\nname: with an unknown suite\nsuites: [no-such-suite]\n`);
  await writeFile(join(dir, 'pcsc.yaml'), [
    'name: A real card in a reader',
    'card: { carrier: simcert, variant: pcsc-test, testCard: true }',
    'ixit:',
    '  transport: pcsc',
    '  reader: No Such Reader In This Lab',
    '  jpki:',
    '    pin: { value: "1234" }',
    '    install: none',
    'suites: [jpki-signing]',
    '',
  ].join('\n'));
  await mkdir(join(dir, 'a-folder.yaml'));
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(benchResult(), null, 2)}\n`);
  await writeFile(join(dir, 'not-json.json'), '{ "schema": ');
  await writeFile(join(dir, 'wrong-shape.json'), JSON.stringify({ schema: 'simcert-bench/1', samplesNs: 'many' }));
  await mkdir(join(dir, 'no-java'));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'simcert-bad-input-'));
  suites = (await readdir(join(repoRoot, 'suites'))).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length));
  version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string> | ((dir: string) => Record<string, string>);
  code: number;
  /** The first line of stderr (or of stdout when stderr is empty). */
  first: RegExp;
  /** More that the output must say. */
  says?: RegExp[];
  /** Start the real command rather than call main() in this process (always so for a case with `env`). */
  spawned?: true;
}

const runUsage = /^simcert: required option '-p, --profile <FILE\|GLOB\.\.\.>' not specified$/;

const cases: Case[] = [
  // issue 17 problem 1: no --profile used to empty allure-results and exit 0
  { name: 'run without --profile (#1)', spawned: true, args: ['run'], code: 2, first: runUsage },
  { name: 'run --suite without --profile (#1)', args: ['run', '--suite', 'jpki-signing'], code: 2, first: runUsage },
  { name: 'run --out without --profile (#1)', args: ['run', '--out', 'elsewhere'], code: 2, first: runUsage },
  { name: 'run --profile with no value', args: ['run', '--profile'], code: 2, first: /^simcert: option '-p, --profile <FILE\|GLOB\.\.\.>' argument missing$/ },
  { name: 'run with an unknown option', args: ['run', '--profile', REFERENCE, '--bogus'], code: 2, first: /^simcert: unknown option '--bogus'$/ },
  { name: 'run with a stray argument', args: ['run', 'extra', '--profile', REFERENCE], code: 2, first: /^simcert: too many arguments for 'run'/ },
  { name: 'run with a missing profile file', args: ['run', '--profile', 'missing.yaml'], code: 2, first: /^missing\.yaml: cannot read the profile: no such file$/ },
  { name: 'run with a glob that matches nothing', args: ['run', '--profile', 'nothing/*.yaml'], code: 2, first: /^simcert: --profile nothing\/\*\.yaml: the pattern matches no file$/ },
  { name: 'run with a profile that is a folder', args: ['run', '--profile', 'a-folder.yaml'], code: 2, first: /^a-folder\.yaml: / },
  { name: 'run with a YAML syntax error', args: ['run', '--profile', 'bad-syntax.yaml'], code: 2, first: /^bad-syntax\.yaml:\d+:\d+: / },
  { name: 'run with a bad field', spawned: true, args: ['run', '--profile', 'bad-field.yaml'], code: 2, first: /^bad-field\.yaml:6:14: ixit\.transport: must be one of/ },
  { name: 'run with an empty profile', args: ['run', '--profile', 'empty.yaml'], code: 2, first: /^empty\.yaml:/ },
  { name: 'run with a YAML list for a profile', args: ['run', '--profile', 'list.yaml'], code: 2, first: /^list\.yaml:/ },
  { name: 'run with a profile that extends a missing file', args: ['run', '--profile', 'extends-missing.yaml'], code: 2, first: /^extends-missing\.yaml:\d+:\d+: extends: / },
  { name: 'run with a profile enabling an unknown suite', args: ['run', '--profile', 'unknown-suite.yaml'], code: 2, first: /^unknown-suite\.yaml:\d+:\d+: suites/ },
  { name: 'run with several profiles, one of them bad (variadic)', args: ['run', '--profile', REFERENCE, 'bad-field.yaml'], code: 2, first: /^bad-field\.yaml:6:14: ixit\.transport/ },
  { name: 'run with an unknown suite', args: ['run', '--profile', REFERENCE, '--suite', 'nope'], code: 2, first: /^simcert: --suite nope: no such suite \(suites: .*jpki-signing.*portability\)$/ },
  // issue 17 problem 2: run --out /proc/x used to spin at 100 % CPU for ever
  { name: 'run --out /proc/x (#2)', spawned: true, args: ['run', '--profile', REFERENCE, '--out', '/proc/x'], code: 3, first: /^simcert: cannot write reports to \/proc\/x: ENOENT: no such file or directory$/ },
  { name: 'run --out below /proc/x (#2)', args: ['run', '--profile', REFERENCE, '--out', '/proc/x/y/z'], code: 3, first: /^simcert: cannot write reports to \/proc\/x\/y\/z: ENOENT/ },
  { name: 'run --out inside a file', args: ['run', '--profile', REFERENCE, '--out', 'reports/portability.md/out'], code: 3, first: /^simcert: cannot write reports to reports\/portability\.md\/out: ENOTDIR/ },
  { name: 'run --out that is a file', args: ['run', '--profile', REFERENCE, '--out', 'reports/portability.md'], code: 3, first: /^simcert: cannot write reports to reports\/portability\.md: ENOTDIR/ },
  // issue 17 problem 3: a pcsc profile without pcscd used to wipe the report, print vitest errors three times, exit 1
  { name: 'run on a pcsc profile without pcscd (#3)', args: ['run', '--profile', 'pcsc.yaml'], env: NO_PCSCD, code: 3, first: /^simcert: pcsc\.yaml: cannot reach the PC\/SC service .*is pcscd running\?/ },
  { name: 'run on the simulator-through-pcscd profile without pcscd (#3)', args: ['run', '--profile', REFERENCE_PCSCD], env: NO_PCSCD, code: 3, first: /^simcert: .*reference-pcscd\.yaml: cannot reach the PC\/SC service/ },
  { name: 'run on the simulator without a JDK', args: ['run', '--profile', REFERENCE], env: (dir) => ({ PATH: join(dir, 'no-java') }), code: 3, first: /^simcert: .*reference\.yaml: the bundled simulator needs a JDK 17, but java is not on PATH/ },
  { name: 'run --shard beyond its count', args: ['run', '--profile', REFERENCE, '--shard', '3/2'], code: 2, first: /^simcert: --shard 3\/2: give i\/n with 1 <= i <= n, e\.g\. --shard 1\/4$/ },
  { name: 'run --jobs 0', args: ['run', '--profile', REFERENCE, '--jobs', '0'], code: 2, first: /^simcert: --jobs 0: give a whole number of cards to run at once, 1 or more$/ },
  { name: 'run --readers with a value other than all', args: ['run', '--profile', REFERENCE, '--readers', 'some'], code: 2, first: /^simcert: --readers some: the only value is "all"/ },
  { name: 'report merge of a folder with no results', args: ['report', 'merge', 'a-folder.yaml', '--out', 'merged'], code: 2, first: /^simcert: report merge: a-folder\.yaml: neither a simcert run's report folder \(with allure-results\/\) nor an Allure results folder$/ },
  { name: 'readers without pcscd', args: ['readers'], env: NO_PCSCD, code: 3, first: /^simcert: cannot reach the PC\/SC service/ },
  { name: 'readers with a profile that does not exist', args: ['readers', '--profile', 'missing.yaml'], env: NO_PCSCD, code: 3, first: /^simcert: cannot reach the PC\/SC service/ },
  { name: 'an unknown command', spawned: true, args: ['frobnicate'], code: 2, first: /^simcert: unknown command 'frobnicate'$/ },
  { name: 'no command at all', args: [], code: 2, first: /^Usage: simcert \[options\] \[command\]$/, says: [/Exit codes:/] },
  { name: 'profile without a subcommand', args: ['profile'], code: 2, first: /^Usage: simcert profile \[options\] \[command\]$/ },
  { name: 'profile check of a missing file', args: ['profile', 'check', 'missing.yaml'], code: 2, first: /^missing\.yaml: cannot read the profile: no such file$/ },
  { name: 'profile check of a YAML syntax error', spawned: true, args: ['profile', 'check', 'bad-syntax.yaml'], code: 2, first: /^bad-syntax\.yaml:\d+:\d+: / },
  { name: 'profile check without files', args: ['profile', 'check'], code: 2, first: /^simcert: missing required argument 'FILE'$/ },
  { name: 'profile show of a missing file', args: ['profile', 'show', 'missing.yaml'], code: 2, first: /^simcert: missing\.yaml: cannot read the profile: no such file$/ },
  { name: 'profile show of a bad field', args: ['profile', 'show', 'bad-field.yaml'], code: 2, first: /^simcert: bad-field\.yaml:6:14: ixit\.transport/ },
  { name: 'bench without --profile', args: ['bench', '--op', 'select'], code: 2, first: /^simcert: required option '-p, --profile <FILE\.\.\.>' not specified$/ },
  { name: 'bench without --op', args: ['bench', '--profile', REFERENCE], code: 2, first: /^simcert: give the operation to time: --op <OP> \(with --alg for sign and keygen\) or --ops <OP:ALG,\.\.\.>$/ },
  { name: 'bench --ops with an unknown item', args: ['bench', '--profile', REFERENCE, '--ops', 'keygen:rsa2048,fly:p256'], code: 2, first: /^simcert: --ops: "fly:p256" is not OP or OP:ALG \(operations sign, keygen/ },
  { name: 'bench --ops with --op', args: ['bench', '--profile', REFERENCE, '--ops', 'sign:p256', '--op', 'select'], code: 2, first: /^simcert: --ops names its algorithms itself/ },
  { name: 'bench --ops with --resume', args: ['bench', '--profile', REFERENCE, '--ops', 'sign:p256', '--resume', 'result.json'], code: 2, first: /^simcert: --resume continues one result file, which holds one operation/ },
  { name: 'bench --ops with an item that needs an algorithm', args: ['bench', '--profile', REFERENCE, '--ops', 'select,sign'], code: 2, first: /^simcert: --op sign needs --alg \(rsa2048, p256, p384\)$/ },
  { name: 'bench with an unknown operation', args: ['bench', '--profile', REFERENCE, '--op', 'fly'], code: 2, first: /^simcert: option '--op <OP>' argument 'fly' is invalid\. Allowed choices are sign, keygen/ },
  { name: 'bench sign without --alg', args: ['bench', '--profile', REFERENCE, '--op', 'sign'], code: 2, first: /^simcert: --op sign needs --alg \(rsa2048, p256, p384\)$/ },
  { name: 'bench verify-pin with --alg', args: ['bench', '--profile', REFERENCE, '--op', 'verify-pin', '--alg', 'p256'], code: 2, first: /^simcert: --alg applies to sign and keygen, not verify-pin$/ },
  { name: 'bench with zero iterations', args: ['bench', '--profile', REFERENCE, '--op', 'select', '-n', '0'], code: 2, first: /^simcert: option '-n, --iterations <N>' argument '0' is invalid\. a whole number >= 1$/ },
  { name: 'bench --loop on p384', args: ['bench', '--profile', REFERENCE, '--op', 'sign', '--alg', 'p384', '--loop', '5'], code: 2, first: /^simcert: --loop: the benchmark applet does rsa2048 and p256$/ },
  { name: 'bench with a missing profile', args: ['bench', '--profile', 'missing.yaml', '--op', 'select'], code: 2, first: /^simcert: missing\.yaml: cannot read the profile: no such file$/ },
  // issue 17 problem 2: bench --out /proc/x used to measure every sample, then spin and lose them
  { name: 'bench --out /proc/x (#2)', args: ['bench', '--profile', REFERENCE, '--op', 'select', '--out', '/proc/x'], code: 3, first: /^simcert: cannot write bench results to \/proc\/x: ENOENT: no such file or directory$/ },
  { name: 'bench --report /proc/x (#2)', args: ['bench', '--profile', REFERENCE, '--op', 'select', '--report', '/proc/x'], code: 3, first: /^simcert: cannot write the Allure report to \/proc\/x: ENOENT: no such file or directory$/ },
  { name: 'bench on a pcsc profile without pcscd', args: ['bench', '--profile', 'pcsc.yaml', '--op', 'select'], env: NO_PCSCD, code: 3, first: /^simcert: pcsc\.yaml: cannot reach the PC\/SC service/ },
  { name: 'bench on the simulator without a JDK', args: ['bench', '--profile', REFERENCE, '--op', 'select'], env: (dir) => ({ PATH: join(dir, 'no-java') }), code: 3, first: /^simcert: .*reference\.yaml: the bundled simulator needs a JDK 17, but java is not on PATH/ },
  { name: 'compare without files', args: ['compare'], code: 2, first: /^simcert: missing required argument 'FILE'$/ },
  { name: 'compare a missing file', args: ['compare', 'missing.json'], code: 2, first: /^missing\.json: cannot read \(ENOENT\)$/ },
  { name: 'compare a glob that matches nothing', args: ['compare', 'nothing/*.json'], code: 2, first: /^simcert: nothing\/\*\.json: the pattern matches no file$/ },
  { name: 'compare a file that is not JSON', args: ['compare', 'not-json.json'], code: 2, first: /^not-json\.json/ },
  { name: 'compare a JSON file that is not a bench result', args: ['compare', 'wrong-shape.json'], code: 2, first: /^wrong-shape\.json/ },
  // issue 17 problem 2: compare --html /proc/x/c.html used to spin
  { name: 'compare --html /proc/x/c.html (#2)', spawned: true, args: ['compare', 'result.json', '--html', '/proc/x/c.html'], code: 3, first: /^simcert: cannot write the comparison page to \/proc\/x\/c\.html: ENOENT: no such file or directory$/ },
  { name: 'compare --md /proc/x/c.md', args: ['compare', 'result.json', '--md', '/proc/x/c.md'], code: 3, first: /^simcert: cannot write the comparison table to \/proc\/x\/c\.md: ENOENT: no such file or directory$/ },
];

describe.concurrent('simcert on bad input: exit code, one first line, no stack trace, no hang, the previous report untouched', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const dir = await mkdtemp(join(root, 'case-'));
      await previousReport(join(dir, 'reports'));
      await inputs(dir);
      const before = await snapshot(join(dir, 'reports'));
      const env = typeof c.env === 'function' ? c.env(dir) : c.env;
      const r = c.spawned || env ? await simcert(dir, c.args, env) : await simcertInProcess(dir, c.args);
      expect(r.signal, 'ended on its own within the bound').toBeNull();
      const first = (r.err.trim() || r.out.trim()).split('\n')[0];
      expect(first).toMatch(c.first);
      expect(r.code).toBe(c.code);
      expect(`${r.out}\n${r.err}`).not.toMatch(/^\s+at .*(\.ts|\.js|\.mjs|node:internal)/m);
      for (const s of c.says ?? []) expect(`${r.out}\n${r.err}`).toMatch(s);
      expect(await snapshot(join(dir, 'reports'))).toEqual(before);
    }, BOUND_MS + 10_000);
  }
});

describe('simcert --version and --help', () => {
  it('--version prints the version in package.json', async () => {
    const r = await simcert(root, ['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await simcert(root, ['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'profile', 'readers', 'bench', 'compare', 'report']) expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    for (const code of ['0', '1', '2', '3', '130']) expect(r.out).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });

  it('run --help lists every suite and the exit codes', async () => {
    const r = await simcert(root, ['run', '--help']);
    expect(r.code).toBe(0);
    const line = r.out.split('\n').find((l) => l.startsWith('Suites: '));
    for (const s of [...suites, 'portability']) expect(line).toContain(s);
    expect(r.out).toMatch(/^ {2}130 +interrupted/m);
  });
});
