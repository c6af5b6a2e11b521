// A client for the JPKI user-authentication application (JPKI AP) as the My Number card and the phones' secure
// elements expose it. Command bytes and status words: ../shared/reference/jpki-card-interface.md, gathered from
// OpenSC card-jpki.c, soltia48/myna-card and jpki/myna; the golden APDUs are in vectors/jpki/commands.json.
import { fromHex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import { SW, describeSw, isOk, triesLeft, type StatusWord } from '../apdu/status-words.ts';
import { derObjectSize } from '../tlv/ber.ts';
import { parseAnswer } from '../apdu/answer.ts';
import { EC_CURVES, type EcCurve } from './key-algorithm.ts';

export const JPKI_AP_AID = fromHex('D392F000260100000001');

/** Elementary files of the JPKI AP (FIDs). */
export const EF = {
  USER_AUTH_CERT: 0x000a,
  USER_AUTH_CA_CERT: 0x000b,
  TOKEN_INFO: 0x0006,
  CERT_PRESENCE: 0x0008,
  USER_AUTH_KEY: 0x0017,
  USER_AUTH_PIN: 0x0018,
} as const;

export type PinState = { verified: true } | { verified: false; triesLeft: number } | { verified: false; blocked: true };

/** Refused on purpose: the harness will not risk blocking a PIN. */
export class PinSafetyError extends Error {}

export interface VerifyOptions {
  /** Permit a VERIFY when only one try remains (a wrong PIN would then block the card's PIN). */
  allowLastTry?: boolean;
}

export class JpkiClient {
  constructor(
    readonly session: CardSession,
    readonly aid: Uint8Array = JPKI_AP_AID,
  ) {}

  async selectAp(): Promise<void> {
    await this.session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: this.aid }, { name: 'SELECT JPKI AP' });
  }

  async selectEf(fid: number): Promise<void> {
    await this.session.send({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff) },
      { name: `SELECT EF ${fid.toString(16).padStart(4, '0').toUpperCase()}` });
  }

  /** One READ BINARY of the current EF; an offset past the end is reported by the card as 6B00. */
  async readBinary(offset: number, le: number): Promise<{ data: Uint8Array; sw: StatusWord }> {
    if (offset < 0 || offset > 0x7fff) throw new RangeError(`READ BINARY offset ${offset} outside 0..32767`);
    return this.session.transmit({ cla: 0x00, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, le }, { name: `READ BINARY @${offset}` });
  }

  /**
   * Reads a whole EF. Certificates are sized from their DER header, since the EF holds filler after them; other
   * files are read until the card says the end is reached.
   */
  async readEf(fid: number, opts: { chunk?: number } = {}): Promise<Uint8Array> {
    const chunk = opts.chunk ?? 256;
    await this.selectEf(fid);
    const first = await this.readBinary(0, chunk);
    if (!isOk(first.sw)) throw new CardError(`READ BINARY of EF ${fid.toString(16).padStart(4, '0')}`, { cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00 }, first.sw);
    let size: number | undefined;
    if (first.data[0] === 0x30 && first.data.length >= 4) size = parseAnswer(`READ BINARY of EF ${fid.toString(16).padStart(4, '0')}`, first.data, derObjectSize);
    const parts = [first.data];
    let have = first.data.length;
    while (size === undefined ? first.data.length === chunk : have < size) {
      const want = size === undefined ? chunk : Math.min(chunk, size - have);
      const r = await this.readBinary(have, want);
      if (r.sw === SW.WRONG_P1P2 && size === undefined) break; // end of file reached exactly at a chunk boundary
      if (!isOk(r.sw) && r.sw !== 0x6282) throw new CardError(`READ BINARY of EF ${fid.toString(16).padStart(4, '0')} at ${have}`, { cla: 0x00, ins: 0xb0, p1: have >> 8, p2: have & 0xff }, r.sw, [0x9000, 0x6282]);
      if (r.data.length === 0) break;
      parts.push(r.data);
      have += r.data.length;
      if (size === undefined && r.data.length < want) break;
    }
    const all = new Uint8Array(have);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    if (size !== undefined && all.length < size) {
      throw new Error(`EF ${fid.toString(16).padStart(4, '0')}: DER header says ${size} bytes, card returned ${all.length}`);
    }
    return size === undefined ? all : all.subarray(0, size);
  }

  /** Bare VERIFY: asks how many tries remain without spending one. */
  async pinState(): Promise<PinState> {
    await this.selectEf(EF.USER_AUTH_PIN);
    const r = await this.session.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }, { name: 'VERIFY (tries left)' });
    return interpretPinStatus(r.sw);
  }

  /**
   * VERIFY the user-auth PIN. Checks the remaining tries first and refuses to spend the last one unless told to,
   * and never retries on its own.
   */
  async verifyPin(pin: string, opts: VerifyOptions = {}): Promise<PinState> {
    const pinBytes = new TextEncoder().encode(pin);
    this.session.trace.registerSecret(pinBytes);
    const before = await this.pinState();
    if ('blocked' in before) throw new PinSafetyError('the user-auth PIN is blocked (6984); not sending VERIFY');
    if (!before.verified && before.triesLeft <= 1 && !opts.allowLastTry) {
      throw new PinSafetyError(
        `only ${before.triesLeft} PIN try left; refusing to VERIFY because a wrong PIN would block the card (allowLastTry overrides)`,
      );
    }
    const r = await this.session.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: pinBytes },
      { name: 'VERIFY user-auth PIN', redact: 'command-data' });
    return interpretPinStatus(r.sw);
  }

  /** COMPUTE DIGITAL SIGNATURE over a DigestInfo (P1=00: the card pads PKCS#1 v1.5 type 1 and signs). */
  async sign(digestInfo: Uint8Array, opts: { keySize?: number } = {}): Promise<Uint8Array> {
    await this.selectEf(EF.USER_AUTH_KEY);
    const r = await this.session.send({ cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x80, data: digestInfo, le: 256 },
      { name: 'COMPUTE DIGITAL SIGNATURE' });
    const expected = opts.keySize ?? 256;
    if (r.data.length !== expected) {
      throw new Error(`COMPUTE DIGITAL SIGNATURE returned ${r.data.length} bytes, expected ${expected} for the key size`);
    }
    return r.data;
  }

  /**
   * COMPUTE DIGITAL SIGNATURE with an ECDSA key: over a hash the harness computed (P1 00) or a message the card
   * hashes itself (P1 03). The answer is r || s, each the field's length (BSI TR-03111 plain format).
   */
  async signEcdsa(curve: EcCurve, input: { hash: Uint8Array } | { message: Uint8Array }): Promise<Uint8Array> {
    await this.selectEf(EF.USER_AUTH_KEY);
    const byHash = 'hash' in input;
    const r = await this.session.send({ cla: 0x80, ins: 0x2a, p1: byHash ? 0x00 : 0x03, p2: 0x80, data: byHash ? input.hash : input.message, le: 256 },
      { name: `COMPUTE DIGITAL SIGNATURE (ECDSA, ${byHash ? 'hash' : 'message'})` });
    const expected = 2 * EC_CURVES[curve].fieldBytes;
    if (r.data.length !== expected) {
      throw new Error(`COMPUTE DIGITAL SIGNATURE returned ${r.data.length} bytes, expected r || s of ${expected} for ${curve}`);
    }
    return r.data;
  }

  /** Sends COMPUTE DIGITAL SIGNATURE as is and returns the status word (for negative tests). */
  async trySign(digestInfo: Uint8Array, p1 = 0x00): Promise<StatusWord> {
    const r = await this.session.transmit({ cla: 0x80, ins: 0x2a, p1, p2: 0x80, data: digestInfo, le: 256 },
      { name: 'COMPUTE DIGITAL SIGNATURE' });
    return r.sw;
  }
}

export function interpretPinStatus(sw: StatusWord): PinState {
  if (isOk(sw)) return { verified: true };
  const n = triesLeft(sw);
  if (n === 0 || sw === SW.REFERENCE_DATA_NOT_USABLE || sw === SW.AUTH_METHOD_BLOCKED) return { verified: false, blocked: true };
  if (n !== undefined) return { verified: false, triesLeft: n };
  throw new CardError('VERIFY', { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }, sw);
}

export { describeSw };
