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

/** The big-endian unsigned integer of a byte string (RFC 8017 4.2 OS2IP). */
const os2ip = (b: Uint8Array): bigint => (b.length ? BigInt(`0x${Buffer.from(b).toString('hex')}`) : 0n);

/**
 * s^e mod n, left-padded to the modulus length. Square-and-multiply on native BigInt: node-forge's jsbn did the
 * same arithmetic about fifteen times slower, and a card's run recovers every signature the card makes.
 */
export function rsaPublicOp(pub: forge.pki.rsa.PublicKey, signature: Uint8Array): Uint8Array {
  const k = Math.ceil(pub.n.bitLength() / 8);
  const n = BigInt(`0x${pub.n.toString(16)}`);
  let s = os2ip(signature);
  if (s >= n) throw new RangeError('signature representative out of range (s >= n)');
  let m = 1n;
  for (let e = BigInt(`0x${pub.e.toString(16)}`); e > 0n; e >>= 1n) {
    if (e & 1n) m = (m * s) % n;
    s = (s * s) % n;
  }
  return Uint8Array.from(Buffer.from(m.toString(16).padStart(2 * k, '0'), 'hex'));
}
