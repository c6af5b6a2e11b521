// The profile loader: a valid profile loads with its defaults, and every malformed profile is reported at the
// line and column an engineer would put the cursor on, naming the field. Expected positions were read off the
// YAML text below by eye, not taken from the loader.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { checkProfiles, formatProblem, loadProfile, ProfileError, resolveSecret, type ProfileProblem } from './index.ts';

const VECTORS = process.env.FAKEVEC ?? join(repoRoot, 'vectors', 'jpki');
const knownSuites = ['jpki-signing', 'handset-swap', 'applet-install', 'personalization', 'service-lifecycle', 'ota-provisioning'];

// Line numbers on the right; cases below replace whole lines by number.
const BASE = [
  'name: Test variant', //                                   1
  'card:', //                                                2
  '  carrier: test', //                                      3
  '  variant: t1', //                                        4
  '  emulated: true', //                                     5
  '  testCard: true', //                                     6
  'ics:', //                                                 7
  '  t1: true', //                                           8
  '  extendedLength: true', //                               9
  'ixit:', //                                                10
  '  transport: sim', //                                     11
  '  jpki:', //                                              12
  '    pin: { value: "1234" }', //                           13
  '    signingPin: { value: "SIMCERT1" }', //                14
  '    install: create-applet', //                           15
  '    personalization:', //                                 16
  '      source: fixture', //                                17
  `      vectors: ${VECTORS}`, //                            18
  'sim:', //                                                 19
  '  atr: 3B00', //                                          20
  '  extendedLength: true', //                               21
  '  apduBufferSize: 2048', //                               22
  '  applets:', //                                           23
  '    - aid: D392F000260100000001', //                      24
  '      class: org.simcert.applets.jpki.JpkiApplet', //     25
  '      codebase: jpki', //                                 26
  'suites: [jpki-signing]', //                               27
];

function edit(changes: Record<number, string | null>, extra: string[] = []): string {
  const lines: string[] = [];
  BASE.forEach((l, i) => {
    const c = changes[i + 1];
    if (c === undefined) lines.push(l);
    else if (c !== null) lines.push(c);
  });
  return `${[...lines, ...extra].join('\n')}\n`;
}

let dir: string;
let n = 0;
async function write(text: string): Promise<string> {
  const file = join(dir, `p${n++}.yaml`);
  await writeFile(file, text);
  return file;
}
async function problems(text: string): Promise<ProfileProblem[]> {
  const [r] = await checkProfiles([await write(text)], { knownSuites });
  return r!.problems;
}
function at(p: ProfileProblem): string {
  return `${p.line}:${p.column} ${p.field}`;
}

/** An ixit.gp section (lines 12-15) whose load file is the given CAP; the jpki section follows it. */
function withCap(cap: string): string {
  return `  gp:\n    sd: A000000151000000\n    keys: { value: "404142434445464748494A4B4C4D4E4F" }\n    loadFile: { cap: ${cap} }\n  jpki:\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-profile-'));
  await writeFile(join(dir, 'garbage.cap'), 'this is a text file, not a CAP file\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a valid profile', () => {
  it('loads with the schema defaults filled in and paths made absolute', async () => {
    const p = await loadProfile(await write(edit({})), { knownSuites });
    expect(p.ixit.jpki.aid).toBe('D392F000260100000001');
    expect(p.ixit.jpki.pinTryLimit).toBe(3);
    expect(p.ixit.jpki.signingPin).toEqual({ value: 'SIMCERT1' });
    expect(p.ixit.jpki.signingPinTryLimit).toBe(5);
    expect(p.ixit.timeouts).toEqual({ connectMs: 20000, apduMs: 30000 });
    expect(p.ics).toMatchObject({ t0: false, t1: true, extendedLength: true, logicalChannels: 4, sha1DigestInfo: true });
    expect(p.sim).toMatchObject({ protocol: 'T=1', logicalChannels: 4 });
    expect(p.ixit.jpki.personalization).toEqual({ source: 'fixture', vectors: VECTORS });
  });

  it('resolves relative paths against the profile, not the working directory', async () => {
    const p = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites });
    expect(p.ixit.jpki.personalization).toEqual({ source: 'fixture', vectors: VECTORS });
    expect(p.suites).toEqual(['jpki-signing', 'handset-swap', 'applet-install', 'personalization', 'service-lifecycle', 'ota-provisioning']);
  });

  it('hands out a PIN from the environment only when asked, and says which variable is missing', async () => {
    delete process.env.SIMCERT_TEST_PIN_X;
    await expect(resolveSecret({ env: 'SIMCERT_TEST_PIN_X' }, 'ixit.jpki.pin')).rejects.toThrow('ixit.jpki.pin: environment variable SIMCERT_TEST_PIN_X is not set');
    process.env.SIMCERT_TEST_PIN_X = '4321';
    await expect(resolveSecret({ env: 'SIMCERT_TEST_PIN_X' }, 'ixit.jpki.pin')).resolves.toBe('4321');
    delete process.env.SIMCERT_TEST_PIN_X;
  });

  it('reads a PIN file without its trailing newline', async () => {
    const f = join(dir, 'pin.txt');
    await writeFile(f, '2468\n');
    await expect(resolveSecret({ file: f }, 'pin')).resolves.toBe('2468');
  });
});

describe('malformed profiles point at the line, column and field', () => {
  const cases: { name: string; text: () => string; expect: [position: string, message: string][] }[] = [
    { name: 'an AID too short', text: () => edit({ 24: '    - aid: D392F0' }),
      expect: [['24:12 sim.applets[0].aid', '"D392F0" is not an AID: 5 to 16 bytes in hex']] },
    { name: 'an AID with a non-hex digit', text: () => edit({ 24: '    - aid: D392F00026010000000G' }),
      expect: [['24:12 sim.applets[0].aid', 'is not an AID']] },
    { name: 'a misspelt field', text: () => edit({ 15: '    instal: create-applet' }),
      expect: [['15:5 ixit.jpki.instal', 'unknown field "instal"']] },
    { name: 'a word where a number belongs', text: () => edit({ 22: '  apduBufferSize: big' }),
      expect: [['22:19 sim.apduBufferSize', 'must be a whole number, got string "big"']] },
    { name: 'an unknown transport', text: () => edit({ 11: '  transport: usb' }),
      expect: [['11:14 ixit.transport', 'must be one of sim (bundled simulator)']] },
    { name: 'a missing required field', text: () => edit({ 4: null }),
      expect: [['2:1 card', 'missing required field "variant"']] },
    { name: 'a duplicate key', text: () => edit({ 4: '  carrier: other' }),
      expect: [['4:3 ', 'YAML: Map keys must be unique']] },
    { name: 'an unclosed flow mapping', text: () => edit({ 13: '    pin: { value: "1234"' }),
      expect: [['14:5 ', 'YAML:']] },
    { name: 'a tab for indentation', text: () => edit({ 15: '\tinstall: create-applet' }),
      expect: [['15:1 ', 'YAML:']] },
    { name: 'an inline PIN for a real card', text: () => edit({ 5: '  emulated: false', 6: '  testCard: false', 11: '  transport: vpcd', 14: null, 15: null, 17: '      source: none', 18: null, 19: null, 20: null, 21: null, 22: null, 23: null, 24: null, 25: null, 26: null }),
      expect: [['13:19 ixit.jpki.pin.value', 'an inline PIN is allowed only for emulated or test cards']] },
    { name: 'a PIN that is not 4 digits', text: () => edit({ 13: '    pin: { value: "12345" }' }),
      expect: [['13:19 ixit.jpki.pin.value', 'the JPKI user-authentication PIN is 4 digits']] },
    { name: 'a PIN given as a bare number', text: () => edit({ 13: '    pin: 1234' }),
      expect: [['13:10 ixit.jpki.pin', 'must be { value: ... } (emulated/test cards only), { env: VARIABLE } or { file: PATH }']] },
    { name: 'a PIN from an unset variable', text: () => edit({ 13: '    pin: { env: SIMCERT_TEST_UNSET_PIN }' }),
      expect: [['13:17 ixit.jpki.pin.env', 'environment variable SIMCERT_TEST_UNSET_PIN is not set']] },
    { name: 'a signing password that is not 6-16 of A-Z 0-9', text: () => edit({ 14: '    signingPin: { value: "simcert1" }' }),
      expect: [['14:26 ixit.jpki.signingPin.value', 'the JPKI signing password is 6 to 16 characters of A-Z and 0-9']] },
    { name: 'a signing password too short', text: () => edit({ 14: '    signingPin: { value: "ABC12" }' }),
      expect: [['14:26 ixit.jpki.signingPin.value', 'the JPKI signing password is 6 to 16 characters of A-Z and 0-9']] },
    { name: 'an inline signing password for a real card', text: () => edit({ 5: '  emulated: false', 6: '  testCard: false', 11: '  transport: vpcd', 13: '    pin: { env: HOME }', 15: null, 17: '      source: none', 18: null, 19: null, 20: null, 21: null, 22: null, 23: null, 24: null, 25: null, 26: null }),
      expect: [['14:26 ixit.jpki.signingPin.value', 'an inline signing password is allowed only for emulated or test cards']] },
    { name: 'a signing password from an unset variable', text: () => edit({ 14: '    signingPin: { env: SIMCERT_TEST_UNSET_SIGNING_PIN }' }),
      expect: [['14:24 ixit.jpki.signingPin.env', 'environment variable SIMCERT_TEST_UNSET_SIGNING_PIN is not set']] },
    { name: 'a signing password file inside the repository', text: () => edit({ 14: `    signingPin: { file: ${join(repoRoot, 'README.md')} }` }),
      expect: [['14:25 ixit.jpki.signingPin.file', 'must live outside the repository']] },
    { name: 'an applet the harness personalizes without a signing password', text: () => edit({ 14: null }),
      expect: [['12:3 ixit.jpki', 'give the signing password as ixit.jpki.signingPin']] },
    { name: 'a trusted CA certificate that does not exist', text: () => edit({ 15: '    trustedCa: { signing: no-such-ca.der }' }),
      expect: [['15:27 ixit.jpki.trustedCa.signing', 'no such CA certificate file: ']] },
    { name: 'a signing try limit out of range', text: () => edit({ 15: '    signingPinTryLimit: 0' }),
      expect: [['15:25 ixit.jpki.signingPinTryLimit', '0 is out of range (minimum 1)']] },
    { name: 'a PIN file inside the repository', text: () => edit({ 13: `    pin: { file: ${join(repoRoot, 'README.md')} }` }),
      expect: [['13:18 ixit.jpki.pin.file', 'must live outside the repository']] },
    { name: 'an unknown suite', text: () => edit({ 27: 'suites: [jpki-signing, nonsense]' }),
      expect: [['27:24 suites[1]', 'no suite named "nonsense" (suites: jpki-signing, handset-swap, applet-install, personalization, service-lifecycle, ota-provisioning)']] },
    { name: 'a vectors folder without vectors', text: () => edit({ 18: '      vectors: /nonexistent/jpki' }),
      expect: [['18:16 ixit.jpki.personalization.vectors', '/nonexistent/jpki holds no JPKI vectors']] },
    { name: 'a T=0 simulator for a T=1 extended-length ICS', text: () => edit({ 21: '  protocol: T=0' }),
      expect: [['9:19 ics.extendedLength', 'claims extended length but sim.extendedLength is false'], ['21:13 sim.protocol', 'ics.t0 is false']] },
    { name: 'a try limit out of range', text: () => edit({ 15: '    pinTryLimit: 99' }),
      expect: [['15:18 ixit.jpki.pinTryLimit', '99 is out of range (maximum 15)']] },
    { name: 'a personalization source that does not exist', text: () => edit({ 17: '      source: card' }),
      expect: [['16:5 ixit.jpki.personalization', 'must be { source: fixture, vectors: DIR } or { source: none }']] },
    { name: 'a pcsc transport without a reader', text: () => edit({ 11: '  transport: pcsc' }),
      expect: [['11:14 ixit.transport', 'transport pcsc needs ixit.reader'], ['19:1 sim', 'used with transport sim or vpcd, or with pcsc plus sim.vpcdReaders']] },
    { name: 'an ATR mask of the wrong length', text: () => edit({}, []).replace('  jpki:\n', '  atr: { value: 3B00, mask: FFFFFF }\n  jpki:\n'),
      expect: [['12:29 ixit.atr.mask', 'the mask has 3 bytes, the ATR 2']] },
    { name: 'an applet codebase that does not exist', text: () => edit({ 26: '      codebase: nosuch' }),
      expect: [['26:17 sim.applets[0].codebase', 'no applet sources at lab/applets/nosuch/src']] },
    { name: 'a CAP file that is not a CAP file', text: () => edit({}).replace('  jpki:\n', withCap(join(dir, 'garbage.cap'))),
      expect: [['15:22 ixit.gp.loadFile.cap', 'garbage.cap: not a CAP file (not a ZIP archive)']] },
    { name: 'a CAP file that does not exist', text: () => edit({}).replace('  jpki:\n', withCap(join(dir, 'missing.cap'))),
      expect: [['15:22 ixit.gp.loadFile.cap', 'no such CAP file']] },
    { name: 'an SCP version the GlobalPlatform specifications do not have', text: () => edit({ 9: '  extendedLength: true\n  scp: "04"' }),
      expect: [['10:8 ics.scp', 'must be 02 or 03']] },
    { name: 'a memory quota beyond two bytes', text: () => edit({}).replace('  jpki:\n', withCap(join(dir, 'missing.cap')).replace('    loadFile:', '    quota: { nonVolatile: 70000 }\n    loadFile:')),
      expect: [['15:27 ixit.gp.quota.nonVolatile', '70000 is out of range (maximum 65535)']] }, // schema problems come first; rules wait for them
    { name: 'a receipt key that is not an AES key', text: () => edit({}).replace('  jpki:\n', [
      '  gp:', '    sd: A000000151000000', '    keys: { value: "404142434445464748494A4B4C4D4E4F" }', '    delegatedManagement:',
      '      sd: F0534D43455254444D0001', '      tokenKey: { value: x }', '      receiptKey: { value: "1234" }', '  jpki:', ''].join('\n')),
      expect: [['18:28 ixit.gp.delegatedManagement.receiptKey.value', 'the receipt key is an AES key in hex (16, 24 or 32 bytes)']] },
    { name: 'a timing model with an unknown distribution', text: () => edit({ 22: '  apduBufferSize: 2048\n  timingModel: { keygen: { distribution: normal, medianMs: 10 } }' }),
      expect: [['23:42 sim.timingModel.keygen.distribution', 'must be fixed (always the median) or lognormal']] },
    { name: 'a hostile command that is not hex', text: () => edit({ 22: '  apduBufferSize: 2048\n  faults: { hostile: corrupt-data, hostileCommand: 80ZZ }' }),
      expect: [['23:52 sim.faults.hostileCommand', '"80ZZ" is not the start of the commands to answer with hostility']] },
    { name: 'an ICS that disagrees with the simulated card', text: () => edit({ 9: '  extendedLength: true\n  logicalChannels: 2' }),
      expect: [['10:20 ics.logicalChannels', 'the ICS claims 2 logical channel(s) but the simulator has 4']] },
    { name: 'a jCardSim-mode card that claims application locking', text: () => edit({ 9: '  extendedLength: true\n  applicationLocking: true\n  supplementaryDomains: false', 22: '  apduBufferSize: 2048\n  globalPlatform: false' }),
      expect: [['10:23 ics.applicationLocking', 'applicationLocking needs a GlobalPlatform card manager, but sim.globalPlatform is false']] },
    { name: 'a vpcd port 0 for a card the lab starts itself', text: () => edit({ 11: '  transport: vpcd\n  vpcd: { port: 0 }', 19: null, 20: null, 21: null, 22: null, 23: null, 24: null, 25: null, 26: null }),
      expect: [['12:17 ixit.vpcd.port', 'port 0 (a free port) is only for the bundled simulator']] },
    { name: 'an empty file', text: () => '# nothing here\n',
      expect: [['1:1 ', 'the profile is empty']] },
    { name: 'a list instead of a mapping', text: () => '- name: x\n',
      expect: [['1:1 ', 'a profile is a mapping of fields']] },
  ];

  for (const c of cases) {
    it(`reports ${c.name}`, async () => {
      const got = await problems(c.text());
      expect(got.map((p) => `${at(p)} | ${p.message}`)).toHaveLength(c.expect.length);
      for (const [i, [position, message]] of c.expect.entries()) {
        expect(at(got[i]!)).toBe(position);
        expect(got[i]!.message).toContain(message);
      }
    });
  }

  it('has a corpus of at least 30 malformed profiles', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('says a missing file is missing, in one line', async () => {
    const [r] = await checkProfiles([join(dir, 'nope.yaml')], { knownSuites });
    expect(r!.problems.map(formatProblem)).toEqual([`${join(dir, 'nope.yaml')}: cannot read the profile: no such file`]);
  });

  it('formats problems as file:line:column: field: message and throws them all from loadProfile', async () => {
    const file = await write(edit({ 11: '  transport: usb', 22: '  apduBufferSize: big' }));
    const err = await loadProfile(file, { knownSuites }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileError);
    expect((err as ProfileError).message.split('\n')).toEqual([
      `${file}:11:14: ixit.transport: must be one of sim (bundled simulator), vpcd (a virtual card connects to us), pcsc (a reader)`,
      `${file}:22:19: sim.apduBufferSize: must be a whole number, got string "big"`,
    ]);
  });
});

// A carrier's file holds only its differences from a base; a problem is reported in the file that set the value.
describe('profiles that extend a base profile', () => {
  let base: string;
  beforeAll(async () => {
    base = join(dir, 'base.yaml');
    await writeFile(base, edit({ 20: '  atr: 3B0', 22: '  apduBufferSize: 2048' }));
  });

  it('merges mappings field by field, replaces the rest, and resolves paths against the base', async () => {
    await writeFile(base, edit({}));
    const child = await write(['extends: base.yaml', 'name: Child', 'ics:', '  extendedLength: false', '  t0: true', 'sim:', '  protocol: T=0', '  extendedLength: false', '  apduBufferSize: 261', ''].join('\n'));
    const p = await loadProfile(child, { knownSuites });
    expect(p.name).toBe('Child');
    expect(p.card.carrier).toBe('test'); // from the base
    expect(p.ics).toMatchObject({ t0: true, t1: true, extendedLength: false });
    expect(p.sim).toMatchObject({ protocol: 'T=0', atr: '3B00', apduBufferSize: 261 });
    expect(p.ixit.jpki.personalization).toEqual({ source: 'fixture', vectors: VECTORS });
    expect(p.file).toBe(child);
  });

  it('removes an inherited field set to null', async () => {
    await writeFile(base, edit({}, ['description: inherited']));
    const p = await loadProfile(await write('extends: base.yaml\ndescription: null\n'), { knownSuites });
    expect(p.description).toBeUndefined();
  });

  it('reports a bad value set in the base at the base file\'s line, and one set in the child at the child\'s', async () => {
    await writeFile(base, edit({ 22: '  apduBufferSize: big' }));
    const child = await write('extends: base.yaml\nname: Child\nsim:\n  atr: XYZ\n');
    const got = await problems(await readFileText(child));
    const r = await checkProfiles([child], { knownSuites });
    const ps = r[0]!.problems.map((p) => `${p.file === base ? 'base' : 'child'}:${p.line}:${p.column} ${p.field}`);
    expect(ps.sort()).toEqual(['base:22:19 sim.apduBufferSize', 'child:4:8 sim.atr']);
    expect(got.length).toBeGreaterThan(0);
  });

  it('points at the extends line when the base cannot be read', async () => {
    const child = await write('name: Child\nextends: nowhere.yaml\n');
    const [r] = await checkProfiles([child], { knownSuites });
    expect(r!.problems.map((p) => `${p.line}:${p.column} ${p.field} | ${p.message}`)).toEqual([`2:10 extends | cannot read the profile: no such file: ${join(dir, 'nowhere.yaml')}`]);
  });

  it('refuses a cycle of extends', async () => {
    const a = join(dir, 'cycle-a.yaml');
    const b = join(dir, 'cycle-b.yaml');
    await writeFile(a, 'extends: cycle-b.yaml\n');
    await writeFile(b, 'extends: cycle-a.yaml\n');
    const [r] = await checkProfiles([a], { knownSuites });
    expect(r!.problems).toHaveLength(1);
    expect(r!.problems[0]).toMatchObject({ file: b, line: 1, column: 10, field: 'extends' });
    expect(r!.problems[0]!.message).toContain('a cycle');
  });
});

async function readFileText(f: string): Promise<string> {
  return (await import('node:fs/promises')).readFile(f, 'utf8');
}

describe('the profiles shipped with the project', () => {
  const all = ['jpki-signing', 'handset-swap', 'applet-install', 'personalization', 'service-lifecycle', 'ota-provisioning'];

  it('the README\'s real-card example names its missing secrets at their lines, and is valid once they are set', async () => {
    const file = join(repoRoot, 'profiles', 'examples', 'real-card.yaml');
    delete process.env.SIMCERT_JPKI_PIN;
    delete process.env.SIMCERT_JPKI_SIGNING_PIN;
    delete process.env.SIMCERT_GP_KEYS;
    const [missing] = await checkProfiles([file], { knownSuites: all });
    expect(missing!.problems.map((p) => [p.field, p.message])).toEqual([
      ['ixit.jpki.pin.env', 'environment variable SIMCERT_JPKI_PIN is not set'],
      ['ixit.jpki.signingPin.env', 'environment variable SIMCERT_JPKI_SIGNING_PIN is not set'],
      ['ixit.gp.keys.env', 'environment variable SIMCERT_GP_KEYS is not set'],
    ]);
    process.env.SIMCERT_JPKI_PIN = '1234';
    process.env.SIMCERT_JPKI_SIGNING_PIN = 'LABPASS1';
    process.env.SIMCERT_GP_KEYS = '404142434445464748494A4B4C4D4E4F';
    try {
      const [ok] = await checkProfiles([file], { knownSuites: all });
      expect(ok!.problems).toEqual([]);
    } finally {
      delete process.env.SIMCERT_JPKI_PIN;
      delete process.env.SIMCERT_JPKI_SIGNING_PIN;
      delete process.env.SIMCERT_GP_KEYS;
    }
  });

  it('every emulated profile and variant is valid', async () => {
    const { glob } = await import('tinyglobby');
    const files = await glob('profiles/emulated/**/*.yaml', { cwd: repoRoot, absolute: true });
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const r of await checkProfiles(files, { knownSuites: all })) expect(r.problems.map(formatProblem), r.file).toEqual([]);
  });
});
