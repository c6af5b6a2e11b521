// Starts the bundled Java Card simulator for an emulated profile and hands back the vpcd transport it connected
// to. The simulator gets a jCardSim-format config file, so jCardSim's VSmartCard could be started the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Profile } from '../profile/types.ts';
import { VpcdListener, type VpcdTransport } from '../transport/vpcd.ts';
import { buildLab } from './build.ts';
import { exitOf, lineAfter, outputLines, stopProcess, type OutputLines } from './java-process.ts';

export type SimSettings = NonNullable<Profile['sim']>;

export const SIMULATOR_MAIN = 'org.simcert.cardsim.VSmartCard';

/**
 * JVM options for the simulator (and for anything measured beside it, such as bench/sim-overhead.ts's echo server).
 * A card session is short and mostly waits on the socket: the client compiler alone (no C2) and the serial
 * collector halve the JVM's CPU per card (measured: 8.2 to 3.6 CPU-s for one variant's six suites), which a rack of
 * cards on two cores feels directly (issue 20).
 */
export const SIMULATOR_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:CICompilerCount=1', '-XX:-UsePerfData'];

/** The jCardSim-compatible properties the simulator reads (our own keys carry the simcert.cardsim prefix). */
export function simulatorConfig(sim: SimSettings, host: string, port: number): string {
  const lines = [
    '# written by simcert for one run; jCardSim keys plus simcert.cardsim.* variant knobs',
    `com.licel.jcardsim.card.ATR=${sim.atr}`,
    `com.licel.jcardsim.vsmartcard.host=${host}`,
    `com.licel.jcardsim.vsmartcard.port=${port}`,
    `simcert.cardsim.protocol=${sim.protocol}`,
    `simcert.cardsim.extendedLength=${sim.extendedLength}`,
    `simcert.cardsim.apduBufferSize=${sim.apduBufferSize}`,
    `simcert.cardsim.logicalChannels=${sim.logicalChannels}`,
  ];
  if (sim.iccid) lines.push(`simcert.cardsim.iccid=${sim.iccid}`);
  const isd = sim.isd ?? {};
  if (isd.aid) lines.push(`simcert.cardsim.isd.aid=${isd.aid}`);
  if (isd.scp) lines.push(`simcert.cardsim.isd.scp=${isd.scp}`);
  if (isd.scp02CardChallenge) lines.push(`simcert.cardsim.isd.scp02CardChallenge=${isd.scp02CardChallenge}`);
  if (isd.s16) lines.push('simcert.cardsim.isd.s16=true');
  if (isd.sequenceCounter !== undefined) lines.push(`simcert.cardsim.isd.sequenceCounter=${isd.sequenceCounter}`);
  if (isd.enc) lines.push(`simcert.cardsim.isd.enc=${isd.enc}`);
  if (isd.mac) lines.push(`simcert.cardsim.isd.mac=${isd.mac}`);
  if (isd.dek) lines.push(`simcert.cardsim.isd.dek=${isd.dek}`);
  if (isd.kvn !== undefined) lines.push(`simcert.cardsim.isd.kvn=${isd.kvn.toString(16)}`);
  if (isd.maxAuthFailures !== undefined) lines.push(`simcert.cardsim.isd.maxAuthFailures=${isd.maxAuthFailures}`);
  if (isd.defaultSelected !== undefined) lines.push(`simcert.cardsim.isd.defaultSelected=${isd.defaultSelected}`);
  if (isd.cplc) lines.push(`simcert.cardsim.cplc=${isd.cplc}`);
  // OTA (lab/cardsim .../ota/OtaSettings): the card's SCP80 key sets and TARs.
  sim.ota?.keysets.forEach((k, i) => {
    const at = `simcert.cardsim.ota.keyset.${i}`;
    lines.push(`${at}.domain=${k.domain}`, `${at}.kvn=${k.kvn}`, `${at}.kic=${k.kic.algorithm}:${k.kic.key}`,
      `${at}.kid=${k.kid.algorithm}:${k.kid.key}`, `${at}.counter=${k.counter ?? 0}`);
  });
  sim.ota?.tars.forEach((t, i) => {
    lines.push(`simcert.cardsim.ota.tar.${i}.tar=${t.tar}`, `simcert.cardsim.ota.tar.${i}.domain=${t.domain}`,
      `simcert.cardsim.ota.tar.${i}.msl=${t.minimumSecurityLevel}`);
  });
  if (sim.faults?.hostile) lines.push(`simcert.cardsim.hostile=${sim.faults.hostile}`, `simcert.cardsim.hostileAfter=${sim.faults.hostileAfter ?? 0}`);
  if (sim.faults?.hostileCommand) lines.push(`simcert.cardsim.hostileCommand=${sim.faults.hostileCommand}`);
  if (sim.faults?.skipCmacCheck) lines.push('simcert.cardsim.isd.skipCmacCheck=true');
  if (sim.faults?.skipHostCryptogramCheck) lines.push('simcert.cardsim.isd.skipHostCryptogramCheck=true');
  if (sim.faults?.randomCardChallenge) lines.push('simcert.cardsim.isd.randomCardChallenge=true');
  if (sim.faults?.skipDapCheck) lines.push('simcert.cardsim.skipDapCheck=true');
  if (sim.faults?.skipTokenCheck) lines.push('simcert.cardsim.skipTokenCheck=true');
  if (sim.faults?.tearAtWrite) lines.push(`simcert.cardsim.tearAtWrite=${sim.faults.tearAtWrite}`);
  if (sim.faults?.removeAfterApdus) lines.push(`simcert.cardsim.removeAfterApdus=${sim.faults.removeAfterApdus}`);
  const cm = sim.contentManagement;
  // The card's secure content management keys (GPCS C.1), as the simulator's ContentSecurity reads them: public
  // keys as X.509 SubjectPublicKeyInfo DER in hex.
  for (const d of cm?.dapKeys ?? []) lines.push(`simcert.cardsim.dap.${d.sd.toUpperCase()}=${spkiHex(d.publicKey)}`);
  if (cm?.tokenKey) lines.push(`simcert.cardsim.isd.tokenKey=${spkiHex(cm.tokenKey)}`);
  if (cm?.receiptKey) lines.push(`simcert.cardsim.isd.receiptKey=${cm.receiptKey}`);
  if (sim.persistentMemory !== undefined) lines.push(`simcert.cardsim.persistentMemory=${sim.persistentMemory}`);
  if (sim.ec === false) lines.push('simcert.cardsim.ec=false');
  if (sim.rsa === false) lines.push('simcert.cardsim.rsa=false');
  if (sim.ecP256 === false) lines.push('simcert.cardsim.ecP256=false');
  if (sim.keyGeneration === false) lines.push('simcert.cardsim.keyGeneration=false');
  if (sim.globalPlatform === false) lines.push('simcert.cardsim.globalPlatform=false');
  const tm = sim.timingModel;
  if (tm) {
    if (tm.seed !== undefined) lines.push(`simcert.cardsim.timing.seed=${tm.seed}`);
    for (const op of ['keygen', 'sign'] as const) {
      const d = tm[op];
      if (d) lines.push(`simcert.cardsim.timing.${op}=${d.distribution},${d.medianMs},${d.cv ?? 0}`);
    }
  }
  sim.applets.forEach((a, i) => {
    lines.push(`com.licel.jcardsim.card.applet.${i}.AID=${a.aid}`, `com.licel.jcardsim.card.applet.${i}.Class=${a.class}`);
  });
  return `${lines.join('\n')}\n`;
}

/** A PEM public key file as the hex of its SubjectPublicKeyInfo DER. */
function spkiHex(pemFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(pemFile, 'utf8');
  } catch (err) {
    throw new SimulatorError(`sim.contentManagement: cannot read public key file ${pemFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex').toUpperCase();
}

export class SimulatorError extends Error {}

export interface RunningSimulator {
  /** The harness's own vpcd reader the card is in (the card connected to the harness). */
  transport: VpcdTransport;
  /** The simulator's process id: the cards a process opens share one (shareSimulators). */
  readonly pid: number | undefined;
  /**
   * Pulls the card out of its reader and inserts it into a fresh vpcd reader of the harness, persistent state
   * kept (a handset swap); returns the new reader's transport, not yet powered.
   */
  moveToNewReader(): Promise<VpcdTransport>;
  /**
   * Pulls the card out of the harness's reader and inserts it into the vpcd reader at host:port that someone else
   * runs (pcscd's vpcd driver, a relay), persistent state kept. The harness's own reader is closed once `arrived`
   * resolves (the new reader saw the card connect): closing it earlier would end the simulator, as a removal does.
   * With `tapPort`, the card also copies the APDUs of its stay there to that loopback port (apdu-trace.ts readTap).
   */
  moveTo(host: string, port: number, arrived: Promise<unknown>, tapPort?: number): Promise<void>;
  /** Fault injection: the power is cut at the n-th persistent write from now (lab/cardsim/README.md). */
  tearAtWrite(n: number): Promise<void>;
  /**
   * Test hook: a digest of the card's persistent state (lab/cardsim CardRuntime.stateImage: domains' keys,
   * counters and registry, content memory, applets' persistent objects) as "SHA256HEX LENGTH". Equal digests
   * before and after a command sequence show that it changed nothing persistent. Call it while no APDU is in flight.
   */
  stateImage(): Promise<string>;
  /**
   * Takes the card out (closing the socket is a card removal). A simulator process of its own exits; in a process
   * that shares one JVM for its cards (shareSimulators), the card alone ends.
   */
  stop(): Promise<void>;
}

/** A simulator inserted into readers the harness does not own (pcscd's vpcd driver). */
export interface AttachedSimulator {
  /** Moves the card to the vpcd reader at host:port, persistent state kept. */
  moveTo(host: string, port: number): Promise<void>;
  stop(): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<Error>;
  /** Its standard output and error, line by line. */
  lines: OutputLines;
  cleanup(): Promise<void>;
}

/** The simulator's class path: its own classes and the codebases of the profile's applets, as built now. */
async function classpathFor(sim: SimSettings): Promise<string[]> {
  const lab = await buildLab();
  const classpath = [lab.cardsimClasses];
  for (const a of sim.applets) {
    const dir = lab.applets[a.codebase];
    if (!dir) throw new SimulatorError(`applet codebase "${a.codebase}" not found under lab/applets (have: ${Object.keys(lab.applets).join(', ')})`);
    if (!classpath.includes(dir)) classpath.push(dir);
  }
  return classpath;
}

/** Simulators started in a process group of their own (detachSimulators), until they exit. */
let detaching = false;
const detached = new Set<ChildProcess>();

/**
 * From now on, a simulator this process starts runs in a process group of its own, so a terminal's Ctrl-C (SIGINT to
 * the whole foreground group) reaches simcert alone, which finishes the APDU in flight and then stops the simulator
 * itself (`simcert bench`: the sample being timed is not lost). One still running when this process exits (a second
 * Ctrl-C) is killed then: nothing else would end it, and one inserted into pcscd's reader would stay there.
 */
export function detachSimulators(): void {
  if (detaching) return;
  detaching = true;
  process.on('exit', () => {
    for (const child of detached) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
}

async function spawnSimulator(sim: SimSettings, classpath: string[], host: string, port: number): Promise<Spawned> {
  const dir = await mkdtemp(join(tmpdir(), 'simcert-sim-'));
  const cfg = join(dir, 'card.cfg');
  await writeFile(cfg, simulatorConfig(sim, host, port));

  // stdin carries `move HOST PORT` lines (lab/cardsim/README.md); stdout/stderr are kept for error messages.
  const child = spawn('java', [...SIMULATOR_JVM_OPTIONS, '-cp', classpath.join(delimiter), SIMULATOR_MAIN, cfg], { stdio: ['pipe', 'pipe', 'pipe'], detached: detaching });
  if (detaching && child.pid !== undefined) {
    detached.add(child);
    child.once('exit', () => detached.delete(child));
  }
  child.stdin.on('error', () => undefined); // EPIPE after exit is reported through `exited`
  const lines = outputLines(child.stdout, child.stderr);
  const exited = exitOf(child, lines, 'the simulator', (how) => `the simulator exited (${how}) before a card connected`);
  return { child, exited, lines, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function sendControl(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!child.stdin || child.exitCode !== null) {
      reject(new SimulatorError('the simulator is no longer running'));
      return;
    }
    child.stdin.write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * One JVM for the cards a process opens (lab/cardsim CardHost): each card a runtime, configuration and applet class
 * loader of its own on a thread of its own, so a process that opens many cards (a worker running a rack's cards side
 * by side, a test file) pays for one JVM's start and warm-up, not one per card (issue 20). Only a process that says
 * so shares (the test workers' setup file, which stops the JVM when a file ends): the JVM is then still its child
 * when it exits, so its CPU counts in what the process measures (harness/bench/host-cpu.ts), and a command that opens
 * one card never leaves a JVM behind. The JVM holds no reference on the event loop; a card's transport does.
 *
 * A test run may go further and start one CardHost for all its processes (harness/testing/card-host.ts, npm test's
 * global setup): it names it in CARD_HOST_ENV, and a sharing process whose simulator classes are that host's opens
 * its cards there, over a connection of its own (a session: the host takes its cards out when it closes).
 */
interface CardHostLink {
  /** Sends one command line to the host. */
  send(line: string): Promise<void>;
  /** The host's lines for this process, line by line (each card's lines start with its tag). */
  lines: OutputLines;
  /** Resolves with why the host can no longer be reached (its process exited, or the connection closed). */
  exited: Promise<Error>;
  readonly pid: number | undefined;
  /** Lets go: a JVM of this process's own is stopped; a connection to a run-wide host is closed. */
  close(): Promise<void>;
  nextId: number;
}

export const CARD_HOST_MAIN = 'org.simcert.cardsim.CardHost';

/** Where a test run's CardHost listens, as JSON: { port, pid, classes } (classes: its simulator classes' folder). */
export const CARD_HOST_ENV = 'SIMCERT_CARD_HOST';

export interface RunWideHost {
  port: number;
  pid: number;
  classes: string;
}

/** The links to shared JVMs, one per build of the simulator's classes. */
const hosts = new Map<string, Promise<CardHostLink>>();
let sharing = false;

/** From now on, cards this process opens in its own readers share one JVM (see stopSharedSimulators). */
export function shareSimulators(): void {
  sharing = true;
}

/** Ends the shared JVMs, or this process's session on a run-wide host (a test file's end). */
export async function stopSharedSimulators(): Promise<void> {
  const all = [...hosts.values()];
  hosts.clear();
  await Promise.all(all.map(async (h) => (await h.catch(() => undefined))?.close()));
}

function cardHost(cardsimClasses: string): Promise<CardHostLink> {
  const known = hosts.get(cardsimClasses);
  if (known) return known;
  const runWide = runWideHost(cardsimClasses);
  const link = runWide ? connectHost(runWide) : Promise.resolve(spawnHost(cardsimClasses));
  hosts.set(cardsimClasses, link);
  // A host that could not be reached, or is gone, is not asked again: the next card makes or reaches a new one.
  const forget = (): void => {
    if (hosts.get(cardsimClasses) === link) hosts.delete(cardsimClasses);
  };
  void link.then((l) => l.exited.then(forget), forget);
  return link;
}

/** The run-wide host named in the environment, when it runs these simulator classes. */
export function runWideHost(cardsimClasses: string): RunWideHost | undefined {
  const named = process.env[CARD_HOST_ENV];
  if (!named) return undefined;
  let host: RunWideHost;
  try {
    host = JSON.parse(named) as RunWideHost;
  } catch {
    throw new SimulatorError(`${CARD_HOST_ENV} is not the JSON a test run's card host is named by: ${named}`);
  }
  return host.classes === cardsimClasses ? host : undefined;
}

function spawnHost(cardsimClasses: string): CardHostLink {
  const child = spawn('java', [...SIMULATOR_JVM_OPTIONS, '-cp', cardsimClasses, CARD_HOST_MAIN], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin!.on('error', () => undefined); // EPIPE after exit is reported through `exited`
  const lines = outputLines(child.stderr!);
  for (const s of [child.stdin, child.stderr] as (Socket | null)[]) s?.unref();
  child.unref();
  return {
    send: (line) => sendControl(child, line),
    lines,
    exited: exitOf(child, lines, 'the simulator', (how) => `the simulator's JVM exited (${how})`),
    pid: child.pid,
    close: async () => {
      child.stdin?.end();
      await stopProcess(child);
    },
    nextId: 1,
  };
}

/** A session of this process's own on a run-wide host; rejects when nothing answers on its port. */
async function connectHost(host: RunWideHost): Promise<CardHostLink> {
  const socket = createConnection({ host: '127.0.0.1', port: host.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (err) => reject(new SimulatorError(`cannot reach the test run's card host on port ${host.port} (${CARD_HOST_ENV}): ${err.message}`)));
  });
  socket.unref();
  const lines = outputLines(socket);
  const exited = new Promise<Error>((resolve) => {
    socket.on('error', () => undefined); // the close that follows says it
    socket.on('close', () => resolve(new SimulatorError(`the test run's card host (pid ${host.pid}) closed this process's session:\n${lines.recent.join('\n').trim()}`)));
  });
  return {
    send: (line) => new Promise((resolve, reject) => {
      if (socket.destroyed) {
        reject(new SimulatorError("the test run's card host is no longer reachable"));
        return;
      }
      socket.write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
    }),
    lines,
    exited,
    pid: host.pid,
    close: async () => {
      socket.end();
      await exited;
    },
    nextId: 1,
  };
}

/** A card in the process's shared JVM, in the harness's reader at `listener`. */
async function startHostedCard(sim: SimSettings, classpath: string[], listener: VpcdListener, opts: { connectTimeoutMs: number; apduTimeoutMs: number }): Promise<RunningSimulator> {
  let card: CardControl;
  try {
    card = await makeHostedCard(sim, classpath, listener.host, listener.port);
  } catch (err) {
    await listener.close().catch(() => undefined); // a run-wide host that cannot be reached: no card, no reader
    throw err;
  }
  let transport: VpcdTransport;
  try {
    transport = await listener.accept(opts.connectTimeoutMs, card.gone);
  } catch (err) {
    await card.end();
    await listener.close().catch(() => undefined);
    throw err;
  }
  return runningCard(transport, listener, opts, card);
}

/** Makes a card in the process's shared JVM (a run-wide host, or one of its own), going into the vpcd reader at host:port. */
async function makeHostedCard(sim: SimSettings, classpath: string[], readerHost: string, readerPort: number): Promise<CardControl> {
  const [cardsimClasses, ...applets] = classpath;
  const host = await cardHost(cardsimClasses!);
  const id = String(host.nextId++);
  const tag = `cardsim[${id}]: `;
  const dir = await mkdtemp(join(tmpdir(), 'simcert-sim-'));
  const cfg = join(dir, 'card.cfg');
  await writeFile(cfg, simulatorConfig(sim, readerHost, readerPort));
  // The card's end: its serving ended, it could not be made, or the JVM is gone.
  let out = false;
  const ended = new Promise<Error>((resolve) => {
    const onLine = (line: string): void => {
      if (line === `${tag}out` || line.startsWith(`${tag}failed: `)) {
        out = true;
        host.lines.listeners.delete(onLine);
        resolve(new SimulatorError(line.startsWith(`${tag}failed: `) ? `the simulator could not make the card: ${line.slice(tag.length + 8)}` : 'the simulated card left its reader'));
      }
    };
    host.lines.listeners.add(onLine);
    void host.exited.then((e) => {
      out = true;
      host.lines.listeners.delete(onLine);
      resolve(e);
    });
  });
  const end = async (): Promise<void> => {
    // A card whose reader closed is out on its own; one in a reader or waiting for one (torn) is taken out.
    if (!out) {
      const gone = Promise.race([ended, new Promise((r) => setTimeout(r, 5_000).unref())]);
      await host.send(`${id} end`).catch(() => undefined);
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await host.send(`card ${id} ${cfg}${applets.length > 0 ? ` ${applets.join(delimiter)}` : ''}`);
  } catch (err) {
    await end();
    throw err;
  }
  return {
    pid: host.pid,
    send: (line) => host.send(`${id} ${line}`),
    gone: ended,
    lineAfter: (text, timeoutMs) => lineAfter(host.lines, tag + text, timeoutMs, 'the simulator'),
    end,
  };
}

/** How the harness reaches one simulated card, whichever process serves it. */
interface CardControl {
  pid: number | undefined;
  /** Sends one of VSmartCard's control lines about this card (`move HOST PORT`, `tear N`, `image`). */
  send(line: string): Promise<void>;
  /** Resolves, with the reason, when the card is gone (its process exited, or its serving ended). */
  gone: Promise<Error>;
  /** The rest of this card's first line that starts with `text` (after its tag), from now on. */
  lineAfter(text: string, timeoutMs: number): Promise<string>;
  /** Ends the card once its reader is closed, and whatever was made for it. */
  end(): Promise<void>;
}

/** The card in the harness's reader at `listener`, as the callers of startSimulator use it. */
function runningCard(transport: VpcdTransport, listener: VpcdListener, opts: { connectTimeoutMs: number; apduTimeoutMs: number }, card: CardControl): RunningSimulator {
  transport.timeoutMs = opts.apduTimeoutMs;
  const running: RunningSimulator = {
    transport,
    pid: card.pid,
    moveToNewReader: async () => {
      const next = await VpcdListener.listen({ host: '127.0.0.1', port: 0 });
      await card.send(`move ${next.host} ${next.port}`);
      let t: VpcdTransport;
      try {
        t = await next.accept(opts.connectTimeoutMs, card.gone);
      } catch (err) {
        await next.close();
        throw err;
      }
      t.timeoutMs = opts.apduTimeoutMs;
      await running.transport.close().catch(() => undefined);
      await listener.close().catch(() => undefined);
      listener = next;
      running.transport = t;
      return t;
    },
    moveTo: async (host, port, arrived, tapPort) => {
      await card.send(`move ${host} ${port}${tapPort === undefined ? '' : ` ${tapPort}`}`);
      await Promise.race([arrived, card.gone.then((e) => Promise.reject(e))]);
      await running.transport.close().catch(() => undefined);
      await listener.close().catch(() => undefined);
    },
    tearAtWrite: async (n) => {
      // The harness sends the commands the tear is meant for only once the card says it is armed.
      const armed = card.lineAfter(`tear armed at write ${n}`, 10_000);
      await card.send(`tear ${n}`);
      await armed;
    },
    stateImage: async () => {
      const line = card.lineAfter('state image ', 10_000);
      await card.send('image');
      return line;
    },
    stop: async () => {
      await running.transport.close();
      await listener.close().catch(() => undefined);
      await card.end();
    },
  };
  return running;
}

/** Starts the simulator and waits for it to connect to a vpcd reader of the harness's own. */
export async function startSimulator(sim: SimSettings, opts: {
  connectTimeoutMs: number;
  apduTimeoutMs: number;
  /** Where the harness listens for the card, as it would for jCardSim (ixit.vpcd); default a free loopback port. */
  listen?: { host: string; port: number };
}): Promise<RunningSimulator> {
  // Before the listener opens: a missing applet codebase then leaves nothing to close.
  const classpath = await classpathFor(sim);
  const listener = await VpcdListener.listen(opts.listen ?? { host: '127.0.0.1', port: 0 });
  // A fixed listening address is jCardSim's way in: a card started there is always a process of its own.
  if (sharing && !opts.listen) return startHostedCard(sim, classpath, listener, opts);
  let spawned: Spawned;
  try {
    spawned = await spawnSimulator(sim, classpath, listener.host, listener.port);
  } catch (err) {
    await listener.close();
    throw err;
  }
  let transport: VpcdTransport;
  try {
    transport = await listener.accept(opts.connectTimeoutMs, spawned.exited);
  } catch (err) {
    spawned.child.kill('SIGKILL');
    await listener.close().catch(() => undefined);
    await spawned.cleanup();
    throw err;
  }
  return runningCard(transport, listener, opts, processCard(spawned));
}

/** The card of a simulator process of its own: control lines on its standard input; its end, the process's. */
function processCard(spawned: Spawned): CardControl {
  const { child } = spawned;
  return {
    pid: child.pid,
    send: (line) => sendControl(child, line),
    gone: spawned.exited,
    lineAfter: (text, timeoutMs) => lineAfter(spawned.lines, `cardsim: ${text}`, timeoutMs, 'the simulator'),
    end: async () => {
      takeOut(child);
      await stopProcess(child);
      await spawned.cleanup();
    },
  };
}

/**
 * Starts the simulator inserted into a vpcd reader someone else runs (pcscd with Debian's vsmartcard-vpcd): the
 * harness then reaches the card through PC/SC like any real card. In a process that shares (shareSimulators) the card
 * is made in the shared JVM, as its other cards are; otherwise it is a process of its own.
 */
export async function attachSimulator(sim: SimSettings, host: string, port: number): Promise<AttachedSimulator> {
  const classpath = await classpathFor(sim);
  if (sharing) return attached(await makeHostedCard(sim, classpath, host, port));
  return attached(processCard(await spawnSimulator(sim, classpath, host, port)));
}

/** An attached card, whichever process serves it: it dials the reader itself; a move or an end is a control line. */
function attached(card: CardControl): AttachedSimulator {
  // A card that cannot reach the reader says so within its 10 s connect retry; report that, do not hang.
  let failure: Error | undefined;
  void card.gone.then((e) => {
    failure = e;
  });
  return {
    moveTo: async (h, p) => {
      if (failure) throw failure;
      await card.send(`move ${h} ${p}`);
    },
    stop: () => card.end(),
  };
}

/**
 * Takes a process's card out of whatever reader it is in (`end`) and closes its control input, so the process ends
 * now. Closing the input alone leaves a card in a reader it does not own (pcscd's) served until that reader closes.
 */
function takeOut(child: ChildProcess): void {
  if (child.stdin && !child.stdin.writableEnded) child.stdin.end('end\n');
}
