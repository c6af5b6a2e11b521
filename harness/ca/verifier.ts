// The relying party, as the harness needs it: would a service that trusts the JPKI user-authentication CA accept
// this signature, made with this certificate's key, at this time? It checks the chain (the CA's RSA signature
// over the certificate), the validity period, key usage, the CA's CRL (signed by the CA, current, not listing the
// certificate), the CA's OCSP answer when one is given (RFC 6960: an authorized responder, its signature, the
// nonce, currency, the status) and then the signature itself, and says in words why it refuses. Certificates and CRLs are read
// with forge.asn1 only, because forge's X.509 reader rejects the EC subject keys of P-256/P-384 certificates.
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { equalBytes } from '../bytes.ts';
import { digestInfo, type HashName } from '../jpki/digest-info.ts';
import { verifyEcdsa } from '../jpki/ecdsa-check.ts';
import { EC_CURVES, type EcCurve } from '../jpki/key-algorithm.ts';
import type { CardPublicKey } from '../jpki/provision.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../jpki/rsa-check.ts';
import { OCSP_OID, certIdFor, keyHash, parseOcspResponse, sameCertId, type BasicResponse } from './ocsp.ts';
import { reasonName, type CrlReason } from './revocation.ts';
import { signedPart } from './signed-part.ts';

type Asn1 = forge.asn1.Asn1;
const A = forge.asn1;

export interface VerifyRequest {
  /** The user-authentication certificate, DER. */
  userCert: Uint8Array;
  /** The CA certificate the relying party trusts, DER. */
  caCert: Uint8Array;
  /** The CA's CRL, DER; without one the revocation status is not checked. */
  crl?: Uint8Array;
  /** The CA's OCSP answer about the certificate, and the nonce the relying party sent (then it must come back). */
  ocsp?: { response: Uint8Array; nonce?: Uint8Array };
  /** When the relying party decides. */
  at: Date;
  /** What the card signed: the DigestInfo for RSA (PKCS#1 v1.5), the hash for ECDSA. */
  signed: Uint8Array;
  /** RSA: the signature block; ECDSA: r || s. */
  signature: Uint8Array;
}

export interface Verdict {
  accepted: boolean;
  /** Why it was refused; empty when accepted. */
  reasons: string[];
}

export interface Extension {
  critical: boolean;
  /** extnValue contents (the DER of the extension's own value). */
  value: Uint8Array;
}

export interface ParsedCertificate {
  /** The TBSCertificate exactly as signed. */
  tbs: Uint8Array;
  signatureAlgorithm: string;
  tbsSignatureAlgorithm: string;
  signature: Uint8Array;
  serialHex: string;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  publicKey: CardPublicKey | { kind: 'other'; algorithm: string };
  extensions: Map<string, Extension>;
}

export interface ParsedCrlEntry {
  serialHex: string;
  revokedAt: Date;
  reason: CrlReason;
  extensions: Map<string, Extension>;
}

export interface ParsedCrl {
  tbs: Uint8Array;
  signatureAlgorithm: string;
  tbsSignatureAlgorithm: string;
  signature: Uint8Array;
  /** 1 or 2 (the INTEGER plus one). */
  version: number;
  issuer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  entries: ParsedCrlEntry[];
  /** cRLNumber, when present. */
  number?: bigint;
  extensions: Map<string, Extension>;
}

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
} as const;

/** The RSA signature algorithms a JPKI CA uses (RFC 4055 section 5). */
const RSA_SIGNATURE_HASH: Record<string, HashName> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

/** Extensions this verifier understands; a critical one outside these makes the object unusable (RFC 5280 4.2, 5.2). */
const KNOWN_CERT_EXTENSIONS = new Set(['2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.18', '2.5.29.19', '2.5.29.31', '2.5.29.32', '2.5.29.35', '2.5.29.37']);
const KNOWN_CRL_EXTENSIONS = new Set(['2.5.29.18', '2.5.29.20', '2.5.29.35']);
const KNOWN_CRL_ENTRY_EXTENSIONS = new Set(['2.5.29.21', '2.5.29.24']);

const bin = (b: Uint8Array): string => forge.util.binary.raw.encode(b);
const bytes = (s: string): Uint8Array => forge.util.binary.raw.decode(s);

/** BIT STRINGs stay raw: forge would otherwise re-parse key and signature bits as ASN.1. */
function parseDer(der: Uint8Array): Asn1 {
  return (A.fromDer as unknown as (b: string, o: object) => Asn1)(bin(der), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`${what}: expected a constructed value`);
  return node.value;
}

function universal(node: Asn1 | undefined, type: forge.asn1.Type, what: string): string {
  if (!node || node.tagClass !== A.Class.UNIVERSAL || node.type !== type || typeof node.value !== 'string') {
    throw new Error(`${what}: expected universal tag ${type}`);
  }
  return node.value;
}

const oidOf = (node: Asn1 | undefined, what: string): string => A.derToOid(universal(node, A.Type.OID, what));

function integerHex(node: Asn1 | undefined, what: string): string {
  const v = universal(node, A.Type.INTEGER, what);
  if (v.length === 0 || v.charCodeAt(0) & 0x80) throw new Error(`${what}: expected a non-negative INTEGER`);
  return forge.util.bytesToHex(v).replace(/^0+/, '').toUpperCase() || '0';
}

function bitString(node: Asn1 | undefined, what: string): { unused: number; bits: Uint8Array } {
  const v = universal(node, A.Type.BITSTRING, what);
  if (v.length === 0 || v.charCodeAt(0) > 7) throw new Error(`${what}: malformed BIT STRING`);
  return { unused: v.charCodeAt(0), bits: bytes(v.slice(1)) };
}

/** UTCTime / GeneralizedTime in the only forms RFC 5280 4.1.2.5 allows: seconds, Z. */
function timeOf(node: Asn1 | undefined, what: string): Date {
  const s = typeof node?.value === 'string' ? node.value : '';
  const m = node?.type === A.Type.UTCTIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : node?.type === A.Type.GENERALIZEDTIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m || node?.tagClass !== A.Class.UNIVERSAL) throw new Error(`${what}: expected UTCTime or GeneralizedTime with seconds and Z`);
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = node.type === A.Type.UTCTIME ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, se));
}

const isTime = (n: Asn1 | undefined): boolean => n?.tagClass === A.Class.UNIVERSAL && (n.type === A.Type.UTCTIME || n.type === A.Type.GENERALIZEDTIME);
/** A Name as DER, for comparing issuer with subject (the CA writes its subject into what it issues verbatim). */
function nameDer(node: Asn1 | undefined, what: string): Uint8Array {
  children(node, what);
  return bytes(A.toDer(node!).getBytes());
}

/** An unsigned big-endian number from a DER INTEGER, without the sign byte. */
function unsignedBytes(node: Asn1 | undefined, what: string): Uint8Array {
  integerHex(node, what);
  const v = bytes(universal(node, A.Type.INTEGER, what));
  return v.length > 1 && v[0] === 0 ? v.subarray(1) : v;
}

function algorithmOf(node: Asn1 | undefined, what: string): string {
  return oidOf(children(node, what)[0], `${what} OID`);
}

function extensionsOf(node: Asn1 | undefined, what: string): Map<string, Extension> {
  const out = new Map<string, Extension>();
  for (const ext of children(node, what)) {
    const [id, second, third] = children(ext, `${what} entry`);
    const hasCritical = second?.type === A.Type.BOOLEAN && second.tagClass === A.Class.UNIVERSAL;
    const extnId = oidOf(id, `${what} extnID`);
    if (out.has(extnId)) throw new Error(`${what}: extension ${extnId} appears twice`);
    out.set(extnId, {
      critical: hasCritical && universal(second, A.Type.BOOLEAN, 'critical') !== '\x00',
      value: bytes(universal(hasCritical ? third : second, A.Type.OCTETSTRING, `${what} extnValue`)),
    });
  }
  return out;
}

function publicKeyOf(spki: Asn1 | undefined): ParsedCertificate['publicKey'] {
  const [alg, key] = children(spki, 'subjectPublicKeyInfo');
  const [algOid, params] = children(alg, 'subjectPublicKeyInfo algorithm');
  const algorithm = oidOf(algOid, 'public key algorithm');
  const { unused, bits } = bitString(key, 'subjectPublicKey');
  if (unused !== 0) throw new Error('subjectPublicKey: key bits are not whole bytes');
  if (algorithm === OID.rsaEncryption) {
    const [n, e] = children(parseDer(bits), 'RSAPublicKey');
    return { kind: 'rsa', n: unsignedBytes(n, 'modulus'), e: unsignedBytes(e, 'publicExponent') };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = oidOf(params, 'EC namedCurve (RFC 5480 2.1.1)');
    const curve = (Object.keys(EC_CURVES) as EcCurve[]).find((c) => EC_CURVES[c].oid === curveOid);
    if (!curve) return { kind: 'other', algorithm: `EC on curve ${curveOid}` };
    return { kind: 'ec', curve, point: bits };
  }
  return { kind: 'other', algorithm };
}

export function parseCertificate(certDer: Uint8Array): ParsedCertificate {
  const [tbsNode, sigAlg, sig] = children(parseDer(certDer), 'Certificate');
  const tbs = children(tbsNode, 'TBSCertificate');
  const fields = tbs[0]?.tagClass === A.Class.CONTEXT_SPECIFIC && tbs[0].type === 0 ? tbs.slice(1) : tbs;
  const [serial, innerAlg, issuer, validity, subject, spki, ...rest] = fields;
  const [notBefore, notAfter] = children(validity, 'validity');
  const extNode = rest.find((n) => n.tagClass === A.Class.CONTEXT_SPECIFIC && n.type === 3);
  const signature = bitString(sig, 'signatureValue');
  if (signature.unused !== 0) throw new Error('signatureValue: not whole bytes');
  return {
    tbs: signedPart(certDer),
    signatureAlgorithm: algorithmOf(sigAlg, 'signatureAlgorithm'),
    tbsSignatureAlgorithm: algorithmOf(innerAlg, 'TBSCertificate signature'),
    signature: signature.bits,
    serialHex: integerHex(serial, 'serialNumber'),
    issuer: nameDer(issuer, 'issuer'),
    subject: nameDer(subject, 'subject'),
    notBefore: timeOf(notBefore, 'notBefore'),
    notAfter: timeOf(notAfter, 'notAfter'),
    publicKey: publicKeyOf(spki),
    extensions: extNode ? extensionsOf(children(extNode, 'extensions')[0], 'extensions') : new Map(),
  };
}

export function parseCrl(crlDer: Uint8Array): ParsedCrl {
  const [tbsNode, sigAlg, sig] = children(parseDer(crlDer), 'CertificateList');
  const fields = [...children(tbsNode, 'TBSCertList')];
  const version = fields[0]?.type === A.Type.INTEGER && fields[0].tagClass === A.Class.UNIVERSAL
    ? Number.parseInt(integerHex(fields.shift(), 'version'), 16) + 1 : 1;
  const innerAlg = fields.shift();
  const issuer = fields.shift();
  const thisUpdate = timeOf(fields.shift(), 'thisUpdate');
  const nextUpdate = isTime(fields[0]) ? timeOf(fields.shift(), 'nextUpdate') : undefined;
  const revoked = fields[0]?.tagClass === A.Class.UNIVERSAL && fields[0].type === A.Type.SEQUENCE ? fields.shift() : undefined;
  const extNode = fields[0]?.tagClass === A.Class.CONTEXT_SPECIFIC && fields[0].type === 0 ? fields.shift() : undefined;
  if (fields.length) throw new Error('TBSCertList: unexpected fields after crlExtensions');
  const extensions = extNode ? extensionsOf(children(extNode, 'crlExtensions')[0], 'crlExtensions') : new Map<string, Extension>();
  const entries = (revoked ? children(revoked, 'revokedCertificates') : []).map((entry): ParsedCrlEntry => {
    const [serial, date, exts] = children(entry, 'revokedCertificates entry');
    const entryExtensions = exts ? extensionsOf(exts, 'crlEntryExtensions') : new Map<string, Extension>();
    const reasonExt = entryExtensions.get(OID.reasonCode);
    let reason: CrlReason = 'unspecified';
    if (reasonExt) {
      const code = parseDer(reasonExt.value);
      const name = reasonName(universal(code, A.Type.ENUMERATED, 'reasonCode').charCodeAt(0));
      if (!name || (code.value as string).length !== 1) throw new Error('reasonCode: not a CRLReason of RFC 5280 5.3.1');
      reason = name;
    }
    return { serialHex: integerHex(serial, 'userCertificate'), revokedAt: timeOf(date, 'revocationDate'), reason, extensions: entryExtensions };
  });
  const numberExt = extensions.get(OID.cRLNumber);
  const signature = bitString(sig, 'signatureValue');
  if (signature.unused !== 0) throw new Error('signatureValue: not whole bytes');
  return {
    tbs: signedPart(crlDer),
    signatureAlgorithm: algorithmOf(sigAlg, 'signatureAlgorithm'),
    tbsSignatureAlgorithm: algorithmOf(innerAlg, 'TBSCertList signature'),
    signature: signature.bits,
    version,
    issuer: nameDer(issuer, 'issuer'),
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    entries,
    ...(numberExt ? { number: BigInt(`0x${integerHex(parseDer(numberExt.value), 'cRLNumber')}`) } : {}),
    extensions,
  };
}

/** Key usage bits (RFC 5280 4.2.1.3: bit 0 is the most significant bit of the first byte); undefined without the extension. */
function keyUsage(cert: ParsedCertificate): Set<number> | undefined {
  const ext = cert.extensions.get(OID.keyUsage);
  if (!ext) return undefined;
  const { bits } = bitString(parseDer(ext.value), 'keyUsage');
  const set = new Set<number>();
  bits.forEach((byte, i) => {
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) set.add(8 * i + b);
  });
  return set;
}
const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

function isCa(cert: ParsedCertificate): boolean {
  const ext = cert.extensions.get(OID.basicConstraints);
  if (!ext) return false;
  const first = children(parseDer(ext.value), 'basicConstraints')[0];
  return first?.type === A.Type.BOOLEAN && first.tagClass === A.Class.UNIVERSAL && first.value !== '\x00';
}

const SHORT_NAMES: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU' };

/** A Name for people, as "C=JP, O=..." (only for messages; names are compared as DER). */
function nameText(name: Uint8Array): string {
  try {
    return children(parseDer(name), 'Name').flatMap((rdn) => children(rdn, 'RDN').map((atv) => {
      const [type, value] = children(atv, 'AttributeTypeAndValue');
      const id = oidOf(type, 'attribute type');
      const text = typeof value?.value === 'string' ? (value.type === A.Type.UTF8 ? forge.util.decodeUtf8(value.value) : value.value) : '?';
      return `${SHORT_NAMES[id] ?? id}=${text}`;
    })).join(', ');
  } catch {
    return '(unreadable name)';
  }
}

const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

function rsaKey(key: { n: Uint8Array; e: Uint8Array }): forge.pki.rsa.PublicKey {
  const big = (b: Uint8Array): forge.jsbn.BigInteger => new forge.jsbn.BigInteger(forge.util.bytesToHex(bin(b)) || '0', 16);
  return forge.pki.setRsaPublicKey(big(key.n), big(key.e));
}

/** Why an RSA PKCS#1 v1.5 signature does not verify (RFC 8017 8.2.2), or undefined when it does. */
function rsaProblem(key: forge.pki.rsa.PublicKey, signedDigestInfo: Uint8Array, signature: Uint8Array): string | undefined {
  const k = Math.ceil(key.n.bitLength() / 8);
  if (signature.length !== k) return `the signature is ${signature.length} bytes, the ${8 * k}-bit modulus needs ${k}`;
  try {
    return equalBytes(rsaPublicOp(key, signature), emsaPkcs1v15(signedDigestInfo, k)) ? undefined : 'the recovered encoding does not match';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Why `signer` (a CA's RSA key) did not sign `tbs` with `algorithm`, or undefined when it did. */
function issuerSignatureProblem(signer: forge.pki.rsa.PublicKey, algorithm: string, inner: string, tbs: Uint8Array, signature: Uint8Array): string | undefined {
  // RFC 5280 4.1.1.2 / 5.1.1.2: the algorithm outside the signed part must be the one inside it.
  if (algorithm !== inner) return `signature algorithm ${algorithm} differs from the signed ${inner}`;
  const hash = RSA_SIGNATURE_HASH[algorithm];
  if (!hash) return `signature algorithm ${algorithm} is not an RSA PKCS#1 v1.5 algorithm with SHA-2`;
  return rsaProblem(signer, digestInfo(hash, createHash(hash).update(tbs).digest()), signature);
}

function unknownCritical(extensions: Map<string, Extension>, known: Set<string>): string[] {
  return [...extensions].filter(([id, e]) => e.critical && !known.has(id)).map(([id]) => id);
}

/** Whether the CRL says anything about the certificate, or why the CRL cannot be relied on. */
function crlFindings(crlDer: Uint8Array, ca: ParsedCertificate, caKey: forge.pki.rsa.PublicKey, cert: ParsedCertificate, at: Date): string[] {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(crlDer);
  } catch (err) {
    return [`the CRL cannot be read (${(err as Error).message}), so the revocation status is unknown`];
  }
  const label = crl.number === undefined ? 'the CRL (no cRLNumber)' : `CRL #${crl.number}`;
  const problems: string[] = [];
  if (crl.version !== 2) problems.push(`${label} is version ${crl.version}, not 2`);
  if (!equalBytes(crl.issuer, ca.subject)) problems.push(`${label} is issued by ${nameText(crl.issuer)}, not by the CA ${nameText(ca.subject)}`);
  if (keyUsage(ca)?.has(KU.cRLSign) === false) problems.push(`the CA certificate does not allow cRLSign, so ${label} cannot be trusted`);
  const sigProblem = issuerSignatureProblem(caKey, crl.signatureAlgorithm, crl.tbsSignatureAlgorithm, crl.tbs, crl.signature);
  if (sigProblem) problems.push(`${label} signature does not verify with the CA's key: ${sigProblem}`);
  if (at < crl.thisUpdate) problems.push(`${label} is not yet issued at ${iso(at)} (thisUpdate ${iso(crl.thisUpdate)})`);
  if (!crl.nextUpdate) problems.push(`${label} has no nextUpdate, so it cannot be shown to be current`);
  else if (at > crl.nextUpdate) problems.push(`${label} is stale at ${iso(at)} (nextUpdate ${iso(crl.nextUpdate)})`);
  const critical = [...unknownCritical(crl.extensions, KNOWN_CRL_EXTENSIONS), ...crl.entries.flatMap((e) => unknownCritical(e.extensions, KNOWN_CRL_ENTRY_EXTENSIONS))];
  if (critical.length) problems.push(`${label} has critical extensions this verifier does not process: ${critical.join(', ')}`);
  if (problems.length) return problems.map((p) => `${p}; the revocation status is unknown`);
  // Listing, not the revocation date, is what counts: a CRL current at `at` that lists the serial rules it out.
  const entry = crl.entries.find((e) => e.serialHex === cert.serialHex);
  if (!entry) return [];
  const what = entry.reason === 'certificateHold' ? 'suspended' : 'revoked';
  return [`certificate serial ${cert.serialHex} ${what} at ${iso(entry.revokedAt)} (${entry.reason}) per ${label}`];
}

/** Extended key usage purposes (RFC 5280 4.2.1.12); undefined without the extension. */
function extendedKeyUsage(cert: ParsedCertificate): Set<string> | undefined {
  const ext = cert.extensions.get('2.5.29.37');
  return ext ? new Set(children(parseDer(ext.value), 'extKeyUsage').map((n) => oidOf(n, 'KeyPurposeId'))) : undefined;
}

/**
 * Why the signer of an OCSP response is not authorized to speak for the CA (RFC 6960 4.2.2.2), or undefined when
 * it is: the CA itself, or a certificate the CA issued and signed with id-kp-OCSPSigning, valid at `at`, whose
 * key the responderID names. Returns the key to check the response signature with.
 */
function ocspSignerOf(basic: BasicResponse, caDer: Uint8Array, ca: ParsedCertificate, caKey: forge.pki.rsa.PublicKey, at: Date): { key?: forge.pki.rsa.PublicKey; problems: string[] } {
  const names = (der: Uint8Array, parsed: ParsedCertificate): boolean => ('byKey' in basic.responderId
    ? equalBytes(basic.responderId.byKey, keyHash(der)) : equalBytes(basic.responderId.byName, parsed.subject));
  if (names(caDer, ca)) return { key: caKey, problems: [] };
  const candidates = basic.certs.map((der) => ({ der, parsed: parseCertificate(der) })).filter((c) => names(c.der, c.parsed));
  const id = 'byKey' in basic.responderId ? `key hash ${forge.util.bytesToHex(bin(basic.responderId.byKey))}` : nameText(basic.responderId.byName);
  if (candidates.length === 0) return { problems: [`the OCSP response is signed by responder ${id}, which is neither the CA nor a certificate the response carries`] };
  const { parsed: signer } = candidates[0]!;
  const who = `the OCSP responder certificate (serial ${signer.serialHex}, ${nameText(signer.subject)})`;
  const problems: string[] = [];
  if (!equalBytes(signer.issuer, ca.subject)) problems.push(`${who} is issued by ${nameText(signer.issuer)}, not by the CA ${nameText(ca.subject)}`);
  const chain = issuerSignatureProblem(caKey, signer.signatureAlgorithm, signer.tbsSignatureAlgorithm, signer.tbs, signer.signature);
  if (chain) problems.push(`${who} is not signed by the CA's key (${chain})`);
  let eku: Set<string> | undefined;
  try {
    eku = extendedKeyUsage(signer);
  } catch (err) {
    problems.push(`${who}: extKeyUsage cannot be read: ${(err as Error).message}`);
  }
  if (!eku?.has(OCSP_OID.ocspSigning)) problems.push(`${who} lacks id-kp-OCSPSigning in its extended key usage, so the CA has not delegated OCSP to it`);
  if (keyUsage(signer)?.has(KU.digitalSignature) === false) problems.push(`${who}: keyUsage does not include digitalSignature`);
  if (at < signer.notBefore || at > signer.notAfter) problems.push(`${who} is not valid at ${iso(at)} (valid ${iso(signer.notBefore)} to ${iso(signer.notAfter)})`);
  const critical = unknownCritical(signer.extensions, KNOWN_CERT_EXTENSIONS);
  if (critical.length) problems.push(`${who} has critical extensions this verifier does not process: ${critical.join(', ')}`);
  if (signer.publicKey.kind !== 'rsa') problems.push(`${who} has a ${signer.publicKey.kind === 'ec' ? signer.publicKey.curve : signer.publicKey.algorithm} key; this verifier checks RSA OCSP signatures`);
  return { ...(signer.publicKey.kind === 'rsa' ? { key: rsaKey(signer.publicKey) } : {}), problems };
}

/** What the CA's OCSP responder says about the certificate, or why its answer cannot be relied on. */
function ocspFindings(responseDer: Uint8Array, nonce: Uint8Array | undefined, caDer: Uint8Array, ca: ParsedCertificate,
  caKey: forge.pki.rsa.PublicKey, cert: ParsedCertificate, at: Date): string[] {
  const unknown = (problems: string[]): string[] => problems.map((p) => `${p}; the revocation status is unknown`);
  let basic: BasicResponse;
  try {
    const response = parseOcspResponse(responseDer);
    if (response.status !== 'successful' || !response.basic) return unknown([`the OCSP responder answered ${response.status}`]);
    basic = response.basic;
  } catch (err) {
    return unknown([`the OCSP response cannot be read (${(err as Error).message})`]);
  }
  let signer: ReturnType<typeof ocspSignerOf>;
  try {
    signer = ocspSignerOf(basic, caDer, ca, caKey, at);
  } catch (err) {
    return unknown([`the OCSP responder's certificate cannot be read (${(err as Error).message})`]);
  }
  const problems = [...signer.problems];
  const label = `the OCSP response produced at ${iso(basic.producedAt)}`;
  if (signer.key) {
    const sig = issuerSignatureProblem(signer.key, basic.signatureAlgorithm, basic.signatureAlgorithm, basic.tbs, basic.signature);
    if (sig) problems.push(`${label}: the signature does not verify with the responder's key (${sig})`);
  }
  // RFC 6960 4.4.1 / RFC 8954: without the nonce back, a replayed old answer cannot be ruled out.
  if (nonce && !basic.nonce) problems.push(`${label} does not echo the request's nonce, so it may be a replay`);
  else if (nonce && basic.nonce && !equalBytes(nonce, basic.nonce)) problems.push(`${label} carries a different nonce than the request, so it answers another request`);
  const single = basic.responses.find((r) => sameCertId(r.certId, certIdFor(caDer, cert.serialHex, r.certId.hash)));
  if (!single) problems.push(`${label} says nothing about certificate serial ${cert.serialHex} of this CA`);
  else {
    // RFC 6960 3.2 items 4 and 5: thisUpdate not in the future, nextUpdate (when absent, no currency can be shown) not past.
    if (at < single.thisUpdate) problems.push(`${label} is not yet valid at ${iso(at)} (thisUpdate ${iso(single.thisUpdate)})`);
    if (!single.nextUpdate) problems.push(`${label} has no nextUpdate, so it cannot be shown to be current`);
    else if (at > single.nextUpdate) problems.push(`${label} is stale at ${iso(at)} (nextUpdate ${iso(single.nextUpdate)})`);
  }
  if (problems.length) return unknown(problems);
  if (single!.status === 'good') return [];
  if (single!.status === 'unknown') return [`the CA's OCSP responder does not know certificate serial ${cert.serialHex} (unknown), per ${label}`];
  const what = single!.reason === 'certificateHold' ? 'suspended' : 'revoked';
  return [`certificate serial ${cert.serialHex} ${what} at ${iso(single!.revokedAt)} (${single!.reason ?? 'no reason given'}) per ${label}`];
}

/** The relying party's decision on a JPKI user-authentication signature. */
export function verifyUserAuthSignature(req: VerifyRequest): Verdict {
  const refuse = (reasons: string[]): Verdict => ({ accepted: false, reasons });
  let ca: ParsedCertificate;
  let cert: ParsedCertificate;
  try {
    ca = parseCertificate(req.caCert);
  } catch (err) {
    return refuse([`the CA certificate cannot be read: ${(err as Error).message}`]);
  }
  try {
    cert = parseCertificate(req.userCert);
  } catch (err) {
    return refuse([`the certificate cannot be read: ${(err as Error).message}`]);
  }
  if (ca.publicKey.kind !== 'rsa') return refuse([`the CA key is ${ca.publicKey.kind === 'ec' ? ca.publicKey.curve : ca.publicKey.algorithm}; a JPKI CA signs with RSA`]);
  const caKey = rsaKey(ca.publicKey);
  const reasons: string[] = [];
  const serial = `certificate serial ${cert.serialHex}`;

  if (!isCa(ca)) reasons.push('the CA certificate is not a CA certificate (basicConstraints cA is not TRUE)');
  if (keyUsage(ca)?.has(KU.keyCertSign) === false) reasons.push('the CA certificate does not allow keyCertSign');
  if (req.at < ca.notBefore || req.at > ca.notAfter) {
    reasons.push(`the CA certificate is not valid at ${iso(req.at)} (valid ${iso(ca.notBefore)} to ${iso(ca.notAfter)})`);
  }

  if (!equalBytes(cert.issuer, ca.subject)) reasons.push(`${serial} is issued by ${nameText(cert.issuer)}, not by the CA ${nameText(ca.subject)}`);
  const chainProblem = issuerSignatureProblem(caKey, cert.signatureAlgorithm, cert.tbsSignatureAlgorithm, cert.tbs, cert.signature);
  if (chainProblem) reasons.push(`${serial}: the certificate signature does not verify with the CA's key (${chainProblem})`);

  // RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter.
  if (req.at < cert.notBefore) reasons.push(`${serial} is not yet valid at ${iso(req.at)} (notBefore ${iso(cert.notBefore)})`);
  if (req.at > cert.notAfter) reasons.push(`${serial} expired at ${iso(cert.notAfter)} (notAfter), before ${iso(req.at)}`);

  let usage: Set<number> | undefined;
  try {
    usage = keyUsage(cert);
  } catch (err) {
    reasons.push(`${serial}: keyUsage cannot be read: ${(err as Error).message}`);
  }
  if (!usage?.has(KU.digitalSignature)) reasons.push(`${serial}: keyUsage does not include digitalSignature`);
  const critical = unknownCritical(cert.extensions, KNOWN_CERT_EXTENSIONS);
  if (critical.length) reasons.push(`${serial} has critical extensions this verifier does not process: ${critical.join(', ')}`);

  if (req.crl) reasons.push(...crlFindings(req.crl, ca, caKey, cert, req.at));
  if (req.ocsp) reasons.push(...ocspFindings(req.ocsp.response, req.ocsp.nonce, req.caCert, ca, caKey, cert, req.at));

  const key = cert.publicKey;
  if (key.kind === 'rsa') {
    const problem = rsaProblem(rsaKey(key), req.signed, req.signature);
    if (problem) reasons.push(`the RSA signature does not verify with the key of ${serial}: ${problem}`);
  } else if (key.kind === 'ec') {
    try {
      if (!verifyEcdsa(key.curve, key.point, req.signed, req.signature)) {
        reasons.push(`the ECDSA ${key.curve} signature does not verify with the key of ${serial}`);
      }
    } catch (err) {
      // Wrong lengths (EcdsaSignatureError) and points off the curve (noble) both mean: not acceptable.
      reasons.push(`the ECDSA ${key.curve} signature cannot be checked with the key of ${serial}: ${(err as Error).message}`);
    }
  } else {
    reasons.push(`${serial} has a ${key.algorithm} key, which a JPKI user-authentication certificate cannot have`);
  }
  return { accepted: reasons.length === 0, reasons };
}
