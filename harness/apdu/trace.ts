// The APDU trace: every exchange on the wire, timed, with secrets masked at the moment they are recorded, so
// no trace, log, report attachment or error message built from it can carry a PIN or key. A command sent through
// a secure channel is also recorded as it was before wrapping (PlainCommand), field by field, because the wrapped
// bytes are unreadable when an engineer debugs a refused INSTALL: the layer that wraps it says which bytes are
// secret, and the MACs on the wire are masked too.
import { hex } from '../bytes.ts';
import { describeSw, type StatusWord } from './status-words.ts';

/** What part of an exchange is secret: the command data, the response data, or both. */
export type Redaction = 'command-data' | 'response-data' | 'both';

/**
 * A command as the application layer built it, before secure messaging wrapped it: its bytes (header, Lc, data),
 * which of them are secret, and the fields a reader needs named (a label, and the bytes it covers, possibly none).
 * Given by the layer that wraps (harness/gp/command-decode.ts); the trace does the masking and the hex.
 */
export interface PlainCommand {
  bytes: Uint8Array;
  /** Byte ranges [from, to) of `bytes` that are secret: shown as "**". */
  secret: [number, number][];
  fields: { label: string; from: number; to: number }[];
  /** Show all of `bytes` on one line; when false, the header and Lc only (a long STORE DATA or LOAD block). */
  whole: boolean;
}

export interface TraceEntry {
  index: number;
  /** What the harness was doing, e.g. "VERIFY user-auth PIN"; GET RESPONSE rounds are named as such. */
  name: string;
  /** Command as sent, hex, with secret bytes replaced by "**". */
  command: string;
  /** Response data as received, hex (secret data masked). */
  response: string;
  sw: StatusWord;
  /** Monotonic start offset from the trace's start and the round trip, in milliseconds. */
  startMs: number;
  durationMs: number;
  /** The command before secure messaging, masked: its hex and one line per named field. */
  plain?: { command: string; fields: string[] };
}

const MASK = '**';

export class ApduTrace {
  readonly entries: TraceEntry[] = [];
  private readonly origin = process.hrtime.bigint();
  private readonly secrets: Uint8Array[] = [];

  /** Byte strings that must never be shown (a PIN, a key component); masked wherever they occur in an exchange. */
  registerSecret(bytes: Uint8Array): void {
    if (bytes.length >= 2 && !this.secrets.some((s) => s.length === bytes.length && s.every((v, i) => v === bytes[i]))) {
      this.secrets.push(Uint8Array.from(bytes));
    }
  }

  now(): bigint {
    return process.hrtime.bigint();
  }

  record(e: {
    name: string;
    command: Uint8Array;
    headerLength: number;
    dataOffset: number;
    dataLength: number;
    response: Uint8Array;
    sw: StatusWord;
    start: bigint;
    end: bigint;
    redact?: Redaction | undefined;
    plain?: PlainCommand | undefined;
    /** Bytes at the end of the command data, and of the response data, that are a MAC (masked). */
    mac?: { command: number; response: number } | undefined;
  }): TraceEntry {
    const cmdMask = new Array<boolean>(e.command.length).fill(false);
    if (e.redact === 'command-data' || e.redact === 'both') {
      for (let i = e.dataOffset; i < e.dataOffset + e.dataLength; i++) cmdMask[i] = true;
    }
    const respMask = new Array<boolean>(e.response.length).fill(e.redact === 'response-data' || e.redact === 'both');
    const dataEnd = e.dataOffset + e.dataLength;
    for (let i = Math.max(e.dataOffset, dataEnd - (e.mac?.command ?? 0)); i < dataEnd; i++) cmdMask[i] = true;
    for (let i = Math.max(0, e.response.length - (e.mac?.response ?? 0)); i < e.response.length; i++) respMask[i] = true;
    this.maskKnownSecrets(e.command, cmdMask);
    this.maskKnownSecrets(e.response, respMask);
    const entry: TraceEntry = {
      index: this.entries.length + 1,
      name: e.name,
      command: maskedHex(e.command, cmdMask),
      response: maskedHex(e.response, respMask),
      sw: e.sw,
      startMs: Number(e.start - this.origin) / 1e6,
      durationMs: Number(e.end - e.start) / 1e6,
      ...(e.plain ? { plain: this.plainView(e.plain) } : {}),
    };
    this.entries.push(entry);
    return entry;
  }

  /** The plain command's hex and fields, with its secret ranges and every registered secret masked. */
  private plainView(p: PlainCommand): { command: string; fields: string[] } {
    const mask = new Array<boolean>(p.bytes.length).fill(false);
    for (const [from, to] of p.secret) for (let i = Math.max(0, from); i < Math.min(to, p.bytes.length); i++) mask[i] = true;
    this.maskKnownSecrets(p.bytes, mask);
    const range = (from: number, to: number) => maskedHex(p.bytes.subarray(from, to), mask.slice(from, to));
    const header = Math.min(p.bytes.length, 5);
    const command = p.whole ? range(0, p.bytes.length) : `${range(0, header)} ‹${p.bytes.length - header} data bytes, fields below›`;
    return { command, fields: p.fields.map((f) => (f.to > f.from ? `${f.label}: ${range(f.from, f.to)}` : f.label)) };
  }

  private maskKnownSecrets(bytes: Uint8Array, mask: boolean[]): void {
    // Buffer's native search: every exchange is searched for every secret (a LOAD of a few hundred blocks, a dozen
    // secrets), which byte by byte in JavaScript was a tenth of a suite worker's CPU.
    const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    for (const s of this.secrets) {
      for (let i = haystack.indexOf(s); i !== -1; i = haystack.indexOf(s, i + 1)) {
        for (let j = 0; j < s.length; j++) mask[i + j] = true;
      }
    }
  }

  /** Human-readable transcript, one exchange per two lines. */
  format(from = 0): string {
    return this.entries
      .slice(from)
      .map((e) => {
        const head = `#${e.index} ${e.name}  (+${e.startMs.toFixed(3)} ms, ${e.durationMs.toFixed(3)} ms)`;
        const resp = e.response ? `${e.response} ` : '';
        const plain = e.plain ? `\n  = ${e.plain.command}  (before secure messaging)${e.plain.fields.map((f) => `\n      ${f}`).join('')}` : '';
        return `${head}\n  > ${e.command}${plain}\n  < ${resp}${describeSw(e.sw)}`;
      })
      .join('\n');
  }

  /** The last exchange, for error messages when a card goes silent or away. */
  last(): TraceEntry | undefined {
    return this.entries[this.entries.length - 1];
  }
}

/** A run of masked bytes longer than this is written as its length: a wall of "**" says nothing more. */
const MASK_RUN = 16;

function maskedHex(bytes: Uint8Array, mask: boolean[]): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length;) {
    let j = i;
    while (j < bytes.length && mask[j]) j++;
    if (j - i > MASK_RUN) {
      out.push(`‹${j - i} bytes masked›`);
      i = j;
    } else if (j > i) {
      for (; i < j; i++) out.push(MASK);
    } else {
      out.push(hex(Uint8Array.of(bytes[i]!)));
      i++;
    }
  }
  return out.join(' ');
}
