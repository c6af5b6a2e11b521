// The signatures of GlobalPlatform secure content management (GPCS 2.3.1 appendix C, table C-1): a DAP (C.3) or
// a token (C.4) is signed with the scheme the signing key's type and size select, as the card verifies it with the
// matching public key. RSA of 1024 bits: scheme 1 (B.3.1.1, RSASSA-PKCS1-v1_5 with SHA-1); longer RSA: scheme 2
// (B.3.2.1, RSASSA-PSS with SHA-256, MGF1-SHA-256, salt of the hash's length); ECC: ECDSA (B.4.3) with SHA-256
// for 256-383-bit curves and SHA-384 for 384-511, the signature r || s in plain format (TR-03111).
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** What a content management signing key is, for reports and errors (never the key itself). */
export function describeSigningKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA-${d?.modulusLength}`;
  if (key.asymmetricKeyType === 'ec') return `EC ${d?.namedCurve}`;
  return key.asymmetricKeyType ?? key.type;
}

/** A private key from PEM (PKCS#8 or traditional) text, as a profile's secret gives it. */
export function signingKey(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${what}: not a PEM private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw new Error(`${what}: an RSA or EC private key is needed (GPCS table C-1), not ${key.asymmetricKeyType}`);
  }
  return key;
}

/** `key`'s signature of `data` under the scheme table C-1 gives that key. */
export function contentSignature(key: KeyObject, data: Uint8Array): Uint8Array {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = d?.modulusLength ?? 0;
    if (bits < 1024) throw new RangeError(`RSA-${bits}: table C-1 asks for 1024 bits or more`);
    if (bits === 1024) return new Uint8Array(sign('sha1', data, { key, padding: constants.RSA_PKCS1_PADDING }));
    return new Uint8Array(sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
  }
  if (key.asymmetricKeyType === 'ec') {
    const hash = d?.namedCurve === 'prime256v1' ? 'sha256' : d?.namedCurve === 'secp384r1' ? 'sha384' : undefined;
    if (!hash) throw new RangeError(`curve ${d?.namedCurve}: this harness signs with P-256 or P-384 (table B-3)`);
    return new Uint8Array(sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }));
  }
  throw new RangeError(`a ${key.asymmetricKeyType} key cannot sign content management data (table C-1)`);
}
