// A card session: sends typed commands over a transport and hides the transport-level details a T=0 card or a
// short-APDU card imposes (61xx GET RESPONSE, 6Cxx re-send, command chaining), recording every exchange.
import { concat, hex } from '../bytes.ts';
import { CardGoneError, CardTimeoutError, type Transport } from '../transport/transport.ts';
import { decodeResponse, encodeCommand, headerText, needsExtended, type CommandApdu, type ResponseApdu } from './apdu.ts';
import { CardFault } from './card-fault.ts';
import type { ApduHeader } from './command-names.ts';
import { describeAnswer, describeSw, isOk, swHex, type StatusWord } from './status-words.ts';
import { ApduTrace, type PlainCommand, type Redaction, type TraceEntry } from './trace.ts';

/**
 * A card answered with a status word the caller did not accept: "SELECT EF 0017 (00 A4 02 0C) answered 6A82:
 * file or application not found". A finding about the card, so the test that meets it has failed.
 */
export class CardError extends CardFault {
  /** The command's header only: its data may be a PIN or key material, and errors travel into reports and logs. */
  readonly command: ApduHeader;

  constructor(
    /** The caller's name for the command, when it has one. */
    readonly what: string | undefined,
    command: ApduHeader,
    readonly sw: StatusWord,
    accepted: readonly StatusWord[] = [0x9000],
  ) {
    super(describeAnswer(command, sw, what), accepted.map(swHex).join(' or '), swHex(sw));
    this.command = { cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2 };
  }
}

/**
 * The card broke the transmission protocol (endless 61xx, repeated 6Cxx, a response without status word or
 * longer than Le): the card's fault, so the test has failed.
 */
export class ApduProtocolError extends CardFault {
  constructor(message: string) {
    super(message, 'an answer by ISO/IEC 7816-3/-4 rules', 'an answer that breaks them');
  }
}

/** The command cannot be sent to this card as the profile describes it: a harness or profile problem (broken). */
export class CommandTooLongError extends Error {}

export interface SendOptions {
  /** What this command does, for the trace and error messages. */
  name?: string;
  /** Which parts of the exchange are secret. */
  redact?: Redaction;
  /** Split command data over 255 bytes into a chain (CLA b5) when extended length is not used. */
  chain?: boolean;
  /** Status words accepted besides 9000 (send() only). */
  accept?: StatusWord[];
  /** The command before secure messaging wrapped it, for the trace (the secure channel gives it). */
  plain?: PlainCommand;
  /** How many bytes at the end of the command data and of the response data are a MAC, masked in the trace. */
  mac?: { command: number; response: number };
}

/** What one exchange records besides the bytes: the secure channel's view of the command. */
type RecordExtras = Pick<SendOptions, 'plain' | 'mac'>;

export interface SessionOptions {
  /** Whether the card (per its profile) takes extended-length APDUs. */
  extendedLength: boolean;
  trace?: ApduTrace;
}

/** Bounds that keep a misbehaving card from hanging the harness in a GET RESPONSE loop. */
const MAX_RESPONSE_BYTES = 65536 + 256;
const MAX_GET_RESPONSE_ROUNDS = 300;

export class CardSession {
  readonly trace: ApduTrace;
  private readonly extendedLength: boolean;

  private current: Transport;

  constructor(transport: Transport, opts: SessionOptions) {
    this.current = transport;
    this.extendedLength = opts.extendedLength;
    this.trace = opts.trace ?? new ApduTrace();
  }

  get transport(): Transport {
    return this.current;
  }

  /** Continues the session on another reader the card was moved to; the trace (and its secrets) carry over. */
  moveTo(transport: Transport): void {
    this.current = transport;
  }

  get atr(): Uint8Array {
    return this.transport.atr;
  }

  /** Transmits one logical command and returns the card's final response, whatever its status word. */
  async transmit(cmd: CommandApdu, opts: SendOptions = {}): Promise<ResponseApdu> {
    const name = opts.name ?? headerText(cmd);
    const data = cmd.data ?? new Uint8Array(0);
    if (opts.chain && !this.extendedLength && data.length > 255) {
      for (let off = 0; off < data.length; off += 255) {
        const last = off + 255 >= data.length;
        const piece: CommandApdu = { ...cmd, cla: last ? cmd.cla : cmd.cla | 0x10, data: data.subarray(off, off + 255) };
        if (!last) delete piece.le;
        const r = await this.exchange(piece, `${name} [chain ${off / 255 + 1}]`, opts.redact, last ? opts : {});
        if (!last && !isOk(r.sw)) return r;
        if (last) return r;
      }
    }
    if (needsExtended(cmd) && !this.extendedLength) {
      throw new CommandTooLongError(`${name}: needs an extended-length APDU but the profile says the card has none`);
    }
    return this.exchange(cmd, name, opts.redact, opts);
  }

  /** Like transmit, but a status word other than 9000 (or one in accept) throws a CardError. */
  async send(cmd: CommandApdu, opts: SendOptions = {}): Promise<ResponseApdu> {
    const r = await this.transmit(cmd, opts);
    if (!isOk(r.sw) && !(opts.accept ?? []).includes(r.sw)) {
      throw new CardError(opts.name, cmd, r.sw, [0x9000, ...(opts.accept ?? [])]);
    }
    return r;
  }

  /** One command plus the GET RESPONSE / re-send rounds T=0 needs. */
  private async exchange(cmd: CommandApdu, name: string, redact: Redaction | undefined, extras: RecordExtras = {}): Promise<ResponseApdu> {
    let r = await this.roundTrip(cmd, name, redact, extras);
    if (r.sw >> 8 === 0x6c) {
      // Wrong Le: ISO 7816-3 says re-send the same command with Le = SW2 (once; a second 6Cxx is a card fault).
      const le = (r.sw & 0xff) === 0 ? 256 : r.sw & 0xff;
      r = await this.roundTrip({ ...cmd, le }, `${name} [Le=${le}]`, redact, extras);
      if (r.sw >> 8 === 0x6c) throw new ApduProtocolError(`${name}: card answered 6Cxx twice (${describeSw(r.sw)})`);
    }
    const parts: Uint8Array[] = [r.data];
    let total = r.data.length;
    let rounds = 0;
    while (r.sw >> 8 === 0x61) {
      if (++rounds > MAX_GET_RESPONSE_ROUNDS || total > MAX_RESPONSE_BYTES) {
        throw new ApduProtocolError(
          `${name}: card kept answering 61xx (${rounds} GET RESPONSE rounds, ${total} bytes); giving up`,
        );
      }
      const le = (r.sw & 0xff) === 0 ? 256 : r.sw & 0xff;
      r = await this.roundTrip({ cla: getResponseCla(cmd.cla), ins: 0xc0, p1: 0, p2: 0, le }, `${name} [GET RESPONSE]`,
        redact === 'both' || redact === 'response-data' ? 'response-data' : undefined,
        extras.mac ? { mac: { command: 0, response: extras.mac.response } } : {});
      parts.push(r.data);
      total += r.data.length;
    }
    return { data: parts.length === 1 ? r.data : concat(...parts), sw: r.sw };
  }

  private async roundTrip(cmd: CommandApdu, name: string, redact: Redaction | undefined, extras: RecordExtras = {}): Promise<ResponseApdu> {
    const wire = encodeCommand(cmd, { extended: this.extendedLength && needsExtended(cmd) });
    const nc = cmd.data?.length ?? 0;
    const dataOffset = nc === 0 ? wire.length : wire.length - nc - (cmd.le === undefined ? 0 : needsExtended(cmd) ? 2 : 1);
    const start = this.trace.now();
    let raw: Uint8Array;
    try {
      raw = await this.transport.transmit(wire);
    } catch (err) {
      // Name the command that was lost with the card (header only: its data may be a PIN or key material).
      if (err instanceof CardGoneError || err instanceof CardTimeoutError) {
        const header = hex(wire.subarray(0, 4), ' ');
        const E = err instanceof CardGoneError ? CardGoneError : CardTimeoutError;
        throw new E(`${err.message}; last command: ${name} (${header}${nc > 0 ? `, ${nc} data bytes` : ''})`);
      }
      throw err;
    }
    const end = this.trace.now();
    if (raw.length < 2) {
      this.trace.record({ name, command: wire, headerLength: 4, dataOffset, dataLength: nc, response: raw, sw: 0, start, end, redact, plain: extras.plain,
        mac: extras.mac && { command: extras.mac.command, response: 0 } });
      throw new ApduProtocolError(`${name}: card answered ${raw.length} bytes, no status word`);
    }
    const r = decodeResponse(raw);
    // A response MAC ends the final answer only: an answer of 61xx has more to come.
    const mac = extras.mac && { command: extras.mac.command, response: r.sw >> 8 === 0x61 ? 0 : extras.mac.response };
    this.trace.record({ name, command: wire, headerLength: 4, dataOffset, dataLength: nc, response: r.data, sw: r.sw, start, end, redact, plain: extras.plain, mac });
    if (cmd.le !== undefined && r.data.length > cmd.le) {
      // More than Ne is a broken card (ISO/IEC 7816-4 5.1): do not let callers read bytes nobody asked for.
      throw new ApduProtocolError(`${name}: card answered ${r.data.length} bytes, more than the ${cmd.le} asked for (Le)`);
    }
    return r;
  }

  lastExchange(): TraceEntry | undefined {
    return this.trace.last();
  }
}

/** GET RESPONSE goes in the interindustry class on the same logical channel as the command it completes. */
function getResponseCla(cla: number): number {
  if ((cla & 0x40) === 0) return cla & 0x03; // channels 0-3 (first interindustry encoding)
  return 0x40 | (cla & 0x0f); // channels 4-19 (further interindustry encoding)
}
