// `simcert profile ics FILE` as a lab uses it: the profile's claims and IXIT answers appear in the proforma rows
// (support), a conditional status resolves for the card, mandatory claims the card lacks are named in the global
// statement, and no secret ever appears: secrets show where they come from or that they are inline test values.
// The HTML is checked by xmllint's HTML parser (an independent tool) and the Markdown tables by their shape.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';

const exec = promisify(execFile);

/** Secret values the proforma must never print (distinctive, so a chance match is impossible). */
const ENV_PIN = '4826';
const ENV_KEYS = 'C0FFEE00112233445566778899AABBCC';
const INLINE_KEYS = 'DEC0DED0DEC0DED0DEC0DED0DEC0DED0';
const INLINE_SIGNING = 'SECRETPASS7';

let dir: string;

/** Runs the simcert command line in this process (as simcert.js does), capturing what it prints. */
async function simcert(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${a.join(' ')}\n`));
  try {
    const code = await main(['node', 'simcert', ...args.map((a) => (/\.(yaml|html|md)$/.test(a) ? join(dir, a) : a))]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    write.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

/** The Markdown row of a field: its cells (item, question, status, support, reference). */
function row(md: string, field: string): string[] {
  const line = md.split('\n').find((l) => l.includes(`\`${field}\``));
  if (!line) throw new Error(`no row for ${field}`);
  return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-ics-'));
  process.env.T_PIN = ENV_PIN;
  process.env.T_KEYS = ENV_KEYS;
  // A real card read through a reader, secrets from the environment; no RSA-2048 and no key route: two shortfalls.
  await writeFile(join(dir, 'real.yaml'), [
    'name: Carrier Z 2026 UICC',
    'card: { carrier: Carrier Z, variant: 2026 UICC, vendor: Vendor Q }',
    'ics: { t0: true, t1: false, rsa2048: false, ecP256: true, keyInjection: false, onCardKeyGeneration: false, supplementaryDomains: false, araM: false }',
    'ixit:',
    '  transport: pcsc',
    '  reader: Lab Reader 0',
    '  jpki: { pin: { env: T_PIN }, install: none }',
    '  gp: { sd: A000000151000000, keys: { env: T_KEYS } }',
    'suites: []',
    '',
  ].join('\n'));
  // An emulated card with inline test secrets.
  await writeFile(join(dir, 'emulated.yaml'), [
    'name: Emulated W',
    'card: { carrier: simcert, variant: w, emulated: true }',
    'ics: { t1: true, araM: true }',
    'ixit:',
    '  transport: sim',
    `  jpki: { pin: { value: "0000" }, signingPin: { value: ${INLINE_SIGNING} }, install: none }`,
    `  gp: { keys: { value: ${INLINE_KEYS} } }`,
    `  accessControl: { approvedApps: [{ name: UI app, hash: ${'AB'.repeat(32)} }] }`,
    'sim: { atr: 3B00, applets: [{ aid: A00000015141434C00, class: org.simcert.applets.aram.AraM, codebase: ara-m }], araM: { rules: [] } }',
    'suites: []',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'bad.yaml'), 'name: x\ncard: { carrier: c, variant: v }\nics: { ecP256: maybe }\nixit: { transport: sim, jpki: { pin: { env: T_PIN } } }\nsuites: []\n');
});

afterAll(async () => {
  delete process.env.T_PIN;
  delete process.env.T_KEYS;
  await rm(dir, { recursive: true, force: true });
});

describe('simcert profile ics', () => {
  it('answers each ICS question with the profile\'s claim, marking what only a default says', async () => {
    const r = await simcert('profile', 'ics', 'real.yaml');
    expect(r.code).toBe(0);
    expect(row(r.out, 'ics.t0')).toEqual(['A.1/1 `ics.t0`', 'Does the card support the T=0 transmission protocol?', 'o.1', 'Yes', 'ETSI-102221 7 Transmission protocols (T=0)']);
    expect(row(r.out, 'ics.t1')[3]).toBe('No');
    expect(row(r.out, 'ics.ecP256')[3]).toBe('Yes');
    expect(row(r.out, 'ics.ecP384')[3]).toBe('No (default)');
    expect(row(r.out, 'ixit.reader')[3]).toBe('Lab Reader 0');
  });

  it('resolves conditional statuses for the card (ISO/IEC 9646-7 c.N) and explains them in the notes', async () => {
    const real = (await simcert('profile', 'ics', 'real.yaml')).out;
    // No supplementary domains: delegated management is not applicable; a reader: its name is optional.
    expect(row(real, 'ics.delegatedManagement')[2]).toBe('c.1 → n/a');
    expect(row(real, 'ixit.reader')[2]).toBe('c.3 → o');
    expect(real).toMatch(/^- c\.1: IF A\.3\/5 \(supplementary domains\) THEN o ELSE n\/a$/m);
    const emulated = (await simcert('profile', 'ics', 'emulated.yaml')).out;
    expect(row(emulated, 'ics.delegatedManagement')[2]).toBe('c.1 → o');
    expect(row(emulated, 'ixit.reader')[2]).toBe('c.3 → n/a');
  });

  it('names every mandatory claim the card lacks in the global statement of conformance', async () => {
    const real = (await simcert('profile', 'ics', 'real.yaml')).out;
    const statement = real.slice(real.indexOf('## Global statement'), real.indexOf('## ICS'));
    expect(statement).toContain('A.2/1 (ics.rsa2048) is mandatory and the card does not claim it');
    expect(statement).toContain('A.4/1 (ics.araM) is mandatory and the card does not claim it');
    expect(statement).toMatch(/o\.2: at least one of key injection and on-card key generation is supported, and the card claims none of A\.2\/5 \(ics\.keyInjection\), A\.2\/6 \(ics\.onCardKeyGeneration\)/);
    const emulated = (await simcert('profile', 'ics', 'emulated.yaml')).out;
    expect(emulated).toContain('Every mandatory capability is claimed');
  });

  it('never prints a secret: env and inline secrets show where they come from', async () => {
    const real = await simcert('profile', 'ics', 'real.yaml');
    const emulated = await simcert('profile', 'ics', 'emulated.yaml', '--format', 'html');
    expect(row(real.out, 'ixit.jpki.pin')[3]).toBe('secret (from env T_PIN)');
    expect(row(real.out, 'ixit.gp.keys')[3]).toBe('secret (from env T_KEYS)');
    expect(emulated.out).toContain('test value (inline; emulated or test card only)');
    for (const s of [ENV_PIN, ENV_KEYS, INLINE_KEYS, INLINE_SIGNING]) {
      expect(real.out + real.err).not.toContain(s);
      expect(emulated.out + emulated.err).not.toContain(s);
    }
  });

  it('states a real card\'s ICS without its secrets at hand (env variables unset)', async () => {
    delete process.env.T_PIN;
    delete process.env.T_KEYS;
    try {
      const r = await simcert('profile', 'ics', 'real.yaml');
      expect(r.code, r.err).toBe(0);
      expect(row(r.out, 'ixit.jpki.pin')[3]).toBe('secret (from env T_PIN)');
    } finally {
      process.env.T_PIN = ENV_PIN;
      process.env.T_KEYS = ENV_KEYS;
    }
  });

  it('writes HTML that an HTML parser reads without complaint, with the same rows and the references linked', async () => {
    const r2 = await simcert('profile', 'ics', 'real.yaml', '--format', 'html', '--out', 'real.html');
    expect(r2.code).toBe(0);
    const { stderr } = await exec('xmllint', ['--html', '--noout', join(dir, 'real.html')]);
    expect(stderr).toBe('');
    const text = await readFile(join(dir, 'real.html'), 'utf8');
    expect(text).toMatch(/<tr id="A\.2\/1">\s*<td class="item">A\.2\/1<code>ics\.rsa2048<\/code><\/td>/);
    expect(text).toContain('<a href="https://www.rfc-editor.org/rfc/rfc8017">RFC8017 8.2 RSASSA-PKCS1-v1_5</a>');
  });

  it('refuses a bad profile with file:line:column and exit 2, writing nothing', async () => {
    const r = await simcert('profile', 'ics', 'bad.yaml', '--out', 'bad.md');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:3:16: ics\.ecP256: /);
    expect(r.err).toMatch(/fix the profile before stating its ICS/);
    await expect(readFile(join(dir, 'bad.md'))).rejects.toThrow(/ENOENT/);
  });
});
