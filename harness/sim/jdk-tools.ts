// The JDK's javac and javap as the harness runs them (building the lab, checking applets against the Java Card
// subset): a process each, or, under npm test, a call to the run's JdkToolServer (lab/cardsim, tools), one JVM for
// every call of the run, started by npm test's global setup (harness/testing/card-host.ts) and named in
// SIMCERT_JDK_TOOLS. A javac of its own costs a JVM's start and compiling javac's own code again: about 2.5 CPU-s for
// the JPKI applet, against 0.35-0.6 in a JVM that compiled it before (measured with ToolProvider on two cores).
// The answer is the same either way: the same tool of the same JDK, with the same arguments.
import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const JDK_TOOL_SERVER_MAIN = 'org.simcert.cardsim.tools.JdkToolServer';

/** Where a test run's JdkToolServer listens, as JSON: { port, pid, cwd } (cwd: the folder its relative paths are from). */
export const JDK_TOOLS_ENV = 'SIMCERT_JDK_TOOLS';

export interface JdkToolServer {
  port: number;
  pid: number;
  cwd: string;
}

export type JdkTool = 'javac' | 'javap';

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** A tool's failure, shaped as execFile's: `code` is the exit code (or 'ENOENT' when the tool is not installed). */
export interface ToolFailure extends Error {
  code?: number | string;
  stdout?: string;
  stderr?: string;
}

/** Runs the tool; resolves with its output when it exits 0, rejects with a ToolFailure otherwise. */
export async function runJdkTool(tool: JdkTool, args: string[], opts: { maxBuffer?: number } = {}): Promise<ToolOutput> {
  const server = jdkToolServer();
  // One argument per line, an empty line at the end: an argument the lines cannot carry goes to a process.
  if (server && server.cwd === process.cwd() && args.every((a) => a !== '' && !/[\r\n]/.test(a))) {
    const answer = await callServer(server.port, tool, args);
    if (answer) {
      if (answer.code === 0) return { stdout: answer.stdout, stderr: answer.stderr };
      throw Object.assign(new Error(`${tool} exited ${answer.code}:\n${answer.stderr}`), answer) as ToolFailure;
    }
  }
  return run(tool, args, { maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024 });
}

/** The tool server the environment names, if any. */
export function jdkToolServer(): JdkToolServer | undefined {
  const named = process.env[JDK_TOOLS_ENV];
  if (!named) return undefined;
  try {
    const s = JSON.parse(named) as JdkToolServer;
    return Number.isInteger(s.port) && typeof s.cwd === 'string' ? s : undefined;
  } catch {
    return undefined; // not a server's name: the tools run as processes
  }
}

/**
 * One call: the request as JdkToolServer reads it, then its answer, "exit CODE OUT ERR" and the bytes. Undefined when
 * the server cannot be reached or the connection fails (the tool then runs as a process: running it again is
 * harmless, it writes the same files); an answer that is not one is an error.
 */
function callServer(port: number, tool: JdkTool, args: string[]): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let failed = false;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', () => {
      failed = true;
      resolve(undefined);
    });
    socket.once('connect', () => socket.end(`${[tool, ...args].join('\n')}\n\n`));
    socket.once('close', () => {
      if (failed) return;
      const all = Buffer.concat(chunks);
      const eol = all.indexOf(0x0a);
      const m = /^exit (-?\d+) (\d+) (\d+)$/.exec(all.subarray(0, Math.max(eol, 0)).toString('ascii'));
      if (eol < 0 || !m || all.length !== eol + 1 + Number(m[2]) + Number(m[3])) {
        reject(new Error(`the JDK tool server's answer to ${tool} is not "exit CODE OUT ERR" and its bytes`));
        return;
      }
      const out = eol + 1 + Number(m[2]);
      resolve({ code: Number(m[1]), stdout: all.subarray(eol + 1, out).toString('utf8'), stderr: all.subarray(out).toString('utf8') });
    });
  });
}
