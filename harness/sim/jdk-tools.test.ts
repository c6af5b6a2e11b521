// javac and javap through the run's JdkToolServer (jdk-tools.ts): class files javap reads, the same exit code and
// error for a bad source as javac run as a process, the request as the server reads it, and a process instead when
// no server is named or the one named is gone.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../testing/free-port.ts';
import { JDK_TOOLS_ENV, jdkToolServer, runJdkTool, type ToolFailure } from './jdk-tools.ts';

const run = promisify(execFile);
const named = process.env[JDK_TOOLS_ENV];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-jdk-tools-'));
  await writeFile(join(dir, 'Hello.java'), 'public class Hello { static int twice(int x) { return 2 * x; } }\n');
  await writeFile(join(dir, 'Broken.java'), 'public class Broken { int f() { return "no"; } }\n');
});

afterEach(() => {
  if (named === undefined) delete process.env[JDK_TOOLS_ENV];
  else process.env[JDK_TOOLS_ENV] = named;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in server that keeps the request it got and sends back `answer`. */
async function fakeServer(answer: Buffer): Promise<{ server: Server; port: number; request: Promise<string> }> {
  let got: (r: string) => void = () => undefined;
  const request = new Promise<string>((resolve) => (got = resolve));
  const server = createServer((s) => {
    let text = '';
    s.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.endsWith('\n\n')) {
        got(text);
        s.end(answer);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, request };
}

describe('javac and javap through the run\'s JDK tool server', () => {
  it('npm test names a server (its global setup, harness/testing/card-host.ts)', () => {
    expect(jdkToolServer()).toMatchObject({ cwd: process.cwd() });
  });

  it('compiles a class file, which javap then reads', async () => {
    await runJdkTool('javac', ['--release', '8', '-Xlint:-options', '-d', join(dir, 'served'), join(dir, 'Hello.java')]);
    const served = await readFile(join(dir, 'served', 'Hello.class'));
    expect(served.subarray(0, 4).toString('hex')).toBe('cafebabe');
    // Class file version 52: Java 8, as --release 8 asks.
    expect(served.readUInt16BE(6)).toBe(52);
    const { stdout } = await runJdkTool('javap', ['-p', join(dir, 'served', 'Hello.class')]);
    expect(stdout).toContain('static int twice(int);');
  });

  it('fails a bad source as javac does: exit 1, the error on standard error', async () => {
    const args = ['-d', join(dir, 'broken'), join(dir, 'Broken.java')];
    const served = (await runJdkTool('javac', args).then(() => undefined, (e: unknown) => e)) as ToolFailure;
    const spawned = (await run('javac', args).then(() => undefined, (e: unknown) => e)) as ToolFailure;
    expect(served.code).toBe(1);
    expect(spawned.code).toBe(1);
    expect(served.stderr).toMatch(/Broken\.java:1: error: incompatible types: String cannot be converted to int/);
    expect(served.stderr).toBe(spawned.stderr);
  });

  it('sends the tool and its arguments one per line, ending with an empty line, and reads "exit CODE OUT ERR" and the bytes', async () => {
    const fake = await fakeServer(Buffer.from('exit 0 6 4\njavap!warn'));
    try {
      process.env[JDK_TOOLS_ENV] = JSON.stringify({ port: fake.port, pid: 0, cwd: process.cwd() });
      expect(await runJdkTool('javap', ['-v', 'some dir/A.class'])).toEqual({ stdout: 'javap!', stderr: 'warn' });
      expect(await fake.request).toBe('javap\n-v\nsome dir/A.class\n\n');
    } finally {
      fake.server.close();
    }
  });

  it('takes an answer that is not one for an error, not for the tool\'s output', async () => {
    const fake = await fakeServer(Buffer.from('exit 0 60 0\ntoo short'));
    try {
      process.env[JDK_TOOLS_ENV] = JSON.stringify({ port: fake.port, pid: 0, cwd: process.cwd() });
      await expect(runJdkTool('javap', ['-version'])).rejects.toThrow(/answer to javap is not "exit CODE OUT ERR" and its bytes/);
    } finally {
      fake.server.close();
    }
  });

  it('runs the tool as a process when the server named is gone, or none is named', async () => {
    process.env[JDK_TOOLS_ENV] = JSON.stringify({ port: await freePort(), pid: 0, cwd: process.cwd() });
    expect((await runJdkTool('javap', ['-version'])).stdout).toMatch(/^\d+/);
    delete process.env[JDK_TOOLS_ENV];
    expect((await runJdkTool('javap', ['-version'])).stdout).toMatch(/^\d+/);
  });
});
