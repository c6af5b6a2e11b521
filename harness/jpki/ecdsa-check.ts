// Checks ECDSA signatures a card returns, with @noble/curves: the plain r || s format (BSI TR-03111 5.2.1) the
// reference applet answers, over a hash computed by the harness. High-S signatures are valid ECDSA (FIPS 186-4 does
// not require low S, and Java Card does not produce it), so the check accepts them.
import { createECDH } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { EC_CURVES, type EcCurve } from './key-algorithm.ts';

const CURVE = { p256, p384 } as const;

export class EcdsaSignatureError extends Error {}

/** Whether `signature` (r || s) verifies for `hash` under the uncompressed public point; throws on malformed input. */
export function verifyEcdsa(curve: EcCurve, publicPoint: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean {
  const n = EC_CURVES[curve].fieldBytes;
  if (signature.length !== 2 * n) {
    throw new EcdsaSignatureError(`an ECDSA ${curve} signature is ${2 * n} bytes (r || s); the card gave ${signature.length}`);
  }
  if (hash.length !== n) throw new EcdsaSignatureError(`the ${EC_CURVES[curve].hash} hash is ${n} bytes, got ${hash.length}`);
  return CURVE[curve].verify(signature, hash, publicPoint, { prehash: false, lowS: false, format: 'compact' });
}

/** OpenSSL's names of the curves (RFC 5480's prime256v1 is P-256). */
const OPENSSL_CURVE = { p256: 'prime256v1', p384: 'secp384r1' } as const;

/**
 * The uncompressed public point of a private scalar (to check that a key file's public half matches). By OpenSSL:
 * noble's d·G builds a table for G first (a few hundred milliseconds of CPU per curve and process), which its
 * verify does not use; the signature checks above stay with noble.
 */
export function publicPointOf(curve: EcCurve, d: Uint8Array): Uint8Array {
  const ecdh = createECDH(OPENSSL_CURVE[curve]);
  ecdh.setPrivateKey(d);
  return new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
}

/** Throws unless the uncompressed point lies on the curve (a card's exported key is checked before certifying it). */
export function assertOnCurve(curve: EcCurve, point: Uint8Array): void {
  try {
    CURVE[curve].Point.fromBytes(point).assertValidity();
  } catch (err) {
    throw new EcdsaSignatureError(`the ${curve} public key is not a point on the curve: ${(err as Error).message}`);
  }
}
