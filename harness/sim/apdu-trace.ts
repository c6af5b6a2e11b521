// The trace `simcert sim serve --trace` writes: one line per command APDU a lab's client sends the card, as seen at
// the card, with the data of PIN, key and secure-messaging commands masked, and one per answer with its status word
// only. The lines come from the relay (a reader that dials the card, vpcd-relay.ts) or from the card's own APDU tap
// (lab/cardsim ApduTap: a card put straight into pcscd's vpcd reader copies what it exchanges to the harness).
// Secrets are masked here, in the one place, before anything is written.
import type { Socket } from 'node:net';
import { hex } from '../bytes.ts';

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


/** The trace line of a command APDU. */
export function commandLine(apdu: Uint8Array): string {
  return `> ${maskCommand(apdu)}`;
}

/** The trace line of an answer: its status word and how many data bytes came with it, never the data. */
export function answerLine(response: Uint8Array): string {
  const sw = response.length >= 2 ? hex(response.subarray(response.length - 2)) : `(${response.length}-byte answer, no status word)`;
  return `< ${sw}${response.length > 2 ? ` (${response.length - 2} bytes)` : ''}`;
}

/** Direction bytes of lab/cardsim ApduTap's copies, and the byte that acknowledges an answer's copy. */
const TAP_COMMAND = 0x3e; // '>'
const TAP_ANSWER = 0x3c; // '<'
const TAP_ACK = 0x06;

/**
 * Reads a card's APDU tap (lab/cardsim ApduTap: '>' or '<', a 2-byte big-endian length, the bytes) into `trace`, if
 * given; resolves when the tap closes, which is when the card has left its reader. Each answer's copy is
 * acknowledged once its line is written: the card answers its reader only then, so a client that has its answer
 * finds it in the trace. A copy that is neither a command nor an answer ends the reading: the other end is not a
 * card's tap.
 */
export function readTap(tap: Socket, trace?: TraceSink): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  return new Promise<void>((resolve) => {
    const done = (): void => {
      tap.off('data', onData);
      tap.destroy();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 3) {
        const n = buf.readUInt16BE(1);
        if (buf.length < 3 + n) break;
        const direction = buf[0];
        const bytes = buf.subarray(3, 3 + n);
        buf = buf.subarray(3 + n);
        if (direction === TAP_COMMAND) trace?.(commandLine(bytes));
        else if (direction === TAP_ANSWER) {
          trace?.(answerLine(bytes));
          tap.write(Uint8Array.of(TAP_ACK));
        } else return done();
      }
    };
    tap.on('data', onData);
    tap.on('error', () => undefined); // a reset is the card leaving all the same; 'close' follows
    tap.once('close', done);
    tap.resume();
  });
}
