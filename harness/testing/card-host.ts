// npm test's global setup: one simulator JVM (lab/cardsim CardHost, listening on a loopback port) for every card the
// run's processes open: the test workers, and the `simcert run`s they start, whose suites' workers inherit its name
// (CARD_HOST_ENV). Each of those processes pays for a connection instead of a JVM's start and warm-up (measured:
// about 0.25 CPU-s for a JVM that serves one card), and the RSA arithmetic of on-card key generation and signing, most
// of the simulators' CPU, runs compiled once for the whole run, by the server compiler: a JVM per test file stops at
// the client compiler, whose code is slower but cheaper to make for a short life (harness/sim/launch.ts).
// Each process still has a session of its own: its card IDs, and its cards taken out when it lets go or dies. A test
// about a simulator process itself removes the name from its environment and gets a JVM of its own.
// Beside it, one JVM for the run's calls of javac and javap (lab/cardsim's JdkToolServer, named in JDK_TOOLS_ENV;
// harness/sim/jdk-tools.ts says what it saves).
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { buildLab } from '../sim/build.ts';
import { JDK_TOOL_SERVER_MAIN, JDK_TOOLS_ENV, jdkToolServer, type JdkToolServer } from '../sim/jdk-tools.ts';
import { exitOf, lineAfter, outputLines, stopProcess } from '../sim/java-process.ts';
import { CARD_HOST_ENV, CARD_HOST_MAIN, runWideHost, type RunWideHost } from '../sim/launch.ts';

/** Server compiler on: the host lives for the whole run. The serial collector: its heap stays small. */
const HOST_JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:-UsePerfData'];

export default async function setup(): Promise<() => Promise<void>> {
  try {
    return await startRunWide();
  } catch (err) {
    throw withPlainStack(err);
  }
}

/**
 * The error with its stack given as its message alone. vitest prints a global setup's error from its main process,
 * where vite's module runner maps stack frames to sources; for a module it loaded from vitest's module cache
 * (experimental.fsModuleCache) that mapping throws "code.charCodeAt is not a function" (vite 7, vitest 4.1.12), and
 * that was all `npm test` printed for a missing JDK or a simulator that does not compile. A stack that is set is
 * never mapped.
 */
function withPlainStack(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const plain = new Error(message);
  plain.stack = `Error: ${message}`;
  return plain;
}

async function startRunWide(): Promise<() => Promise<void>> {
  const lab = await buildLab();
  // A vitest started by a test of this run (the fixtures of the stall watch and of the assertion rule) uses the
  // run's host and tool server, which it inherits, rather than starting its own for a file that opens no card.
  const [hostNamed, toolsNamed] = await Promise.all([reachable(runWideHostPort(lab.cardsimClasses)), reachable(jdkToolServer()?.port)]);
  const started: ChildProcess[] = [];
  if (!hostNamed || !toolsNamed) {
    const [hostStart, toolsStart] = await Promise.allSettled([
      hostNamed ? undefined : startListeningHost(lab.cardsimClasses),
      toolsNamed ? undefined : startListening(lab.cardsimClasses, JDK_TOOL_SERVER_MAIN, [], 'jdktools', 'the test run\'s JDK tool server'),
    ]);
    const host = hostStart.status === 'fulfilled' ? hostStart.value : undefined;
    const tools = toolsStart.status === 'fulfilled' ? toolsStart.value : undefined;
    const failed = [hostStart, toolsStart].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // The one that did start is not left running behind a run that cannot begin.
      await Promise.all([host?.child, tools?.child].filter((c): c is ChildProcess => c !== undefined).map(stop));
      throw failed.reason;
    }
    if (host) {
      started.push(host.child);
      process.env[CARD_HOST_ENV] = JSON.stringify({ port: host.port, pid: host.child.pid!, classes: lab.cardsimClasses } satisfies RunWideHost);
    }
    if (tools) {
      started.push(tools.child);
      process.env[JDK_TOOLS_ENV] = JSON.stringify({ port: tools.port, pid: tools.child.pid!, cwd: process.cwd() } satisfies JdkToolServer);
    }
  }
  return async () => {
    if (!hostNamed) delete process.env[CARD_HOST_ENV];
    if (!toolsNamed) delete process.env[JDK_TOOLS_ENV];
    await Promise.all(started.map(stop));
  };
}

/** The JVMs here read no input: SIGTERM at once. */
const stop = (child: ChildProcess): Promise<void> => stopProcess(child, 0);

/** Starts `CardHost --listen` on the simulator classes in `classes`; resolves once it says which port it took. */
export function startListeningHost(classes: string): Promise<{ child: ChildProcess; port: number }> {
  return startListening(classes, CARD_HOST_MAIN, ['--listen'], 'cardhost', 'the test run\'s card host');
}

/** Starts a JVM that prints "<banner>: listening on PORT" once it takes connections on a loopback port. */
async function startListening(classes: string, main: string, args: string[], banner: string, what: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('java', [...HOST_JVM_OPTIONS, '-cp', classes, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A card host's cards' lines go to the sessions that asked for them; what comes here is the JVM's own.
  const lines = outputLines(child.stdout!, child.stderr!);
  const exited = exitOf(child, lines, what, (how) => `${what} exited (${how}) before it listened`);
  try {
    const port = await Promise.race([lineAfter(lines, `${banner}: listening on `, 30_000, what), exited.then((e) => Promise.reject(e))]);
    return { child, port: Number(port) };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

/** The port of the run-wide card host the environment names for these simulator classes, if any. */
function runWideHostPort(classes: string): number | undefined {
  try {
    return runWideHost(classes)?.port;
  } catch {
    return undefined; // not a host's name: a new one replaces it
  }
}

/** Whether something takes a connection on this loopback port now. */
async function reachable(port: number | undefined): Promise<boolean> {
  if (port === undefined) return false;
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
