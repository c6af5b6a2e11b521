// `simcert sim serve` as a lab runs it, through the CLI: what it refuses before anything starts (exit 2 for the
// user's input, 3 for the machine), Ctrl-C before the card is ready (exit 130), and the card standing on a vpcd port
// of its own, reached by a reader that dials in (no pcscd needed), then stopped by SIGTERM (exit 0).
// The pcscd route, with OpenSC as the client, is harness/sim/opensc.test.ts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { freePort } from '../testing/free-port.ts';
import { VpcdTransport } from '../transport/vpcd.ts';

const CLI = join(repoRoot, 'harness', 'cli', 'simcert.js');
const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');

interface Child {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  /** Resolves once `text` has appeared on stdout or stderr. */
  waitFor(text: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(process.execPath, [CLI, 'sim', 'serve', ...args], { cwd: repoRoot, env, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (out.includes(w.text) || err.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    check();
  });
  proc.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    check();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    out: () => out,
    err: () => err,
    exit,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        void exit.then(({ code }) => reject(new Error(`sim serve exited (${code}) before printing "${text}":\n${out}\n${err}`)));
      }),
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-serve-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simcert sim serve refuses before anything starts', () => {
  it('a profile with an error: exit 2, file:line:column and the field', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `extends: ${REFERENCE}\nics:\n  t1: perhaps\n`);
    const c = serve(['--profile', bad]);
    expect((await c.exit).code).toBe(2);
    expect(c.err()).toMatch(/bad\.yaml:3:\d+/);
    expect(c.err()).toContain('t1');
  });

  it('a real card\'s profile: exit 2, and says it serves emulated cards only', async () => {
    // The example real-card profile, valid: each secret it reads from the environment is set, as in a lab.
    const file = join(repoRoot, 'profiles', 'examples', 'real-card.yaml');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const m of (await readFile(file, 'utf8')).matchAll(/\benv:\s*([A-Z0-9_]+)/g)) env[m[1]!] = 'A'.repeat(32);
    env.SIMCERT_JPKI_PIN = '1234';
    const c = serve(['--profile', file], env);
    expect((await c.exit).code).toBe(2);
    expect(c.err()).toMatch(/real card .*emulated cards only/);
  });

  it('no JDK on PATH: exit 3, and says what to install', async () => {
    const c = serve(['--profile', REFERENCE], { ...process.env, PATH: dir });
    expect((await c.exit).code).toBe(3);
    expect(c.err()).toMatch(/needs a JDK 17.*openjdk-17/);
  });

  it('its vpcd port already taken: exit 3, naming the port', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const c = serve(['--profile', REFERENCE, '--reader', 'vpcd', '--port', String(port)]);
      expect((await c.exit).code).toBe(3);
      expect(c.err()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('a port that is not one: exit 2', async () => {
    const c = serve(['--profile', REFERENCE, '--reader', 'vpcd', '--port', '70000']);
    expect((await c.exit).code).toBe(2);
  });
});

describe('simcert sim serve on a vpcd port of its own', () => {
  it('Ctrl-C before the card is ready: exit 130, and the port is free again', async () => {
    const port = await freePort();
    const c = serve(['--profile', REFERENCE, '--reader', 'vpcd', '--port', String(port)]);
    await c.waitFor('starting the simulator');
    c.proc.kill('SIGINT');
    expect((await c.exit).code).toBe(130);
    expect(c.out()).not.toContain('is ready');
    // Everything it started was stopped: its listening port can be taken again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => again.close(() => r()));
  });

  it('a reader that dials in finds the personalized JPKI AP; SIGTERM stops it with exit 0', async () => {
    const port = await freePort();
    const c = serve(['--profile', REFERENCE, '--reader', 'vpcd', '--port', String(port)]);
    await c.waitFor('Ctrl-C (or SIGTERM)');
    expect(c.out()).toContain(`vpcd port 127.0.0.1:${port}`);
    expect(c.out()).toMatch(/user authentication PIN\s+1234 \(3 tries\)/);
    expect(c.out()).toMatch(/signing password\s+\S+ \(5 tries\)/);

    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.setNoDelay(true);
    const reader = new VpcdTransport(socket, `vpcd reader dialing 127.0.0.1:${port}`);
    await reader.connect();
    expect(hex(reader.atr)).toBe('3BFA1800008131FE454A434F5033315632333298');
    const sw = (r: Uint8Array): string => hex(r.subarray(r.length - 2));
    expect(sw(await reader.transmit(Uint8Array.from(Buffer.from('00A4040C0AD392F000260100000001', 'hex'))))).toBe('9000');
    // Personalized: the user-authentication certificate is there, and the PIN has all its tries (bare VERIFY).
    expect(sw(await reader.transmit(Uint8Array.from(Buffer.from('00A4020C02000A', 'hex'))))).toBe('9000');
    const header = await reader.transmit(Uint8Array.from(Buffer.from('00B0000004', 'hex')));
    expect(hex(header)).toBe('308203F09000');
    expect(sw(await reader.transmit(Uint8Array.from(Buffer.from('00A4020C020018', 'hex'))))).toBe('9000');
    expect(sw(await reader.transmit(Uint8Array.from(Buffer.from('00200080', 'hex'))))).toBe('63C3');
    // The profile's ARA-M is installed too (sim.araM), as the carrier ships the card.
    expect(c.out()).toMatch(/ARA-M\s+A00000015141434C00 \(installed by CREATE APPLET, 2 access rules/);
    expect(sw(await reader.transmit(Uint8Array.from(Buffer.from('00A4040009A00000015141434C00', 'hex'))))).toBe('9000');
    await reader.close();

    c.proc.kill('SIGTERM');
    expect((await c.exit).code).toBe(0);
    expect(c.out()).toContain('Stopping: taking the card out');
  });
});
