// `simcert sim serve`: one emulated card, installed and personalized by its profile's route, left standing in a
// reader where a lab's own clients reach it (OpenSC, GlobalPlatformPro, pySim, a phone app's host test). Those
// clients are the project's independent oracles, so the card must be exactly what the suites certify, reached
// through the real PC/SC stack: the simulator is provisioned over the harness's own vpcd link, then moved (state
// kept) into pcscd's vpcd reader, or into a port of its own that a vpcd reader dials in reversed mode.
// Everything it starts it stops; it refuses real-card profiles before anything starts.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import { checkAtr } from '../card/open-card.ts';
import { loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { missingJdkCommand } from '../run/preflight.ts';
import { knownSuites } from '../run/suites.ts';
import { listReaders, type ReaderInfo } from '../transport/pcsc.ts';
import { startSimulator, type RunningSimulator } from './launch.ts';
import { provisionEmulatedCard, type Provisioned } from './provision-emulated.ts';
import { readTap } from './apdu-trace.ts';
import { acceptOne, listenOn, portOf, relay, type Relay } from './vpcd-relay.ts';

/** vsmartcard's default vpcd port (0x8C7B), where Debian's vpcd driver puts its first reader. */
export const VPCD_DEFAULT_PORT = 35963;

/** Where Debian's opensc-pkcs11 puts the PKCS#11 module (a multiarch path), or other distributions' usual places. */
export function openscPkcs11Module(): string {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch as string] ?? `${process.arch}-linux-gnu`;
  const candidates = [`/usr/lib/${multiarch}/opensc-pkcs11.so`, '/usr/lib64/opensc-pkcs11.so', '/usr/lib/opensc-pkcs11.so'];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Refused before anything starts; `exitCode` 2 for the user's input, 3 for the machine. */
export class ServeRefusal extends Error {
  constructor(message: string, readonly exitCode: 2 | 3) {
    super(message);
  }
}

/** The operator interrupted before the card was ready; everything started so far has been stopped. */
export class ServeInterrupted extends Error {}

export interface ServeOptions {
  profile: string;
  /**
   * pcscd: into pcscd's vpcd reader at host:port; vpcd: listen on host:port for a vpcd reader that dials in;
   * absent: pcscd when pcscd answers with readers, else vpcd.
   */
  reader?: 'pcscd' | 'vpcd';
  host?: string;
  port?: number;
  /** File that gets one line per command APDU clients send (masked) and the status word of each answer. */
  trace?: string;
  /** Aborting before the card is ready stops everything and rejects with ServeInterrupted. */
  signal?: AbortSignal;
}

export interface ServedCard {
  profile: Profile;
  /** Where clients find the card: the PC/SC reader name, or the port a vpcd reader dials. */
  reader: string;
  atr: Uint8Array;
  provisioned: Provisioned;
  /** What to print for the operator (test PINs of the emulated card included). */
  summary: string[];
  /** Resolves if the card stops being served by itself (the simulator ended, pcscd closed the reader). */
  lost: Promise<string>;
  stop(): Promise<void>;
}

/** Checks the profile and the machine; nothing is started. */
export async function checkServable(file: string): Promise<Profile> {
  let profile: Profile;
  try {
    profile = await loadProfile(file, { knownSuites: await knownSuites() });
  } catch (err) {
    throw new ServeRefusal((err as Error).message, 2);
  }
  if (!profile.card.emulated || !profile.sim) {
    throw new ServeRefusal(`${file} describes a real card (card.emulated: ${profile.card.emulated}${profile.sim ? '' : ', no sim section'}): sim serve stands up emulated cards only; point your clients at the real card's reader instead`, 2);
  }
  // Found on PATH without starting them, as `simcert run` checks (a JVM start each, and javac's is the dearer).
  if ((await missingJdkCommand()) !== undefined) throw new ServeRefusal('sim serve runs the bundled card simulator and needs a JDK 17 (java and javac on PATH): apt-get install openjdk-17-jdk-headless', 3);
  return profile;
}

/** Stops what was started, last first; failures while stopping do not hide the first error. */
class Started {
  private readonly stops: (() => Promise<void> | void)[] = [];
  add(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }
  async stopAll(): Promise<void> {
    for (const s of this.stops.splice(0).reverse()) await Promise.resolve().then(s).catch(() => undefined);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function pcscReaders(): ReaderInfo[] {
  try {
    return listReaders();
  } catch (err) {
    throw new ServeRefusal(`${(err as Error).message} (or serve on a port of its own: --reader vpcd)`, 3);
  }
}

/**
 * Waits for a reader that held no card before to show one: the one pcscd's vpcd put ours in. (A reader pcscd had
 * not listed yet, just after it started, counts as empty before.)
 */
async function readerThatGotTheCard(presentBefore: Set<string>, atr: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal?.aborted) {
    const got = pcscReaders().filter((r) => !presentBefore.has(r.name) && r.card === 'present');
    const ours = got.find((r) => r.atr && hex(r.atr) === hex(atr)) ?? got[0];
    if (ours) return ours.name;
    await new Promise((res) => setTimeout(res, 100));
  }
  if (signal?.aborted) throw new ServeInterrupted('interrupted');
  throw new ServeRefusal(`pcscd showed the card in none of its empty readers within ${timeoutMs} ms (does its vpcd reader on this port already hold a card?)`, 3);
}

/**
 * Whether something listens on TCP `port`, read from /proc/net/tcp{,6} (state 0A) without connecting: to pcscd's
 * vpcd a connection is a card insertion. Undefined where /proc cannot tell (not Linux).
 */
function listeningOn(port: number): boolean | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let seen = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    seen = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') return true;
    }
  }
  return seen ? false : undefined;
}

/** pcscd when it answers with at least one reader (its vpcd driver's), else a vpcd port of the card's own. */
function pickReader(): 'pcscd' | 'vpcd' {
  try {
    return listReaders().length > 0 ? 'pcscd' : 'vpcd';
  } catch {
    return 'vpcd';
  }
}

/** Starts, provisions and inserts the card; see the module comment. */
export async function serveCard(options: ServeOptions): Promise<ServedCard> {
  const profile = await checkServable(options.profile);
  const opts = { ...options, reader: options.reader ?? pickReader() };
  const sim = profile.sim!;
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? VPCD_DEFAULT_PORT;
  const started = new Started();
  const interrupted = (): void => {
    if (opts.signal?.aborted) throw new ServeInterrupted('interrupted before the card was ready');
  };
  const trace = opts.trace;
  if (trace) writeFileSync(trace, `# simcert sim serve: command APDUs at the card, data of PIN, key and secure-messaging commands masked\n`);
  const traceLine = trace ? (line: string): void => appendFileSync(trace, `${line}\n`) : undefined;
  try {
    // The reader side first: a busy port or an absent pcscd is found before the simulator starts.
    let readerServer: Server | undefined;
    let presentBefore = new Set<string>();
    if (opts.reader === 'vpcd') {
      try {
        readerServer = await listenOn(host, port, 'the port a vpcd reader dials to reach the card');
      } catch (err) {
        throw new ServeRefusal((err as Error).message, 3);
      }
      const s = readerServer;
      started.add(() => closeServer(s));
    } else {
      presentBefore = new Set(pcscReaders().filter((r) => r.card === 'present').map((r) => r.name));
      if (listeningOn(port) === false) {
        throw new ServeRefusal(`pcscd answers, but no vpcd reader listens on port ${port}: is Debian's vsmartcard-vpcd installed (bash lab/pcsc/pcscd.sh install), or is the reader on another --port?`, 3);
      }
    }
    interrupted();

    const { timeouts } = profile.ixit;
    const simulator: RunningSimulator = await startSimulator(sim, { connectTimeoutMs: timeouts.connectMs, apduTimeoutMs: timeouts.apduMs });
    started.add(() => simulator.stop());
    await simulator.transport.connect();
    checkAtr(profile, simulator.transport.atr);
    const atr = simulator.transport.atr;
    const session = new CardSession(simulator.transport, { extendedLength: profile.ics.extendedLength });
    interrupted();
    const provisioned = await provisionEmulatedCard(session, profile);
    interrupted();

    let readerName: string;
    let lost: Promise<string>;
    if (opts.reader === 'pcscd') {
      // The card goes into pcscd's reader itself (state kept): its socket acknowledges each frame at once, which a
      // relay here could not do (lab/cardsim QuickAck: about 40 ms per APDU otherwise). It copies what it exchanges
      // to a tap of ours, from which the trace is written; the tap closes when the card leaves the reader.
      const tapServer = await listenOn('127.0.0.1', 0, 'the card\'s APDU tap');
      started.add(() => closeServer(tapServer));
      const tapConnects = acceptOne(tapServer, timeouts.connectMs, 'the simulator');
      await simulator.moveTo(host, port, tapConnects, portOf(tapServer));
      const tap = await tapConnects;
      started.add(() => {
        tap.destroy();
      });
      const left = readTap(tap, traceLine);
      readerName = await readerThatGotTheCard(presentBefore, atr, timeouts.connectMs, opts.signal);
      const name = readerName;
      lost = left.then(() => `the card left pcscd's vpcd reader ${name} (the reader closed its connection, or the simulator ended)`);
    } else {
      // Move the card (state kept) into the relay, which joins it to each reader that dials in.
      const cardServer = await listenOn('127.0.0.1', 0, 'the relay to the card');
      started.add(() => closeServer(cardServer));
      const cardConnects = acceptOne(cardServer, timeouts.connectMs, 'the simulator');
      await simulator.moveTo('127.0.0.1', portOf(cardServer), cardConnects);
      const card: Socket = await cardConnects;
      started.add(() => {
        card.destroy();
      });
      const cardGone = new Promise<string>((resolve) => card.once('close', () => resolve('the simulator left its reader')));
      let current: Relay | undefined;
      started.add(() => current?.close());
      readerName = `vpcd port ${host}:${port} (for a vpcd reader that dials the card)`;
      const server = readerServer!;
      // Readers that dial in come and go; the card waits, powered off, for the next one.
      let stopped = false;
      started.add(() => {
        stopped = true;
      });
      const serveReaders = async (): Promise<string> => {
        for (;;) {
          const socket = await Promise.race([acceptOne(server, 0, 'a vpcd reader'), cardGone]);
          if (typeof socket === 'string') return socket;
          if (stopped) {
            socket.destroy();
            return 'stopped';
          }
          current = relay(card, socket, { keepCard: true, ...(traceLine ? { trace: traceLine } : {}) });
          const why = await Promise.race([current.ended, cardGone]);
          if (why === 'the simulator left its reader') return why;
        }
      };
      lost = serveReaders();
    }
    interrupted();
    const summary = describe(profile, readerName, atr, provisioned, opts);
    return { profile, reader: readerName, atr, provisioned, summary, lost, stop: () => started.stopAll() };
  } catch (err) {
    await started.stopAll();
    throw err;
  }
}

function describe(profile: Profile, reader: string, atr: Uint8Array, p: Provisioned, opts: ServeOptions & { reader: 'pcscd' | 'vpcd' }): string[] {
  const sim = profile.sim!;
  const jp = profile.ixit.jpki;
  const isd = sim.isd ?? {};
  const installed = { 'create-applet': 'installed by CREATE APPLET', gp: 'installed by GlobalPlatform LOAD + INSTALL', none: 'pre-installed' }[p.installedBy];
  const others = sim.applets.filter((a) => a.aid.toUpperCase() !== jp.aid.toUpperCase());
  const r = opts.reader === 'pcscd' ? `--reader "${reader}" ` : '';
  const lines = [
    `The emulated card "${profile.name}" is ready.`,
    `  reader        ${reader}`,
    `  ATR           ${hex(atr, ' ')}`,
    `  JPKI AP       ${jp.aid} (${installed}${p.personalized ? ', personalized with the test fixture' : ', not personalized'})`,
    ...others.map((a) => p.araM && a.aid.toUpperCase() === p.araM.aid
      ? `  ARA-M         ${a.aid} (installed by CREATE APPLET, ${p.araM.rules} access rules from sim.araM)`
      : `  applet class  ${a.class} (${a.aid}; loaded, not installed: CREATE APPLET installs it)`),
    `  GP ISD        ${isd.aid ?? 'A000000151000000'}, SCP${isd.scp ?? '03'}, key version ${(isd.kvn ?? 0x30).toString(16).toUpperCase().padStart(2, '0')}`,
    ...(p.pins
      ? [
        '  test PINs     (of this emulated card only)',
        `    user authentication PIN   ${p.pins.userAuth} (${p.pins.userAuthTries} tries)`,
        `    signing password          ${p.pins.signing} (${p.pins.signingTries} tries)`,
      ]
      : []),
  ];
  if (opts.trace) lines.push(`  APDU trace    ${opts.trace} (PIN, key and secure-messaging data masked)`);
  if (opts.reader === 'pcscd') {
    const p11 = `pkcs11-tool --module ${openscPkcs11Module()}`;
    const userPin = p.pins?.userAuth ?? 'PIN';
    lines.push(
      'Try (Debian opensc, openssl):',
      `  pkcs15-tool ${r}--list-certificates`,
      `  pkcs15-tool ${r}--list-pins`,
      `  pkcs15-tool ${r}--read-certificate 01 > auth.pem && openssl x509 -in auth.pem -pubkey -noout > auth-pub.pem`,
      `  ${p11} --list-slots`,
      `  printf abc > msg && ${p11} --token-label "JPKI (User Authentication PIN)" --login --pin ${userPin} --sign --mechanism SHA256-RSA-PKCS --input-file msg --output-file sig`,
      '  openssl dgst -sha256 -verify auth-pub.pem -signature sig msg',
      `  ${p11} --token-label "JPKI (Digital Signature PIN)" --login --pin ${p.pins?.signing ?? 'PASSWORD'} --sign --mechanism SHA256-RSA-PKCS --input-file msg --output-file sig2`,
    );
  } else {
    lines.push(`A vpcd reader in reversed mode reaches it: reader.conf DEVICENAME ${opts.host ?? '127.0.0.1'}:0x${(opts.port ?? VPCD_DEFAULT_PORT).toString(16).toUpperCase()} with LIBPATH libifdvpcd.so.`);
  }
  lines.push('Ctrl-C (or SIGTERM) takes the card out and stops the simulator.');
  return lines;
}
