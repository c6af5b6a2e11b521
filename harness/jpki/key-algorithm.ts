// The user-authentication key types a JPKI applet instance can hold: RSA-2048 (today's My Number card), ECDSA
// P-384 with SHA-384 (the next-generation card) and P-256 with SHA-256 (common on SIMs). One place says, per type,
// what the reference applet's install parameter is, which hash goes with the curve and how long its values are.
import { concat } from '../bytes.ts';
import type { HashName } from './digest-info.ts';

export type KeyAlgorithm = 'rsa2048' | 'p256' | 'p384';
export type EcCurve = 'p256' | 'p384';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['rsa2048', 'p256', 'p384'];

export interface EcCurveInfo {
  /** Bytes of the field and of the curve's hash (SHA-256 / SHA-384): the length of d, X, Y, r and s. */
  fieldBytes: number;
  hash: HashName;
  /** Object identifier of the named curve (RFC 5480 section 2.1.1.1). */
  oid: string;
  label: string;
}

export const EC_CURVES: Record<EcCurve, EcCurveInfo> = {
  p256: { fieldBytes: 32, hash: 'sha256', oid: '1.2.840.10045.3.1.7', label: 'ECDSA P-256 / SHA-256' },
  p384: { fieldBytes: 48, hash: 'sha384', oid: '1.3.132.0.34', label: 'ECDSA P-384 / SHA-384' },
};

/**
 * Key-algorithm byte of the reference applet's install parameters `80 01 alg` (user-authentication key) and
 * `81 01 alg` (signing key) (lab/applets/jpki/README.md).
 */
const INSTALL_ALGORITHM: Record<KeyAlgorithm, number> = { rsa2048: 0x01, p256: 0x02, p384: 0x03 };

/**
 * Application data (C9) for the reference applet's install(): empty when both keys are RSA-2048 (its default);
 * otherwise `80 01 a` for the user-auth key, and `81 01 b` for the signing key when it differs from the user-auth
 * key's type (the applet's default for the signing key is the user-auth key's type).
 */
export function installParameters(alg: KeyAlgorithm, signing: KeyAlgorithm = alg): Uint8Array {
  if (alg === 'rsa2048' && signing === 'rsa2048') return new Uint8Array(0);
  const auth = Uint8Array.of(0x80, 0x01, INSTALL_ALGORITHM[alg]);
  return signing === alg ? auth : concat(auth, Uint8Array.of(0x81, 0x01, INSTALL_ALGORITHM[signing]));
}

export function isEc(alg: KeyAlgorithm): alg is EcCurve {
  return alg !== 'rsa2048';
}

export function algorithmLabel(alg: KeyAlgorithm): string {
  return alg === 'rsa2048' ? 'RSA-2048 / PKCS #1 v1.5' : EC_CURVES[alg].label;
}
