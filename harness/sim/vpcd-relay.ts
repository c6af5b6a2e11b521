// Passes vpcd frames between a virtual card (the simulator, which dials like vsmartcard's vicc) and a vpcd reader
// that dials in (vpcd in reversed mode). It exists so that `simcert sim serve --reader vpcd` can put the card where
// such a reader reaches it and, when asked, record the command APDUs clients send, as seen at the card, with PINs,
// keys and cryptograms masked (apdu-trace.ts). Into pcscd's own vpcd reader the card goes itself, with a tap.
// Frame format: harness/transport/vpcd.ts (2-byte big-endian length + payload; a 1-byte payload is a control).
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, VPCD_POWER_OFF } from '../transport/vpcd.ts';
import { answerLine, commandLine, type TraceSink } from './apdu-trace.ts';

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
      if (lastWasApdu) trace(commandLine(f));
    }
  };
  const onCardData = (chunk: Buffer): void => {
    reader.write(chunk);
    if (!trace) return;
    for (const f of fromCard.push(chunk)) {
      if (!lastWasApdu) continue; // the ATR, answering a control
      lastWasApdu = false;
      trace(answerLine(f));
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
