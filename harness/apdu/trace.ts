// The APDU trace: every exchange on the wire, timed, with secrets masked at the moment they are recorded, so
// no trace, log, report attachment or error message built from it can carry a PIN or key.
import { hex } from '../bytes.ts';
import { describeSw, type StatusWord } from './status-words.ts';

/** What part of an exchange is secret: the command data, the response data, or both. */
export type Redaction = 'command-data' | 'response-data' | 'both';

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
  }): TraceEntry {
    const cmdMask = new Array<boolean>(e.command.length).fill(false);
    if (e.redact === 'command-data' || e.redact === 'both') {
      for (let i = e.dataOffset; i < e.dataOffset + e.dataLength; i++) cmdMask[i] = true;
    }
    const respMask = new Array<boolean>(e.response.length).fill(e.redact === 'response-data' || e.redact === 'both');
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
    };
    this.entries.push(entry);
    return entry;
  }

  private maskKnownSecrets(bytes: Uint8Array, mask: boolean[]): void {
    for (const s of this.secrets) {
      for (let i = 0; i + s.length <= bytes.length; i++) {
        let hit = true;
        for (let j = 0; j < s.length && hit; j++) hit = bytes[i + j] === s[j];
        if (hit) for (let j = 0; j < s.length; j++) mask[i + j] = true;
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
        return `${head}\n  > ${e.command}\n  < ${resp}${describeSw(e.sw)}`;
      })
      .join('\n');
  }

  /** The last exchange, for error messages when a card goes silent or away. */
  last(): TraceEntry | undefined {
    return this.entries[this.entries.length - 1];
  }
}

function maskedHex(bytes: Uint8Array, mask: boolean[]): string {
  return Array.from(bytes, (b, i) => (mask[i] ? MASK : hex(Uint8Array.of(b)))).join(' ');
}
