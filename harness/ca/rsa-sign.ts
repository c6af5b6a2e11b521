// The test CA's RSA signatures (sha256WithRSAEncryption, RSASSA-PKCS1-v1_5, RFC 8017 section 8.2) made by
// node:crypto (OpenSSL) instead of node-forge's pure-JS private-key operation, which costs about a quarter of a
// second of CPU per signature where OpenSSL takes under a millisecond, and a card's run issues a dozen of them
// (certificates, CRLs, OCSP answers). PKCS#1 v1.5 is deterministic, so the signature is byte for byte the one forge
// would compute with the same key over the same bytes (rsa-sign.test.ts). The structures signed stay forge's.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

// The key as OpenSSL sees it, made from the forge key on its first signature and kept for as long as that key is.
const keyObjects = new WeakMap<forge.pki.rsa.PrivateKey, KeyObject>();

function keyObjectOf(key: forge.pki.rsa.PrivateKey): KeyObject {
  let k = keyObjects.get(key);
  if (!k) {
    k = createPrivateKey(forge.pki.privateKeyToPem(key));
    keyObjects.set(key, k);
  }
  return k;
}

/** The sha256WithRSAEncryption signature of `data` under `key`. */
export function signSha256Rsa(key: forge.pki.rsa.PrivateKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', data, keyObjectOf(key)));
}

/** As signSha256Rsa, over and returning forge's binary strings (forge.asn1.toDer(...).getBytes()). */
export function signSha256RsaBinary(key: forge.pki.rsa.PrivateKey, data: string): string {
  return forge.util.binary.raw.encode(signSha256Rsa(key, forge.util.binary.raw.decode(data)));
}

/**
 * Signs a forge certificate sha256WithRSAEncryption, as forge's `cert.sign(key, forge.md.sha256.create())` does
 * (same fields set, so pki.certificateToAsn1 gives the same DER), with the signature made by node:crypto.
 */
export function signCertificateSha256(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): void {
  const c = cert as forge.pki.Certificate & { tbsCertificate?: forge.asn1.Asn1 };
  c.signatureOid = c.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  c.signature = signSha256RsaBinary(key, forge.asn1.toDer(c.tbsCertificate).getBytes());
}
