// Released OpenSC (Debian's opensc and opensc-pkcs11, whose JPKI driver was written against real My Number cards)
// and openssl, against the card `simcert sim serve` stands in pcscd's vpcd reader: the independent client that
// tells whether our JPKI AP is one a lab's tools accept. Lists and reads certificates, signs under each PIN through
// PKCS#11 (verified by openssl), shows tries left after a wrong PIN, and checks the APDUs OpenSC sends, as seen at
// the card, against the golden ones in vectors/jpki/commands.json. Under CI=true it runs or fails, never skips.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { holdPcscd, pcscdUnavailable, type PcscdHold } from '../transport/pcscd-fixture.ts';
import { waitForCard } from '../transport/pcsc.ts';
import { openscPkcs11Module } from './serve.ts';

const OPENSC_PKCS11 = openscPkcs11Module();
const VECTORS = join(repoRoot, 'vectors', 'jpki');
const PROFILE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
const AUTH_TOKEN = 'JPKI (User Authentication PIN)';
const SIGNING_TOKEN = 'JPKI (Digital Signature PIN)';

interface Golden {
  commands: { name: string; apduHex: string }[];
  sequences: Record<'bind' | 'readCertificate01' | 'verifyUserAuthPin' | 'signUserAuth' | 'signSigning', { during: string; apdus: string[] }>;
}
const golden = JSON.parse(readFileSync(join(VECTORS, 'commands.json'), 'utf8')) as Golden;
const digestInfos = JSON.parse(readFileSync(join(VECTORS, 'digestinfo.json'), 'utf8')) as { id: string; messageHex: string; digestInfoHex: string }[];
const signatures = JSON.parse(readFileSync(join(VECTORS, 'signatures.json'), 'utf8')) as { entries: { digestInfoId: string; signatureHex: string }[] };
/** The one-block message "abc" (FIPS 180-2 B.1), its SHA-256 DigestInfo and the fixture key's signature over it. */
const abc = digestInfos.find((d) => d.id === 'fips180-2-abc-sha256')!;
const abcSignature = signatures.entries.find((s) => s.digestInfoId === abc.id)!.signatureHex;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool and gives back its exit code and output (a failing tool is a result, not an exception). */
function tool(cmd: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function missingTools(): Promise<string | undefined> {
  for (const t of ['pkcs15-tool', 'pkcs11-tool', 'openssl']) {
    const r = await tool('sh', ['-c', `command -v ${t}`]);
    if (r.code !== 0) return `${t} is not installed (apt-get install opensc opensc-pkcs11 openssl)`;
  }
  if (!existsSync(OPENSC_PKCS11)) return `${OPENSC_PKCS11} is missing (apt-get install opensc-pkcs11)`;
  return pcscdUnavailable();
}

const unavailable = await missingTools();
if (unavailable && process.env.CI === 'true') throw new Error(`CI must run the OpenSC tests, but: ${unavailable}`);

/** True when `needle` occurs in `haystack` as consecutive elements. */
function containsRun(haystack: string[], needle: string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((n, j) => haystack[i + j] === n)) return true;
  }
  return false;
}

function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error(`no PEM certificate in:\n${pem}`);
  return Uint8Array.from(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** "Tries left" of the PIN object `label` in `pkcs15-tool --list-pins` output. */
function triesLeft(listPins: string, label: string): number {
  const block = listPins.split(/\n(?=PIN \[)/).find((b) => b.startsWith(`PIN [${label}]`));
  const m = block ? /Tries left\s*:\s*(\d+)/.exec(block) : null;
  if (!m) throw new Error(`no "Tries left" for PIN [${label}] in:\n${listPins}`);
  return Number(m[1]);
}

describe.skipIf(unavailable !== undefined)(`Debian's OpenSC and openssl against simcert sim serve${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let hold: PcscdHold | undefined;
  let serve: ChildProcessWithoutNullStreams | undefined;
  let exit: Promise<number | null>;
  let out = '';
  let dir: string;
  let trace: string;
  let reader: string;
  let pin: string;
  let signingPin: string;

  /** The command APDUs the card received while `body` ran (masked as the trace writes them). */
  async function apdusDuring(body: () => Promise<void>): Promise<string[]> {
    const before = (await readFile(trace, 'utf8')).split('\n').length - 1;
    await body();
    return (await readFile(trace, 'utf8')).split('\n').slice(before).filter((l) => l.startsWith('> ')).map((l) => l.slice(2));
  }

  const pkcs15 = (...args: string[]): Promise<Ran> => tool('pkcs15-tool', ['--reader', reader, ...args]);
  const pkcs11 = (...args: string[]): Promise<Ran> => tool('pkcs11-tool', ['--module', OPENSC_PKCS11, ...args]);
  const file = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simcert-opensc-'));
    trace = file('apdus.txt');
    hold = await holdPcscd();
    serve = spawn(process.execPath, [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'sim', 'serve', '--profile', PROFILE, '--reader', 'pcscd', '--trace', trace],
      { cwd: repoRoot, stdio: 'pipe' });
    const child = serve;
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    exit = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ctrl-C (or SIGTERM)')) resolve();
      });
      void exit.then((code) => reject(new Error(`sim serve exited (${code}) before the card was ready:\n${out}\n${err}`)));
    });
    const field = (re: RegExp): string => {
      const m = re.exec(out);
      if (!m) throw new Error(`sim serve did not print ${re}:\n${out}`);
      return m[1]!;
    };
    reader = field(/^ {2}reader\s+(.+)$/m);
    pin = field(/user authentication PIN\s+(\S+) \(/);
    signingPin = field(/signing password\s+(\S+) \(/);
    await writeFile(file('abc.txt'), Buffer.from(abc.messageHex, 'hex'));
    await writeFile(file('abc-digestinfo.bin'), Buffer.from(abc.digestInfoHex, 'hex'));
    const pub = async (cert: string, out: string): Promise<void> => {
      const r = await tool('openssl', ['x509', '-inform', 'DER', '-in', cert, '-pubkey', '-noout', '-out', out]);
      if (r.code !== 0) throw new Error(`openssl x509 -pubkey ${cert}: ${r.stderr}`);
    };
    await pub(join(VECTORS, 'user-auth-cert.der'), file('user-auth-pub.pem'));
    await pub(join(VECTORS, 'signing-cert.der'), file('signing-pub.pem'));
  });

  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await exit;
    }
    await hold?.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds as released OpenSC does (both PINs\' tries left) and lists the four certificates', async () => {
    let r: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      r = await pkcs15('--list-certificates');
    });
    expect(r!.stderr).not.toContain('Unsupported card');
    expect(r!.code).toBe(0);
    for (const [label, path] of [['User Authentication Certificate', '000a'], ['Digital Signature Certificate', '0001'],
      ['User Authentication Certificate CA', '000b'], ['Digital Signature Certificate CA', '0002']]) {
      const block = r!.stdout.split(/\n\s*\n/).find((b) => b.startsWith(`X.509 Certificate [${label}]`));
      expect(block, `certificate "${label}" in:\n${r!.stdout}`).toMatch(new RegExp(`Path\\s*: ${path}\\n`));
    }
    expect(containsRun(apdus, golden.sequences.bind.apdus), `bind APDUs at the card:\n${apdus.join('\n')}`).toBe(true);
  });

  it('--read-certificate 01 gives the user-authentication certificate of vectors/jpki, byte for byte', async () => {
    let r: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      r = await pkcs15('--read-certificate', '01');
    });
    expect(r!.code).toBe(0);
    expect(hex(pemToDer(r!.stdout))).toBe(hex(new Uint8Array(readFileSync(join(VECTORS, 'user-auth-cert.der')))));
    expect(containsRun(apdus, golden.sequences.readCertificate01.apdus), apdus.join('\n')).toBe(true);
  });

  it('PKCS#11 RSA-PKCS under the user-authentication PIN: openssl verifies it, and it is the fixture key\'s signature', async () => {
    let r: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      r = await pkcs11('--token-label', AUTH_TOKEN, '--login', '--pin', pin, '--sign', '--mechanism', 'RSA-PKCS',
        '--input-file', file('abc-digestinfo.bin'), '--output-file', file('sig-rsa-pkcs.bin'));
    });
    expect(r!.code, r!.stderr).toBe(0);
    const v = await tool('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', file('user-auth-pub.pem'),
      '-in', file('abc-digestinfo.bin'), '-sigfile', file('sig-rsa-pkcs.bin')]);
    expect(v.stdout).toContain('Signature Verified Successfully');
    // PKCS#1 v1.5 is deterministic: the card's signature is the published one (vectors/jpki/signatures.json).
    expect(hex(new Uint8Array(await readFile(file('sig-rsa-pkcs.bin'))))).toBe(abcSignature.toUpperCase());
    expect(containsRun(apdus, golden.sequences.signUserAuth.apdus), apdus.join('\n')).toBe(true);
  });

  it('PKCS#11 SHA256-RSA-PKCS over "abc" under the user-authentication PIN: openssl dgst verifies it', async () => {
    let r: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      r = await pkcs11('--token-label', AUTH_TOKEN, '--login', '--pin', pin, '--sign', '--mechanism', 'SHA256-RSA-PKCS',
        '--input-file', file('abc.txt'), '--output-file', file('sig-sha256.bin'));
    });
    expect(r!.code, r!.stderr).toBe(0);
    const v = await tool('openssl', ['dgst', '-sha256', '-verify', file('user-auth-pub.pem'), '-signature', file('sig-sha256.bin'), file('abc.txt')]);
    expect(v.stdout.trim()).toBe('Verified OK');
    expect(containsRun(apdus, golden.sequences.signUserAuth.apdus), apdus.join('\n')).toBe(true);
  });

  it('one wrong PIN shows 2 tries left through OpenSC; the right PIN restores 3', async () => {
    const label = 'User Authentication PIN';
    // Never spend a try unless all three are there (a wrong PIN must never be the last one).
    expect(triesLeft((await pkcs15('--list-pins')).stdout, label)).toBe(3);
    let wrong: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      wrong = await pkcs15('--verify-pin', '--auth-id', '01', '--pin', pin === '0000' ? '9999' : '0000');
    });
    expect(wrong!.code).not.toBe(0);
    expect(wrong!.stdout + wrong!.stderr).toMatch(/PIN code or key incorrect/);
    expect(containsRun(apdus, golden.sequences.verifyUserAuthPin.apdus), apdus.join('\n')).toBe(true);
    expect(triesLeft((await pkcs15('--list-pins')).stdout, label)).toBe(2);
    expect((await pkcs15('--verify-pin', '--auth-id', '01', '--pin', pin)).code).toBe(0);
    expect(triesLeft((await pkcs15('--list-pins')).stdout, label)).toBe(3);
  });

  it('the signing key signs through its own token with the signing password; openssl verifies against the signing certificate', async () => {
    let r: Ran | undefined;
    const apdus = await apdusDuring(async () => {
      r = await pkcs11('--token-label', SIGNING_TOKEN, '--login', '--pin', signingPin, '--sign', '--mechanism', 'SHA256-RSA-PKCS',
        '--input-file', file('abc.txt'), '--output-file', file('sig-signing.bin'));
    });
    expect(r!.code, r!.stderr).toBe(0);
    const v = await tool('openssl', ['dgst', '-sha256', '-verify', file('signing-pub.pem'), '-signature', file('sig-signing.bin'), file('abc.txt')]);
    expect(v.stdout.trim()).toBe('Verified OK');
    // Not the user-authentication key: that key's signature over the same DigestInfo is the published one.
    expect(hex(new Uint8Array(await readFile(file('sig-signing.bin'))))).not.toBe(abcSignature.toUpperCase());
    expect(containsRun(apdus, golden.sequences.signSigning.apdus), apdus.join('\n')).toBe(true);
  });

  it('the trace never shows a PIN or the signing password', async () => {
    const text = await readFile(trace, 'utf8');
    for (const secret of [pin, signingPin]) {
      expect(text).not.toContain(hex(new TextEncoder().encode(secret)));
    }
    expect(text).toContain(`0020008004${'**'.repeat(4)}`);
  });

  it('a second sim serve aimed at a port where no vpcd reader listens refuses before starting (exit 3)', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    const r = await tool(process.execPath, [join(repoRoot, 'harness', 'cli', 'simcert.js'), 'sim', 'serve', '--profile', PROFILE, '--reader', 'pcscd', '--port', String(port)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no vpcd reader listens on port ${port}`);
  });

  it('SIGTERM takes the card out of the reader and sim serve exits 0', async () => {
    serve!.kill('SIGTERM');
    expect(await exit).toBe(0);
    // Throws unless pcscd sees the reader empty again.
    await waitForCard(reader, 'absent', 20_000);
  });
});
