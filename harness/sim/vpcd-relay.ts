// Passes vpcd frames between a virtual card (the simulator, which dials like vsmartcard's vicc) and a vpcd reader
// (pcscd's vpcd driver, which listens; or a reader that dials in, as vpcd does for a card in reversed mode). It
// exists so that `simcert sim serve` can put the card where a lab's clients reach it and, when asked, record the
// command APDUs those clients send, as seen at the card, with PINs, keys and cryptograms masked.
// Frame format: harness/transport/vpcd.ts (2-byte big-endian length + payload; a 1-byte payload is a control).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { hex } from '../bytes.ts';
import { encodeFrame, FrameDecoder, VPCD_POWER_OFF } from '../transport/vpcd.ts';

export class RelayError extends Error {}

/** Listens on host:port; EADDRINUSE becomes a message that says what to do. */
export async function listenOn(host: string, port: number, role: string): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE'
        ? new RelayError(`port ${port} on ${host} is already in use (${role}): stop what listens there or pick another --port`)
        : err));
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new RelayError('the relay has no TCP address');
  return a.port;
}

/** The next connection to `server`, paused (nothing is read before the relay is in place). */
export function acceptOne(server: Server, timeoutMs: number, what: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        server.off('connection', onConnection);
        reject(new RelayError(`${what} did not connect to port ${portOf(server)} within ${timeoutMs} ms`));
      }, timeoutMs)
      : undefined;
    const onConnection = (s: Socket): void => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    };
    server.once('connection', onConnection);
  });
}

/** Dials a listening vpcd reader; a refusal says that nothing listens there. */
export function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.setNoDelay(true);
      s.pause();
      s.off('error', onError);
      resolve(s);
    });
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(err.code === 'ECONNREFUSED'
        ? new RelayError(`no vpcd reader listens on ${host}:${port}: start pcscd with the vpcd driver (bash lab/pcsc/pcscd.sh start) or serve on a port of its own (--reader vpcd)`)
        : new RelayError(`cannot reach the vpcd reader on ${host}:${port}: ${err.message}`));
    s.once('error', onError);
  });
}

/**
 * INS whose command data may be shown in a trace: SELECT, READ/UPDATE BINARY offsets have none, GET RESPONSE,
 * GET DATA, MANAGE SECURITY ENVIRONMENT, COMPUTE DIGITAL SIGNATURE (the hash or DigestInfo the client signs),
 * GENERATE ASYMMETRIC KEY PAIR. Every other command's data (VERIFY, CHANGE REFERENCE DATA, STORE DATA, PUT KEY,
 * INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, ...) is masked, and so is any command under secure messaging.
 */
const SHOWN_DATA_INS = new Set([0xa4, 0xb0, 0xc0, 0xca, 0xcb, 0x22, 0x2a, 0x46]);

/** ISO/IEC 7816-4 5.4.1: CLA b3 (first interindustry classes) or b6 (further ones) marks secure messaging. */
function secureMessaging(cla: number): boolean {
  if ((cla & 0x40) === 0) return (cla & 0x0c) !== 0;
  return (cla & 0x20) !== 0;
}

/**
 * One command APDU as a trace shows it: header and lengths kept, the data bytes replaced by `**` unless the
 * command is one whose data is public (SHOWN_DATA_INS) and not under secure messaging.
 */
export function maskCommand(apdu: Uint8Array): string {
  if (apdu.length <= 5) return hex(apdu);
  const cla = apdu[0]!;
  const ins = apdu[1]!;
  if (SHOWN_DATA_INS.has(ins) && !secureMessaging(cla)) return hex(apdu);
  // Short case 3/4: Lc at 4; extended: 00 then two bytes. Anything that does not parse is masked after the header.
  let dataStart = 5;
  let lc = apdu[4]!;
  if (lc === 0 && apdu.length > 7) {
    lc = (apdu[5]! << 8) | apdu[6]!;
    dataStart = 7;
  }
  const dataEnd = Math.min(apdu.length, dataStart + lc);
  return hex(apdu.subarray(0, dataStart)) + '**'.repeat(dataEnd - dataStart) + hex(apdu.subarray(dataEnd));
}

/** A line per command and answer: `> 00A4040C02...` then `< 9000 (256 bytes)`; answer data never shown. */
export type TraceSink = (line: string) => void;

export interface Relay {
  /** Resolves with why it ended: the card or the reader closed its side, or close() was called. */
  readonly ended: Promise<string>;
  close(): void;
}

export interface RelayOptions {
  /** Record each command APDU (masked) and the status word of its answer. */
  trace?: TraceSink;
  /**
   * When the reader goes, leave the card connected (powered off) for the next reader instead of removing it; for a
   * reader that dials in, which may come back.
   */
  keepCard?: boolean;
}

/**
 * Joins a card socket and a reader socket. Frames are forwarded as they are; frames from the reader that are not
 * controls are command APDUs, recorded (masked) to `trace` with the status word of the card's answer.
 */
export function relay(card: Socket, reader: Socket, opts: RelayOptions = {}): Relay {
  const { trace } = opts;
  const fromReader = new FrameDecoder();
  const fromCard = new FrameDecoder();
  let lastWasApdu = false;
  const onReaderData = (chunk: Buffer): void => {
    card.write(chunk);
    if (!trace) return;
    for (const f of fromReader.push(chunk)) {
      lastWasApdu = f.length > 1;
      if (lastWasApdu) trace(`> ${maskCommand(f)}`);
    }
  };
  const onCardData = (chunk: Buffer): void => {
    reader.write(chunk);
    if (!trace) return;
    for (const f of fromCard.push(chunk)) {
      if (!lastWasApdu) continue; // the ATR, answering a control
      lastWasApdu = false;
      const sw = f.length >= 2 ? hex(f.subarray(f.length - 2)) : `(${f.length}-byte answer, no status word)`;
      trace(`< ${sw}${f.length > 2 ? ` (${f.length - 2} bytes)` : ''}`);
    }
  };
  const ignore = (): void => undefined;
  let resolveEnded!: (why: string) => void;
  const ended = new Promise<string>((resolve) => {
    resolveEnded = resolve;
  });
  let done = false;
  const end = (why: string, cardGone: boolean): void => {
    if (done) return;
    done = true;
    reader.off('data', onReaderData);
    card.off('data', onCardData);
    card.off('close', onCardClose);
    reader.off('close', onReaderClose);
    reader.destroy();
    if (opts.keepCard && !cardGone) {
      card.pause();
      card.write(encodeFrame(Uint8Array.of(VPCD_POWER_OFF))); // the reader that powered it is gone
    } else {
      card.destroy();
    }
    resolveEnded(why);
  };
  const onCardClose = (): void => end('the card left its reader', true);
  const onReaderClose = (): void => end('the reader closed its connection', false);
  card.on('error', ignore);
  reader.on('error', ignore);
  card.once('close', onCardClose);
  reader.once('close', onReaderClose);
  reader.on('data', onReaderData);
  card.on('data', onCardData);
  card.resume();
  reader.resume();
  return { ended, close: () => end('stopped', false) };
}
