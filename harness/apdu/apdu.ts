// Command and response APDUs as typed values, and their ISO/IEC 7816-3/-4 wire encoding (short and extended
// length, the four cases). Everything above this module talks in these types, never in raw byte arrays.
import { hex } from '../bytes.ts';
import { describeSw, type StatusWord } from './status-words.ts';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Nc bytes); absent or empty for case 1 and 2. */
  data?: Uint8Array;
  /** Ne, the maximum response length expected: 1..256 short, 1..65536 extended; absent = no response data. */
  le?: number;
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: StatusWord;
}

export class ApduFormatError extends Error {}

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new ApduFormatError(`${name} must be a byte, got ${v}`);
}

/** True when the command cannot be sent as a short APDU. */
export function needsExtended(cmd: CommandApdu): boolean {
  return (cmd.data?.length ?? 0) > 255 || (cmd.le ?? 0) > 256;
}

/** Encodes per ISO/IEC 7816-3 12.1.3: short form unless the lengths need extended (or it is forced). */
export function encodeCommand(cmd: CommandApdu, opts: { extended?: boolean } = {}): Uint8Array {
  checkByte('CLA', cmd.cla);
  checkByte('INS', cmd.ins);
  checkByte('P1', cmd.p1);
  checkByte('P2', cmd.p2);
  const nc = cmd.data?.length ?? 0;
  const ne = cmd.le;
  if (nc > 65535) throw new ApduFormatError(`command data of ${nc} bytes exceeds 65535`);
  if (ne !== undefined && (!Number.isInteger(ne) || ne < 1 || ne > 65536)) {
    throw new ApduFormatError(`Le must be 1..65536, got ${ne}`);
  }
  const extended = opts.extended ?? needsExtended(cmd);
  if (!extended && needsExtended(cmd)) {
    throw new ApduFormatError(`command needs extended length (Nc=${nc}, Ne=${ne ?? 0}) but extended length is off`);
  }
  const out: number[] = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
  if (!extended) {
    if (nc > 0) out.push(nc, ...(cmd.data as Uint8Array));
    if (ne !== undefined) out.push(ne === 256 ? 0 : ne);
  } else {
    if (nc > 0) out.push(0, nc >> 8, nc & 0xff, ...(cmd.data as Uint8Array));
    if (ne !== undefined) {
      const le = ne === 65536 ? 0 : ne;
      if (nc === 0) out.push(0);
      out.push(le >> 8, le & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Decodes a command APDU from the wire (for traces, the simulator's peers and fuzzing). */
export function decodeCommand(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw new ApduFormatError(`command APDU of ${bytes.length} bytes is shorter than its 4-byte header`);
  const [cla, ins, p1, p2] = bytes as unknown as [number, number, number, number];
  const head = { cla, ins, p1, p2 };
  const body = bytes.subarray(4);
  if (body.length === 0) return head; // case 1
  if (body.length === 1) return { ...head, le: body[0] === 0 ? 256 : body[0]! }; // case 2S
  if (body[0] !== 0) {
    const nc = body[0]!;
    if (body.length === 1 + nc) return { ...head, data: body.slice(1) }; // case 3S
    if (body.length === 2 + nc) {
      const le = body[1 + nc]!;
      return { ...head, data: body.slice(1, 1 + nc), le: le === 0 ? 256 : le }; // case 4S
    }
    throw new ApduFormatError(`short Lc=${nc} does not match the ${body.length - 1} bytes that follow`);
  }
  if (body.length === 3) {
    const le = (body[1]! << 8) | body[2]!;
    return { ...head, le: le === 0 ? 65536 : le }; // case 2E
  }
  if (body.length < 3) throw new ApduFormatError('truncated extended length field');
  const nc = (body[1]! << 8) | body[2]!;
  if (nc === 0) throw new ApduFormatError('extended Lc of 0');
  if (body.length === 3 + nc) return { ...head, data: body.slice(3) }; // case 3E
  if (body.length === 5 + nc) {
    const le = (body[3 + nc]! << 8) | body[4 + nc]!;
    return { ...head, data: body.slice(3, 3 + nc), le: le === 0 ? 65536 : le }; // case 4E
  }
  throw new ApduFormatError(`extended Lc=${nc} does not match the ${body.length - 3} bytes that follow`);
}

export function decodeResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new ApduFormatError(`response of ${bytes.length} bytes has no status word`);
  const n = bytes.length;
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

export function encodeResponse(r: ResponseApdu): Uint8Array {
  const out = new Uint8Array(r.data.length + 2);
  out.set(r.data);
  out[r.data.length] = r.sw >> 8;
  out[r.data.length + 1] = r.sw & 0xff;
  return out;
}

/** "00 A4 04 0C" style header for messages. */
export function headerText(cmd: CommandApdu): string {
  return hex(Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2), ' ');
}

export function responseText(r: ResponseApdu): string {
  return `${r.data.length} data bytes, SW ${describeSw(r.sw)}`;
}
