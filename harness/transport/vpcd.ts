// The vpcd side of vsmartcard's virtual-reader protocol: the harness listens, a virtual card (jCardSim's
// VSmartCard or lab/cardsim) connects. Frames are a 2-byte big-endian length and a payload; a 1-byte payload
// from us is a control (0 power off, 1 power on, 2 reset, 4 get ATR). Source: vsmartcard
// virtualsmartcard/src/vpcd/vpcd.c and jCardSim remote/VSmartCardTCPProtocol.java (protocol facts only).
import { createServer, type Server, type Socket } from 'node:net';
import { CardGoneError, CardTimeoutError, type ResetKind, type Transport } from './transport.ts';

export const VPCD_POWER_OFF = 0;
export const VPCD_POWER_ON = 1;
export const VPCD_RESET = 2;
export const VPCD_GET_ATR = 4;

/** Encodes one frame; callers write it with a single write() so a frame never waits on Nagle's algorithm. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > 0xffff) throw new RangeError(`vpcd frame payload of ${payload.length} bytes exceeds 65535`);
  const out = Buffer.allocUnsafe(payload.length + 2);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

/** Reassembles frames from a byte stream that TCP may split or join anywhere. */
export class FrameDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Uint8Array[] = [];
    while (this.buf.length >= 2) {
      const n = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + n) break;
      frames.push(Uint8Array.from(this.buf.subarray(2, 2 + n)));
      this.buf = this.buf.subarray(2 + n);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.buf.length;
  }
}

export interface VpcdListenOptions {
  host?: string;
  port?: number;
}

/** A listening vpcd endpoint; each accepted connection is one inserted card. */
export class VpcdListener {
  private constructor(
    private readonly server: Server,
    private readonly waiting: Socket[],
    private readonly waiters: ((s: Socket) => void)[],
  ) {}

  static async listen(opts: VpcdListenOptions = {}): Promise<VpcdListener> {
    const waiting: Socket[] = [];
    const waiters: ((s: Socket) => void)[] = [];
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      const w = waiters.shift();
      if (w) w(socket);
      else waiting.push(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`vpcd: port ${opts.port} on ${opts.host} is already in use (is pcscd's vpcd or another run listening?)`) : err));
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    return new VpcdListener(server, waiting, waiters);
  }

  get port(): number {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('vpcd listener has no TCP address');
    return addr.port;
  }

  get host(): string {
    const addr = this.server.address();
    return addr !== null && typeof addr !== 'string' ? addr.address : '127.0.0.1';
  }

  /** Waits for a card to connect. `abort` lets the caller stop waiting (e.g. the simulator process died). */
  accept(timeoutMs: number, abort?: Promise<Error>): Promise<VpcdTransport> {
    const ready = this.waiting.shift();
    if (ready) return Promise.resolve(new VpcdTransport(ready, `vpcd ${this.host}:${this.port}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(onSocket);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new CardTimeoutError(`no card connected to vpcd ${this.host}:${this.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onSocket = (s: Socket): void => {
        clearTimeout(timer);
        resolve(new VpcdTransport(s, `vpcd ${this.host}:${this.port}`));
      };
      this.waiters.push(onSocket);
      abort?.then((err) => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(onSocket);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(err);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.waiting.splice(0)) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One connected virtual card. Requests are strictly one at a time, as on a real reader. */
export class VpcdTransport implements Transport {
  atr: Uint8Array = new Uint8Array(0);
  private readonly decoder = new FrameDecoder();
  private readonly frames: Uint8Array[] = [];
  private pendingReply: { resolve: (f: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private gone: Error | undefined;
  private busy = false;
  timeoutMs = 30000;

  constructor(
    private readonly socket: Socket,
    readonly reader: string,
  ) {
    socket.on('data', (chunk) => {
      for (const f of this.decoder.push(chunk)) {
        const p = this.pendingReply;
        if (p) {
          this.pendingReply = undefined;
          p.resolve(f);
        } else {
          this.frames.push(f); // unsolicited; kept so a late answer is not mistaken for the next one
        }
      }
    });
    const onGone = (why: string) => (): void => {
      this.gone ??= new CardGoneError(`card on ${reader} went away (${why})`);
      const p = this.pendingReply;
      this.pendingReply = undefined;
      p?.reject(this.gone);
    };
    socket.on('close', onGone('connection closed'));
    socket.on('error', (e) => onGone(e.message)());
  }

  get connected(): boolean {
    return this.gone === undefined;
  }

  private send(payload: Uint8Array): void {
    if (this.gone) throw this.gone;
    this.socket.write(encodeFrame(payload));
  }

  private async request(payload: Uint8Array, what: string): Promise<Uint8Array> {
    if (this.busy) throw new Error('vpcd: concurrent requests on one card are not allowed');
    if (this.gone) throw this.gone;
    this.busy = true;
    try {
      this.frames.length = 0;
      const reply = new Promise<Uint8Array>((resolve, reject) => {
        this.pendingReply = { resolve, reject };
      });
      this.send(payload);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.pendingReply = undefined;
          // A card that went silent cannot be trusted to answer the next request in order: drop it.
          const err = new CardTimeoutError(`card on ${this.reader} did not answer ${what} within ${this.timeoutMs} ms`);
          this.gone ??= new CardGoneError(`card on ${this.reader} stopped answering (${what})`);
          this.socket.destroy();
          reject(err);
        }, this.timeoutMs);
      });
      try {
        return await Promise.race([reply, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.busy = false;
    }
  }

  async connect(): Promise<void> {
    this.send(Uint8Array.of(VPCD_POWER_ON));
    this.atr = await this.request(Uint8Array.of(VPCD_GET_ATR), 'GET ATR');
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (apdu.length <= 1) throw new RangeError('vpcd: an APDU must be longer than one byte (1-byte frames are controls)');
    return this.request(apdu, 'an APDU');
  }

  async reset(kind: ResetKind): Promise<Uint8Array> {
    if (kind === 'cold') {
      this.send(Uint8Array.of(VPCD_POWER_OFF));
      this.send(Uint8Array.of(VPCD_POWER_ON));
    } else {
      this.send(Uint8Array.of(VPCD_RESET));
    }
    this.atr = await this.request(Uint8Array.of(VPCD_GET_ATR), 'GET ATR');
    return this.atr;
  }

  async close(): Promise<void> {
    if (this.gone) return;
    try {
      this.send(Uint8Array.of(VPCD_POWER_OFF));
    } catch {
      // already gone: nothing to power off
    }
    this.gone = new CardGoneError(`card on ${this.reader} was released`);
    await new Promise<void>((resolve) => this.socket.end(() => resolve()));
    this.socket.destroy();
  }
}
