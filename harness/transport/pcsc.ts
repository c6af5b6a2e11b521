// Real readers through pcsc-lite, via the `smartcard` N-API binding (an optional dependency: it needs
// libpcsclite-dev and a compiler at install time, so its absence must produce an actionable message, not a crash).
import { createRequire } from 'node:module';
import { CardGoneError, type ResetKind, type Transport } from './transport.ts';

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
}

export class PcscTransport implements Transport {
  atr: Uint8Array = new Uint8Array(0);
  reader: string;
  private ctx: PcscContext | undefined;
  private card: PcscCard | undefined;
  private readonly pcsc: Binding;

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
      this.card = await chosen.connect(this.shareMode(), this.protocolMask());
    } catch (err) {
      throw new CardGoneError(`cannot connect to the card in "${chosen.name}": ${(err as Error).message}`);
    }
    this.atr = Uint8Array.from(this.card.atr ?? chosen.atr ?? []);
  }

  get protocol(): 'T=0' | 'T=1' | undefined {
    if (!this.card) return undefined;
    return this.card.protocol === this.pcsc.SCARD_PROTOCOL_T0 ? 'T=0' : 'T=1';
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.card) throw new CardGoneError(`no card connected in "${this.reader}"`);
    try {
      // The APDU layer does GET RESPONSE and 6Cxx itself so that every round is traced.
      return Uint8Array.from(await this.card.transmit(Buffer.from(apdu), { maxRecvLength: 65538, autoGetResponse: false }));
    } catch (err) {
      throw new CardGoneError(`transmit on "${this.reader}" failed: ${(err as Error).message}`);
    }
  }

  async reset(kind: ResetKind): Promise<Uint8Array> {
    if (!this.card) throw new CardGoneError(`no card connected in "${this.reader}"`);
    const init = kind === 'cold' ? this.pcsc.SCARD_UNPOWER_CARD : this.pcsc.SCARD_RESET_CARD;
    await this.card.reconnect(this.shareMode(), this.protocolMask(), init);
    this.atr = Uint8Array.from(this.card.atr ?? []);
    return this.atr;
  }

  async close(): Promise<void> {
    try {
      this.card?.disconnect(this.pcsc.SCARD_UNPOWER_CARD);
    } catch {
      // the card may already be gone; releasing the context below is what matters
    }
    this.card = undefined;
    this.ctx?.close();
    this.ctx = undefined;
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
