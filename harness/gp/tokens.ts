// Delegated management (GPCS 2.3.1 C.4, C.5, 11.1.6): a security domain with the Delegated Management privilege
// may load, install and delete only with a token, a signature by the card issuer's token key over the command it
// authorizes; the card answers with a confirmation whose receipt, computed with the receipt key, proves the
// operation was done on that card. Here: the data a token signs, the token, and reading and checking a receipt.
import type { KeyObject } from 'node:crypto';
import { concat, equalBytes, fromHex } from '../bytes.ts';
import { aesCmac } from './crypto.ts';
import { contentSignature } from './content-signature.ts';

/**
 * C.4 (tables C-4, C-5, C-9): what a token signs: P1, P2, the length of the command data before the token (1
 * byte; 3 bytes 00 xx xx over 255), and that data.
 */
export function tokenSignedData(p1: number, p2: number, dataBeforeToken: Uint8Array): Uint8Array {
  const n = dataBeforeToken.length;
  if (n > 0xffff) throw new RangeError('command data over 65535 bytes');
  const lc = n > 255 ? Uint8Array.of(0x00, n >> 8, n & 0xff) : Uint8Array.of(n);
  return concat(Uint8Array.of(p1, p2), lc, dataBeforeToken);
}

/** A token for a command (C.4), signed with the token key under table C-1's scheme for it. */
export function signToken(key: KeyObject, p1: number, p2: number, dataBeforeToken: Uint8Array): Uint8Array {
  return contentSignature(key, tokenSignedData(p1, p2, dataBeforeToken));
}

/** Signs the token of a command, given P1, P2 and the command data before the token. */
export type TokenSigner = (p1: number, p2: number, dataBeforeToken: Uint8Array) => Uint8Array;

export function tokenSigner(key: KeyObject): TokenSigner {
  return (p1, p2, data) => signToken(key, p1, p2, data);
}

/** A confirmation (GPCS 11.1.6, tables 11-13 and 11-14) as a card returned it. */
export interface Confirmation {
  receipt: Uint8Array;
  /** The Confirmation Data, as signed by the receipt. */
  data: Uint8Array;
  confirmationCounter: number;
  /** Security Domain unique data: the SD Provider Identification Number (42) || the SD Image Number (45). */
  sdUniqueData: Uint8Array;
  tokenIdentifier?: Uint8Array;
  tokenDataDigest?: Uint8Array;
}

function berLength(b: Uint8Array, p: number, what: string): [number, number] {
  const first = b[p];
  if (first === undefined) throw new Error(`${what}: the length is missing`);
  if (first < 0x80) return [p + 1, first];
  if (first === 0x81 && b[p + 1] !== undefined && b[p + 1]! >= 0x80) return [p + 2, b[p + 1]!];
  throw new Error(`${what}: length ${first.toString(16).toUpperCase()} is not '00'-'7F' or '81 80'-'81 FF'`);
}

/**
 * Reads the data field of a LOAD (last block, table 11-59) or INSTALL (table 11-54) answer: the length of the
 * confirmation, then the confirmation. Undefined when the card sent none (a single 00, or nothing).
 */
export function parseConfirmationResponse(response: Uint8Array): Confirmation | undefined {
  if (response.length === 0) return undefined;
  const [start, len] = berLength(response, 0, 'confirmation');
  if (len === 0) return undefined;
  if (start + len !== response.length) throw new Error(`confirmation of ${len} bytes in an answer that has ${response.length - start} after its length`);
  return parseConfirmation(response.subarray(start));
}

/** Table 11-13: length of the receipt, the receipt, then the Confirmation Data of table 11-14. */
export function parseConfirmation(c: Uint8Array): Confirmation {
  const [rs, rl] = berLength(c, 0, 'receipt');
  if (rs + rl > c.length) throw new Error('the receipt runs past the confirmation');
  const receipt = c.subarray(rs, rs + rl);
  const data = c.subarray(rs + rl);
  let p = 0;
  const field = (what: string): Uint8Array => {
    const len = data[p];
    if (len === undefined || p + 1 + len > data.length) throw new Error(`confirmation data: ${what} runs past the end`);
    const v = data.subarray(p + 1, p + 1 + len);
    p += 1 + len;
    return v;
  };
  const counter = field('the confirmation counter');
  if (counter.length !== 2) throw new Error(`confirmation data: the confirmation counter has ${counter.length} bytes, not 2`);
  const sdUniqueData = field('the SD unique data');
  if (sdUniqueData.length === 0) throw new Error('confirmation data: no SD unique data');
  const out: Confirmation = { receipt, data, confirmationCounter: (counter[0]! << 8) | counter[1]!, sdUniqueData };
  if (p < data.length) out.tokenIdentifier = field('the token identifier');
  if (p < data.length) out.tokenDataDigest = field('the token data digest');
  if (p !== data.length) throw new Error(`confirmation data: ${data.length - p} bytes after the token data digest`);
  return out;
}

function lv(aid: string): Uint8Array {
  const b = fromHex(aid);
  return concat(Uint8Array.of(b.length), b);
}

/** Table C-11: what a Load Receipt signs after the confirmation data: LV(load file AID), LV(SD AID). */
export const loadReceiptContext = (loadFileAid: string, sdAid: string): Uint8Array => concat(lv(loadFileAid), lv(sdAid));

/** Table C-12: what an Install Receipt signs after the confirmation data: LV(load file AID), LV(instance AID). */
export const installReceiptContext = (loadFileAid: string, instanceAid: string): Uint8Array => concat(lv(loadFileAid), lv(instanceAid));

/**
 * C.5 with an AES receipt key: the receipt is the CMAC (B.2.2, ICV zero, 16 bytes) of the confirmation data
 * followed by the operation's data (`context`). True when the card's receipt is that.
 */
export function verifyAesReceipt(receiptKey: Uint8Array, c: Confirmation, context: Uint8Array): boolean {
  return c.receipt.length === 16 && equalBytes(aesCmac(receiptKey, concat(c.data, context)), c.receipt);
}
