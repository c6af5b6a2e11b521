// The two small descriptive files of the JPKI AP, parsed for the suites and `simcert sim serve`: EF 0006, the
// token information in the PKCS #11 CK_TOKEN_INFO layout (OASIS PKCS #11 v2.40 section 3.2: label[32],
// manufacturerID[32], model[16], serialNumber[16], then flags and counters), blank-padded text as OpenSC's
// pkcs15-jpki.c reads the label; and EF 0008, three bytes saying which certificates the AP holds (a single
// public source: 8F 8F 00 when both the signing and the user-authentication certificates are present).
import { hex } from '../bytes.ts';

export const TOKEN_INFO_LENGTH = 160;

export interface TokenInfo {
  label: string;
  manufacturerId: string;
  model: string;
  serialNumber: string;
  /** Bytes 96..159: flags and the other CK_TOKEN_INFO fields, as the card holds them. */
  rest: Uint8Array;
}

export class TokenInfoError extends Error {}

/** Text of a blank-padded CK_TOKEN_INFO field; anything outside printable ASCII is refused, not guessed at. */
function blankPadded(bytes: Uint8Array, field: string): string {
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) throw new TokenInfoError(`EF 0006 ${field}: byte ${hex(Uint8Array.of(b))} is not printable text (CK_TOKEN_INFO fields are blank-padded)`);
  }
  return String.fromCharCode(...bytes).replace(/ +$/, '');
}

export function parseTokenInfo(ef: Uint8Array): TokenInfo {
  if (ef.length < TOKEN_INFO_LENGTH) throw new TokenInfoError(`EF 0006 holds ${ef.length} bytes; token information is ${TOKEN_INFO_LENGTH} (CK_TOKEN_INFO)`);
  return {
    label: blankPadded(ef.subarray(0, 32), 'label'),
    manufacturerId: blankPadded(ef.subarray(32, 64), 'manufacturerID'),
    model: blankPadded(ef.subarray(64, 80), 'model'),
    serialNumber: blankPadded(ef.subarray(80, 96), 'serialNumber'),
    rest: ef.slice(96, TOKEN_INFO_LENGTH),
  };
}

export interface CertificatePresence {
  bytes: Uint8Array;
  /** The value the one public source gives for "both certificates present". */
  bothPresent: boolean;
}

export function parsePresence(ef: Uint8Array): CertificatePresence {
  if (ef.length !== 3) throw new TokenInfoError(`EF 0008 holds ${ef.length} bytes; the presence bytes are 3 (e.g. 8F 8F 00)`);
  return { bytes: Uint8Array.from(ef), bothPresent: ef[0] === 0x8f && ef[1] === 0x8f && ef[2] === 0x00 };
}
