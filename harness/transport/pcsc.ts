// Real readers through pcsc-lite, via the `smartcard` N-API binding (an optional dependency: it needs
// libpcsclite-dev and a compiler at install time, so its absence must produce an actionable message, not a crash).
import { createRequire } from 'node:module';
import { atrProtocols } from './atr-protocols.ts';
import { CardGoneError, CardTimeoutError, type ResetKind, type Transport } from './transport.ts';

// The few parts of the binding this module uses, declared here so the harness type-checks without it installed.
interface PcscCard {
  readonly protocol: number;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number; autoGetResponse?: boolean }): Promise<Buffer>;
  disconnect(disposition?: number): void;
  reconnect(shareMode?: number, protocol?: number, initialization?: number): Promise<number>;
}
interface PcscReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<PcscCard>;
}
interface PcscContext {
  listReaders(): PcscReader[];
  close(): void;
}
interface Binding {
  Context: new () => PcscContext;
  SCARD_SHARE_SHARED: number;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  SCARD_UNPOWER_CARD: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_EMPTY: number;
  SCARD_STATE_MUTE: number;
  SCARD_STATE_INUSE: number;
  SCARD_STATE_EXCLUSIVE: number;
}

export class PcscUnavailableError extends Error {}

let binding: Binding | undefined;

/** Loads the binding or explains what to install. */
export function loadPcsc(): Binding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('smartcard') as Binding;
    return binding;
  } catch (err) {
    throw new PcscUnavailableError(
      'the pcsc transport needs the optional `smartcard` package, which is not installed or did not build ' +
        `(${(err as Error).message.split('\n')[0]}). Install pcsc-lite and a compiler, then reinstall: ` +
        'apt-get install -y libpcsclite-dev pcscd g++ make python3 && npm install',
    );
  }
}

function openContext(pcsc: Binding): PcscContext {
  try {
    return new pcsc.Context();
  } catch (err) {
    throw new PcscUnavailableError(
      `cannot reach the PC/SC service (${(err as Error).message}); is pcscd running? (Debian: apt-get install pcscd; pcscd -f &)`,
    );
  }
}

export interface ReaderInfo {
  name: string;
  card: 'present' | 'empty' | 'mute' | 'unknown';
  inUse: boolean;
  atr?: Uint8Array;
}

export function listReaders(): ReaderInfo[] {
  const pcsc = loadPcsc();
  const ctx = openContext(pcsc);
  try {
    return ctx.listReaders().map((r) => ({
      name: r.name,
      card: r.state & pcsc.SCARD_STATE_MUTE ? 'mute' : r.state & pcsc.SCARD_STATE_PRESENT ? 'present' : r.state & pcsc.SCARD_STATE_EMPTY ? 'empty' : 'unknown',
      inUse: (r.state & (pcsc.SCARD_STATE_INUSE | pcsc.SCARD_STATE_EXCLUSIVE)) !== 0,
      ...(r.atr && r.atr.length > 0 ? { atr: Uint8Array.from(r.atr) } : {}),
    }));
  } finally {
    ctx.close();
  }
}

export interface PcscOptions {
  /** Exact reader name, or a substring that matches exactly one reader. */
  reader: string;
  protocol: 'T=0' | 'T=1' | 'any';
  share?: 'shared' | 'exclusive';
  /**
   * Where the caller's demands come from (e.g. the profile lines that claim T=1 or extended length), named in the
   * error when the reader or card refuses them, so the user knows which claim to correct.
   */
  claims?: { protocol?: string; extendedLength?: string };
}

/** The reader or the card does not speak the protocol asked for (pcsc-lite: SCARD_E_PROTO_MISMATCH). */
export class ProtocolRefusedError extends Error {}

/** The reader refused to carry a command the card may well take (an extended-length APDU), the card still in it. */
export class ReaderRefusedError extends Error {}

/** An extended-length command APDU (ISO/IEC 7816-4 5.1): a zero byte where a short Lc/Le would be, then two bytes. */
function isExtended(apdu: Uint8Array): boolean {
  return apdu.length >= 7 && apdu[4] === 0;
}

/** Reader state for `simcert readers`: the listing plus the protocol pcsc-lite negotiates with the card. */
export interface ReaderStatus extends ReaderInfo {
  /** The protocol of a shared connection (the card left as it was), or why none was made. */
  protocol?: 'T=0' | 'T=1';
  protocolError?: string;
}

/** How long `simcert readers` waits for a card to take a connection (a power-up and ATR, no command). */
const READER_STATUS_CONNECT_MS = 10_000;

/**
 * Lists the readers and, for each present card not held exclusively by someone else, connects in shared mode with
 * T=0 or T=1 allowed to read the negotiated protocol, then leaves the card as it was (no reset, no APDU). A card
 * that does not take the connection within READER_STATUS_CONNECT_MS is listed with that as its protocol error.
 */
export async function readerStatus(): Promise<ReaderStatus[]> {
  const out: ReaderStatus[] = [];
  for (const r of listReaders()) {
    if (r.card !== 'present' || r.inUse) {
      out.push(r);
      continue;
    }
    const t = new PcscTransport({ reader: r.name, protocol: 'any' });
    t.timeoutMs = READER_STATUS_CONNECT_MS;
    try {
      await t.connect();
      out.push({ ...r, ...(t.protocol ? { protocol: t.protocol } : {}) });
    } catch (err) {
      out.push({ ...r, protocolError: (err as Error).message });
    } finally {
      await t.close('leave');
    }
  }
  return out;
}

/**
 * How long close() waits for a command still running at the card (one that timed out) before it leaves the
 * connection to be released when that command ends.
 */
const CLOSE_GRACE_MS = 2000;

/**
 * The contexts and cards of native calls still running. pcsc-lite carries one context's calls one at a time, and
 * the binding's disconnect and context release are synchronous: called while a transmit waits for a silent card,
 * they would block this thread (every timer, every other card, Ctrl-C) until the card answers, which a hung card or
 * a stuck reader driver never does. The binding's finalizers make the same calls, so a context dropped while its
 * call runs (a test that timed out, a transport never closed) could block a later, unrelated moment on garbage
 * collection. Kept referenced here until the call ends.
 */
const callsRunning = new Set<{ card?: PcscCard; ctx?: PcscContext }>();

function release(card: PcscCard | undefined, ctx: PcscContext | undefined, disposition: number): void {
  try {
    card?.disconnect(disposition);
  } catch {
    // the card may already be gone; releasing the context below is what matters
  }
  try {
    ctx?.close();
  } catch {
    // pcscd may have gone away with it
  }
}

export class PcscTransport implements Transport {
  atr: Uint8Array = new Uint8Array(0);
  reader: string;
  /** The longest one command may take at the card (the profile's ixit.timeouts.apduMs). */
  timeoutMs = 30_000;
  private ctx: PcscContext | undefined;
  private card: PcscCard | undefined;
  private readonly pcsc: Binding;
  /** A connect, transmit or reconnect still running in the binding, settled or not. */
  private running: Promise<unknown> | undefined;
  /** Set once a command timed out: the card cannot be trusted to answer the next one in order. */
  private silent: CardGoneError | undefined;

  constructor(private readonly opts: PcscOptions) {
    this.pcsc = loadPcsc();
    this.reader = opts.reader;
  }

  private protocolMask(): number {
    const p = this.pcsc;
    return this.opts.protocol === 'T=0' ? p.SCARD_PROTOCOL_T0 : this.opts.protocol === 'T=1' ? p.SCARD_PROTOCOL_T1 : p.SCARD_PROTOCOL_T0 | p.SCARD_PROTOCOL_T1;
  }

  private shareMode(): number {
    return this.opts.share === 'exclusive' ? this.pcsc.SCARD_SHARE_EXCLUSIVE : this.pcsc.SCARD_SHARE_SHARED;
  }

  async connect(): Promise<void> {
    this.ctx = openContext(this.pcsc);
    const readers = this.ctx.listReaders();
    const exact = readers.find((r) => r.name === this.opts.reader);
    const partial = readers.filter((r) => r.name.includes(this.opts.reader));
    const chosen = exact ?? (partial.length === 1 ? partial[0] : undefined);
    if (!chosen) {
      const names = readers.map((r) => `"${r.name}"`).join(', ') || 'none';
      throw new Error(partial.length > 1
        ? `reader "${this.opts.reader}" matches ${partial.length} readers (${names}); name one exactly`
        : `no reader named "${this.opts.reader}" (readers: ${names})`);
    }
    this.reader = chosen.name;
    try {
      this.card = await this.atCard(chosen.connect(this.shareMode(), this.protocolMask()), 'the connect');
    } catch (err) {
      if (err instanceof CardTimeoutError) throw err;
      const msg = (err as Error).message;
      if (/protocol mismatch/i.test(msg) && this.opts.protocol !== 'any') {
        const offered = chosen.atr && chosen.atr.length > 1 ? offeredBy(Uint8Array.from(chosen.atr)) : '';
        throw new ProtocolRefusedError(`reader "${chosen.name}": the card does not take ${this.opts.protocol} (${msg})${offered}` +
          `${this.opts.claims?.protocol ? `, but ${this.opts.claims.protocol}` : ''}: correct the claim or use a card and reader that speak ${this.opts.protocol}`);
      }
      throw new CardGoneError(`cannot connect to the card in "${chosen.name}": ${msg}`);
    }
    this.atr = Uint8Array.from(this.card.atr ?? chosen.atr ?? []);
  }

  get protocol(): 'T=0' | 'T=1' | undefined {
    if (!this.card) return undefined;
    return this.card.protocol === this.pcsc.SCARD_PROTOCOL_T0 ? 'T=0' : 'T=1';
  }

  /**
   * Waits for a native call at the card, at most timeoutMs. On a timeout the call goes on in the binding (pcsc-lite
   * cannot cancel it), so the transport takes no further command and close() does not wait for it.
   */
  private async atCard<T>(call: Promise<T>, what: string): Promise<T> {
    this.running = call;
    const held = { ...(this.card ? { card: this.card } : {}), ...(this.ctx ? { ctx: this.ctx } : {}) };
    callsRunning.add(held);
    void call.then(() => callsRunning.delete(held), () => callsRunning.delete(held));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.silent ??= new CardGoneError(`the card in "${this.reader}" stopped answering (${what})`);
        reject(new CardTimeoutError(`the card in "${this.reader}" did not answer ${what} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.silent) throw this.silent;
    if (!this.card) throw new CardGoneError(`no card connected in "${this.reader}"`);
    try {
      // The APDU layer does GET RESPONSE and 6Cxx itself so that every round is traced.
      return Uint8Array.from(await this.atCard(this.card.transmit(Buffer.from(apdu), { maxRecvLength: 65538, autoGetResponse: false }), 'an APDU'));
    } catch (err) {
      if (err instanceof CardTimeoutError) throw err;
      const msg = (err as Error).message;
      // pcsc-lite may report the failed exchange a moment before it marks the reader empty: give it that moment.
      const removed = await waitForCard(this.reader, 'absent', 2000).then(() => true, () => false);
      if (removed) throw new CardGoneError(`card removed from reader "${this.reader}" (${msg})`);
      if (isExtended(apdu)) {
        throw new ReaderRefusedError(`reader "${this.reader}" refused an extended-length APDU of ${apdu.length} bytes (${msg}), the card still in it` +
          `${this.opts.claims?.extendedLength ? `; ${this.opts.claims.extendedLength}` : ''}: use a reader that carries extended APDUs, or claim extendedLength: false`);
      }
      throw new CardGoneError(`transmit on "${this.reader}" failed: ${msg}`);
    }
  }

  async reset(kind: ResetKind): Promise<Uint8Array> {
    if (this.silent) throw this.silent;
    if (!this.card) throw new CardGoneError(`no card connected in "${this.reader}"`);
    const init = kind === 'cold' ? this.pcsc.SCARD_UNPOWER_CARD : this.pcsc.SCARD_RESET_CARD;
    await this.atCard(this.card.reconnect(this.shareMode(), this.protocolMask(), init), `the ${kind} reset`);
    this.atr = Uint8Array.from(this.card.atr ?? []);
    return this.atr;
  }

  /**
   * Powers the card down (or, with 'leave', leaves it as it is) and releases the connection. A command still
   * running at the card (one that timed out) is given CLOSE_GRACE_MS to end; if it does not, the connection is
   * released when it does (see `callsRunning`), and close() returns at once rather than block this thread on it.
   */
  async close(cardAfter: 'unpower' | 'leave' = 'unpower'): Promise<void> {
    const { card, ctx, running } = this;
    this.card = undefined;
    this.ctx = undefined;
    this.running = undefined;
    const disposition = cardAfter === 'leave' ? this.pcsc.SCARD_LEAVE_CARD : this.pcsc.SCARD_UNPOWER_CARD;
    if (running) {
      const ended = running.then(() => true, () => true);
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([ended, new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS); })]);
      clearTimeout(timer);
      if (!done) {
        // Released when the call ends; until then callsRunning keeps both from the finalizers.
        void ended.then(() => release(card, ctx, disposition));
        return;
      }
    }
    release(card, ctx, disposition);
  }
}

/** ", its ATR offers T=0" etc., for an error message; empty when the ATR cannot be read. */
function offeredBy(atr: Uint8Array): string {
  try {
    const p = atrProtocols(atr);
    return p.length > 0 ? `; its ATR offers ${p.join(' and ')}` : '';
  } catch {
    return '';
  }
}

export type CardPresence = 'present' | 'absent';

/**
 * Waits until a card is (or is no longer) in the reader, polling pcsc-lite's reader states: the way to follow a
 * card that an operator, or a simulator, moves between readers.
 */
export async function waitForCard(reader: string, want: CardPresence, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = listReaders().find((x) => x.name === reader || x.name.includes(reader));
    const present = r?.card === 'present';
    if (r && present === (want === 'present')) return;
    if (Date.now() > deadline) {
      throw new CardGoneError(want === 'present'
        ? `no card appeared in "${reader}" within ${timeoutMs} ms${r ? '' : ' (no such reader)'}`
        : `the card was not removed from "${reader}" within ${timeoutMs} ms`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}
