// The test certification authority: issues user-authentication certificates in the shape of J-LIS's (subject
// without personal data, key usage digitalSignature only and critical, a certificate policy, five years' validity)
// for a public key it is given (RSA, or EC on P-256 / P-384), signed with the published RSA test CA key in
// vectors/jpki. node-forge does the X.509; it has no EC keys, so for those the subject public key info is ours.
// The signature itself is OpenSSL's (rsa-sign.ts): the same bytes as forge's, at a thousandth of the CPU.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import type { CardPublicKey, EcPublicKey } from '../jpki/provision.ts';
import { EC_CURVES } from '../jpki/key-algorithm.ts';
import { signCertificateSha256, signSha256RsaBinary } from './rsa-sign.ts';

/** Test policy OID under the UUID arc (2.25), so a test certificate can never pass for J-LIS's 1.2.392.200149.8.5.1.3.30. */
export const TEST_POLICY_OID = '2.25.317889748246805472599632977833674085543';
/**
 * J-LIS's policy OID for signing certificates (../shared/reference/jpki-card-interface.md), used in the shape of
 * the signing certificate; the signing test CA's name says TEST and its key is published, so no relying party that
 * trusts J-LIS's CA accepts these certificates.
 */
export const SIGNING_POLICY_OID = '1.2.392.200149.8.5.1.1.20';

export interface TestCa {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  der: Uint8Array;
}

const bin = (b: Uint8Array): string => forge.util.binary.raw.encode(b);
const bytes = (s: string): Uint8Array => forge.util.binary.raw.decode(s);

async function loadCa(vectorsDir: string, certFile: string, keyFile: string): Promise<TestCa> {
  const der = new Uint8Array(await readFile(join(vectorsDir, certFile)));
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(bin(der)));
  const key = forge.pki.privateKeyFromPem(await readFile(join(vectorsDir, keyFile), 'utf8')) as forge.pki.rsa.PrivateKey;
  return { cert, key, der };
}

/** The user-authentication test CA (vectors/jpki/ca-cert.der, ca-key.pem). */
export async function loadTestCa(vectorsDir: string): Promise<TestCa> {
  return loadCa(vectorsDir, 'ca-cert.der', 'ca-key.pem');
}

/** The signing test CA (vectors/jpki/signing-ca-cert.der, signing-ca-key.pem; tools/make-certs.sh). */
export async function loadSigningTestCa(vectorsDir: string): Promise<TestCa> {
  return loadCa(vectorsDir, 'signing-ca-cert.der', 'signing-ca-key.pem');
}

export interface IssueOptions {
  /** Opaque issuance identifier for the subject CN (no personal data, as in JPKI). */
  subjectId: string;
  /** Hex serial number. */
  serial: string;
  notBefore: Date;
  /** Validity in years (JPKI user-auth: until the fifth birthday; five years here). */
  years?: number;
}

/** OID contents octets (X.690 8.19), with arcs of any size: forge's encoder stops at 32 bits, UUID arcs do not. */
function oidContents(oid: string): string {
  const arcs = oid.split('.').map((x) => BigInt(x));
  const out: number[] = [];
  const push = (v: bigint): void => {
    const groups: number[] = [Number(v & 0x7fn)];
    for (let r = v >> 7n; r > 0n; r >>= 7n) groups.unshift(Number(r & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return String.fromCharCode(...out);
}

/** certificatePolicies with one policy OID, DER (RFC 5280 4.2.1.4): forge has no builder for it. */
function certificatePolicies(oid: string): string {
  const a = forge.asn1;
  return a.toDer(a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
    a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [a.create(a.Class.UNIVERSAL, a.Type.OID, false, oidContents(oid))]),
  ])).getBytes();
}

/** SubjectPublicKeyInfo of an EC key on a named curve (RFC 5480 section 2): id-ecPublicKey, the curve, the point. */
function ecSubjectPublicKeyInfo(key: EcPublicKey): forge.asn1.Asn1 {
  const a = forge.asn1;
  return a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
    a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
      a.create(a.Class.UNIVERSAL, a.Type.OID, false, oidContents('1.2.840.10045.2.1')),
      a.create(a.Class.UNIVERSAL, a.Type.OID, false, oidContents(EC_CURVES[key.curve].oid)),
    ]),
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\x00${bin(key.point)}`),
  ]);
}

/**
 * Issues the user-authentication certificate for a public key: RSA (modulus and exponent, big-endian) or EC (an
 * uncompressed point on P-256 or P-384).
 */
export function issueUserAuthCertificate(ca: TestCa, publicKey: CardPublicKey, opts: IssueOptions): Uint8Array {
  return issue(ca, publicKey, opts, { name: 'keyUsage', critical: true, digitalSignature: true }, TEST_POLICY_OID);
}

/**
 * Issues the digital-signature certificate (EF 0001) for a public key, in the JPKI signing certificate's shape:
 * key usage digitalSignature and nonRepudiation (critical), policy 1.2.392.200149.8.5.1.1.20, five years.
 */
export function issueSigningCertificate(ca: TestCa, publicKey: CardPublicKey, opts: IssueOptions): Uint8Array {
  return issue(ca, publicKey, opts, { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true }, SIGNING_POLICY_OID);
}

function issue(ca: TestCa, publicKey: CardPublicKey, opts: IssueOptions, keyUsage: Record<string, unknown>, policy: string): Uint8Array {
  const cert = forge.pki.createCertificate();
  // forge computes the subject key identifier and encodes the key only for RSA; for EC it gets the CA's key as a
  // stand-in that is replaced in the TBSCertificate below, and the identifier from the EC point (RFC 5280
  // 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits).
  cert.publicKey = publicKey.kind === 'rsa'
    ? forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger(forge.util.bytesToHex(bin(publicKey.n)), 16),
      new forge.jsbn.BigInteger(forge.util.bytesToHex(bin(publicKey.e)), 16))
    : ca.cert.publicKey;
  const ski = publicKey.kind === 'rsa'
    ? { name: 'subjectKeyIdentifier' }
    : { id: '2.5.29.14', critical: false, value: forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false,
      bin(createHash('sha1').update(publicKey.point).digest()))).getBytes() };
  cert.serialNumber = opts.serial;
  cert.validity.notBefore = opts.notBefore;
  const end = new Date(opts.notBefore);
  end.setUTCFullYear(end.getUTCFullYear() + (opts.years ?? 5));
  cert.validity.notAfter = end;
  cert.setSubject([{ shortName: 'C', value: 'JP' }, { shortName: 'CN', value: opts.subjectId }]);
  cert.setIssuer(ca.cert.subject.attributes);
  const caSki = (ca.cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null)?.subjectKeyIdentifier;
  cert.setExtensions([
    keyUsage,
    { id: '2.5.29.32', critical: false, value: certificatePolicies(policy) },
    ski,
    ...(caSki ? [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caSki) }] : []),
  ]);
  if (publicKey.kind === 'rsa') {
    signCertificateSha256(cert, ca.key);
    return bytes(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
  }
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  // TBSCertificate fields (RFC 5280 4.1): version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, extensions.
  (tbs.value as forge.asn1.Asn1[])[6] = ecSubjectPublicKeyInfo(publicKey);
  const a = forge.asn1;
  const signed = a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
    tbs,
    a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
      a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(forge.pki.oids.sha256WithRSAEncryption!).getBytes()),
      a.create(a.Class.UNIVERSAL, a.Type.NULL, false, ''),
    ]),
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\x00${signSha256RsaBinary(ca.key, forge.asn1.toDer(tbs).getBytes())}`),
  ]);
  return bytes(a.toDer(signed).getBytes());
}
