// A client for the JPKI application (JPKI AP) as the My Number card and the phones' secure elements expose it,
// both halves: user authentication (PIN 0018, key 0017) and digital signature (password 001B, key 001A). Command bytes and status words: ../shared/reference/jpki-card-interface.md, gathered from
// OpenSC card-jpki.c, soltia48/myna-card and jpki/myna; the golden APDUs are in vectors/jpki/commands.json.
import { fromHex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { CardError } from '../apdu/session.ts';
import type { ApduHeader } from '../apdu/command-names.ts';
import { SW, describeSw, isOk, triesLeft, type StatusWord } from '../apdu/status-words.ts';
import { derObjectSize } from '../tlv/ber.ts';
import { parseAnswer } from '../apdu/answer.ts';
import { EC_CURVES, type EcCurve } from './key-algorithm.ts';
import { parsePresence, parseTokenInfo, type CertificatePresence, type TokenInfo } from './token-info.ts';

export const JPKI_AP_AID = fromHex('D392F000260100000001');

/** Elementary files of the JPKI AP (FIDs; ../shared/reference/jpki-card-interface.md, OpenSC jpki.h). */
export const EF = {
  SIGNING_CERT: 0x0001,
  SIGNING_CA_CERT: 0x0002,
  TOKEN_INFO: 0x0006,
  CERT_PRESENCE: 0x0008,
  USER_AUTH_CERT: 0x000a,
  USER_AUTH_CA_CERT: 0x000b,
  USER_AUTH_KEY: 0x0017,
  USER_AUTH_PIN: 0x0018,
  SIGNING_KEY: 0x001a,
  SIGNING_PIN: 0x001b,
} as const;

/** The two halves of the JPKI AP: user authentication (PIN 0018, key 0017) and digital signature (001B, 001A). */
export type JpkiHalf = 'userAuth' | 'signing';

/**
 * Per half: the PIN EF and its P2 without SELECT (80 | SFI), the key EF and its P2 without SELECT (97 / 9A), and
 * the PIN's name in messages. P2 forms: the reference (single source), JPKI-CONTRACT.md.
 */
export const HALF: Record<JpkiHalf, { pinEf: number; pinP2: number; keyEf: number; keyP2: number; pinName: string; cert: number; caCert: number }> = {
  userAuth: { pinEf: EF.USER_AUTH_PIN, pinP2: 0x98, keyEf: EF.USER_AUTH_KEY, keyP2: 0x97, pinName: 'user-auth PIN', cert: EF.USER_AUTH_CERT, caCert: EF.USER_AUTH_CA_CERT },
  signing: { pinEf: EF.SIGNING_PIN, pinP2: 0x9b, keyEf: EF.SIGNING_KEY, keyP2: 0x9a, pinName: 'signing password', cert: EF.SIGNING_CERT, caCert: EF.SIGNING_CA_CERT },
};

/**
 * How a command names its PIN or key: `select` = SELECT the EF, then P2 80 (what OpenSC sends); `p2` = no SELECT,
 * the reference in P2 (98 / 9B for PINs, 97 / 9A for keys).
 */
export type Addressing = 'select' | 'p2';

export type PinState = { verified: true } | { verified: false; triesLeft: number } | { verified: false; blocked: true };

/** Refused on purpose: the harness will not risk blocking a PIN. */
export class PinSafetyError extends Error {}

export interface VerifyOptions {
  /** Permit a VERIFY when only one try remains (a wrong PIN would then block the card's PIN). */
  allowLastTry?: boolean;
  /** SELECT the PIN EF then P2 80 (default), or P2 98 / 9B without SELECT. */
  addressing?: Addressing;
}

export interface SignOptions {
  /** Which key signs: the user-authentication key 0017 (default) or the signing key 001A. */
  key?: JpkiHalf;
  /** SELECT the key EF then P2 80 (default), or P2 97 / 9A without SELECT. */
  addressing?: Addressing;
}

const fidText = (fid: number): string => fid.toString(16).padStart(4, '0').toUpperCase();
/** How READ BINARY errors have always named the EF (reports and tests match on it). */
const efText = (fid: number): string => fid.toString(16).padStart(4, '0');

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
      { name: `SELECT EF ${fidText(fid)}` });
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
    if (!isOk(first.sw)) throw new CardError(`READ BINARY of EF ${efText(fid)}`, { cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00 }, first.sw);
    let size: number | undefined;
    if (first.data[0] === 0x30 && first.data.length >= 4) size = parseAnswer(`READ BINARY of EF ${efText(fid)}`, first.data, derObjectSize);
    const parts = [first.data];
    let have = first.data.length;
    while (size === undefined ? first.data.length === chunk : have < size) {
      const want = size === undefined ? chunk : Math.min(chunk, size - have);
      const r = await this.readBinary(have, want);
      if (r.sw === SW.WRONG_P1P2 && size === undefined) break; // end of file reached exactly at a chunk boundary
      if (!isOk(r.sw) && r.sw !== 0x6282) throw new CardError(`READ BINARY of EF ${efText(fid)} at ${have}`, { cla: 0x00, ins: 0xb0, p1: have >> 8, p2: have & 0xff }, r.sw, [0x9000, 0x6282]);
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
      throw new Error(`EF ${efText(fid)}: DER header says ${size} bytes, card returned ${all.length}`);
    }
    return size === undefined ? all : all.subarray(0, size);
  }

  /** EF 0006, the token information (CK_TOKEN_INFO layout). */
  async tokenInfo(): Promise<TokenInfo> {
    return parseAnswer('READ BINARY of EF 0006 (token information)', await this.readEf(EF.TOKEN_INFO), parseTokenInfo);
  }

  /** EF 0008, which certificates the AP holds. */
  async certificatePresence(): Promise<CertificatePresence> {
    return parseAnswer('READ BINARY of EF 0008 (certificate presence)', await this.readEf(EF.CERT_PRESENCE), parsePresence);
  }

  /** Selects the PIN EF (or not, for the P2 form) and gives the P2 VERIFY and CHANGE REFERENCE DATA then use. */
  private async pinP2(half: JpkiHalf, addressing: Addressing): Promise<number> {
    if (addressing === 'p2') return HALF[half].pinP2;
    await this.selectEf(HALF[half].pinEf);
    return 0x80;
  }

  /** Bare VERIFY (no data, no Le): asks how many tries remain without spending one. */
  async pinState(half: JpkiHalf = 'userAuth', addressing: Addressing = 'select'): Promise<PinState> {
    const p2 = await this.pinP2(half, addressing);
    const r = await this.session.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2 }, { name: `VERIFY (${HALF[half].pinName} tries left)` });
    return interpretPinStatus(r.sw, `VERIFY ${HALF[half].pinName}`, { cla: 0x00, ins: 0x20, p1: 0x00, p2 });
  }

  /**
   * VERIFY the user-auth PIN. Checks the remaining tries first and refuses to spend the last one unless told to,
   * and never retries on its own.
   */
  async verifyPin(pin: string, opts: VerifyOptions = {}): Promise<PinState> {
    return this.verify('userAuth', pin, opts);
  }

  /** VERIFY the signing password (001B), with the same safety rules as the user-auth PIN. */
  async verifySigningPin(password: string, opts: VerifyOptions = {}): Promise<PinState> {
    return this.verify('signing', password, opts);
  }

  async verify(half: JpkiHalf, value: string, opts: VerifyOptions = {}): Promise<PinState> {
    const name = HALF[half].pinName;
    const bytes = new TextEncoder().encode(value);
    this.session.trace.registerSecret(bytes);
    const addressing = opts.addressing ?? 'select';
    const before = await this.pinState(half, addressing);
    if ('blocked' in before) throw new PinSafetyError(`the ${name} is blocked (6984); not sending VERIFY`);
    if (!before.verified && before.triesLeft <= 1 && !opts.allowLastTry) {
      throw new PinSafetyError(
        `only ${before.triesLeft} ${half === 'userAuth' ? 'PIN' : name} try left; refusing to VERIFY because a wrong ${name} would block the card (allowLastTry overrides)`,
      );
    }
    // The bare VERIFY above left the PIN EF selected (or used the P2 form): the same P2 carries the value.
    const p2 = addressing === 'p2' ? HALF[half].pinP2 : 0x80;
    const r = await this.session.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2, data: bytes },
      { name: `VERIFY ${name}`, redact: 'command-data' });
    return interpretPinStatus(r.sw, `VERIFY ${name}`, { cla: 0x00, ins: 0x20, p1: 0x00, p2 });
  }

  /**
   * CHANGE REFERENCE DATA (00 24 01 80, ISO/IEC 7816-4 11.5.7, P1 01: the new value only) after the PIN was
   * verified. Returns the status word, so a suite can check a refusal (6982 not verified, 6A80 wrong format).
   */
  async changeReferenceData(half: JpkiHalf, newValue: string, opts: { addressing?: Addressing } = {}): Promise<StatusWord> {
    const bytes = new TextEncoder().encode(newValue);
    this.session.trace.registerSecret(bytes);
    const p2 = await this.pinP2(half, opts.addressing ?? 'select');
    const r = await this.session.transmit({ cla: 0x00, ins: 0x24, p1: 0x01, p2, data: bytes },
      { name: `CHANGE REFERENCE DATA (${HALF[half].pinName})`, redact: 'command-data' });
    return r.sw;
  }

  /** Selects the key EF (or not, for the P2 form) and gives the P2 COMPUTE DIGITAL SIGNATURE then uses. */
  private async keyP2(opts: SignOptions): Promise<number> {
    const half = opts.key ?? 'userAuth';
    if (opts.addressing === 'p2') return HALF[half].keyP2;
    await this.selectEf(HALF[half].keyEf);
    return 0x80;
  }

  /** COMPUTE DIGITAL SIGNATURE over a DigestInfo (P1=00: the card pads PKCS#1 v1.5 type 1 and signs). */
  async sign(digestInfo: Uint8Array, opts: SignOptions & { keySize?: number } = {}): Promise<Uint8Array> {
    const p2 = await this.keyP2(opts);
    const r = await this.session.send({ cla: 0x80, ins: 0x2a, p1: 0x00, p2, data: digestInfo, le: 256 },
      { name: `COMPUTE DIGITAL SIGNATURE${opts.key === 'signing' ? ' (signing key)' : ''}` });
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
  async signEcdsa(curve: EcCurve, input: { hash: Uint8Array } | { message: Uint8Array }, opts: SignOptions = {}): Promise<Uint8Array> {
    const p2 = await this.keyP2(opts);
    const byHash = 'hash' in input;
    const r = await this.session.send({ cla: 0x80, ins: 0x2a, p1: byHash ? 0x00 : 0x03, p2, data: byHash ? input.hash : input.message, le: 256 },
      { name: `COMPUTE DIGITAL SIGNATURE (ECDSA, ${byHash ? 'hash' : 'message'}${opts.key === 'signing' ? ', signing key' : ''})` });
    const expected = 2 * EC_CURVES[curve].fieldBytes;
    if (r.data.length !== expected) {
      throw new Error(`COMPUTE DIGITAL SIGNATURE returned ${r.data.length} bytes, expected r || s of ${expected} for ${curve}`);
    }
    return r.data;
  }

  /**
   * Sends COMPUTE DIGITAL SIGNATURE as is and returns the status word (for negative tests). Without `p2` the
   * current EF names the key (P2 80); the caller selects it.
   */
  async trySign(digestInfo: Uint8Array, p1 = 0x00, p2 = 0x80): Promise<StatusWord> {
    const r = await this.session.transmit({ cla: 0x80, ins: 0x2a, p1, p2, data: digestInfo, le: 256 },
      { name: 'COMPUTE DIGITAL SIGNATURE' });
    return r.sw;
  }
}

export function interpretPinStatus(sw: StatusWord, command = 'VERIFY', header: ApduHeader = { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }): PinState {
  if (isOk(sw)) return { verified: true };
  const n = triesLeft(sw);
  if (n === 0 || sw === SW.REFERENCE_DATA_NOT_USABLE || sw === SW.AUTH_METHOD_BLOCKED) return { verified: false, blocked: true };
  if (n !== undefined) return { verified: false, triesLeft: n };
  throw new CardError(command, header, sw);
}

export { describeSw };
