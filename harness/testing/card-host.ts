// npm test's global setup: one simulator JVM (lab/cardsim CardHost, listening on a loopback port) for every card the
// run's processes open: the test workers, and the `simcert run`s they start, whose suites' workers inherit its name
// (CARD_HOST_ENV). Each of those processes pays for a connection instead of a JVM's start and warm-up (measured:
// about 0.25 CPU-s for a JVM that serves one card), and the RSA arithmetic of on-card key generation and signing, most
// of the simulators' CPU, runs compiled once for the whole run, by the server compiler: a JVM per test file stops at
// the client compiler, whose code is slower but cheaper to make for a short life (harness/sim/launch.ts).
// Each process still has a session of its own: its card IDs, and its cards taken out when it lets go or dies. A test
// about a simulator process itself removes the name from its environment and gets a JVM of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { buildLab } from '../sim/build.ts';
import { CARD_HOST_ENV, CARD_HOST_MAIN, runWideHost, type RunWideHost } from '../sim/launch.ts';

/** Server compiler on: the host lives for the whole run. The serial collector: its heap stays small. */
const HOST_JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:-UsePerfData'];

export default async function setup(): Promise<() => Promise<void>> {
  const lab = await buildLab();
  // A vitest started by a test of this run (the fixtures of the stall watch and of the assertion rule) uses the
  // run's host, which it inherits, rather than starting one of its own for a file that opens no card.
  if (await reachable(lab.cardsimClasses)) return async () => undefined;
  const { child, port } = await startListeningHost(lab.cardsimClasses);
  const host: RunWideHost = { port, pid: child.pid!, classes: lab.cardsimClasses };
  process.env[CARD_HOST_ENV] = JSON.stringify(host);
  return async () => {
    delete process.env[CARD_HOST_ENV];
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };
}

/** Starts `CardHost --listen` on the simulator classes in `classes`; resolves once it says which port it took. */
export async function startListeningHost(classes: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('java', [...HOST_JVM_OPTIONS, '-cp', classes, CARD_HOST_MAIN, '--listen'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test run's card host did not start listening within 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /^cardhost: listening on (\d+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    // Its cards' lines go to the sessions that asked for them; what is left here is the JVM's own.
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => reject(new Error(`cannot start the test run's card host: ${err.message}`)));
    child.on('exit', (code, signal) => reject(new Error(`the test run's card host exited (${signal ?? `code ${code}`}) before it listened:\n${output}`)));
  });
  return { child, port };
}

/** Whether the environment names a host for these simulator classes that takes a connection now. */
async function reachable(classes: string): Promise<boolean> {
  let host: RunWideHost | undefined;
  try {
    host = runWideHost(classes);
  } catch {
    return false; // not a host's name: a new one replaces it
  }
  if (!host) return false;
  const { port } = host;
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
