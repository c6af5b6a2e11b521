// Independent checks of RSA PKCS#1 v1.5 signatures: the EMSA-PKCS1-v1_5 encoding (RFC 8017 section 9.2) and
// the raw public-key operation, so a verifier does not trust a library's DigestInfo parsing alone.
import forge from 'node-forge';

export function emsaPkcs1v15(digestInfo: Uint8Array, k: number): Uint8Array {
  if (digestInfo.length > k - 11) throw new RangeError(`DigestInfo of ${digestInfo.length} bytes too long for a ${k}-byte modulus`);
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - digestInfo.length - 1] = 0x00;
  em.set(digestInfo, k - digestInfo.length);
  return em;
}

/** s^e mod n, left-padded to the modulus length. */
export function rsaPublicOp(pub: forge.pki.rsa.PublicKey, signature: Uint8Array): Uint8Array {
  const k = Math.ceil(pub.n.bitLength() / 8);
  const s = new forge.jsbn.BigInteger(Buffer.from(signature).toString('hex'), 16);
  if (s.compareTo(pub.n) >= 0) throw new RangeError('signature representative out of range (s >= n)');
  const m = s.modPow(pub.e, pub.n).toString(16);
  return Uint8Array.from(Buffer.from(m.padStart(2 * k, '0'), 'hex'));
}
