// OCSP messages (RFC 6960) as DER, for the test CA's responder and the relying party: the request a client sends
// (CertID of the certificate, optional nonce), and the BasicOCSPResponse the responder signs (good, revoked with a
// reason, or unknown; thisUpdate/nextUpdate; nonce echo; the delegated signing certificate). node-forge has ASN.1
// but no OCSP, and the CRL code already builds DER with forge.asn1, so these are written the same way rather than
// adding a PKI library; `openssl ocsp` is the independent check that the bytes are right (ocsp.test.ts).
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { REASON_CODES, normalizeSerial, reasonName, type CrlReason } from './revocation.ts';
import { signedPart } from './signed-part.ts';

type Asn1 = forge.asn1.Asn1;
const a = forge.asn1;

export const OCSP_OID = {
  basic: '1.3.6.1.5.5.7.48.1.1',
  nonce: '1.3.6.1.5.5.7.48.1.2',
  noCheck: '1.3.6.1.5.5.7.48.1.5',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
} as const;

/** OCSPResponseStatus (RFC 6960 4.2.1); 4 is not used. */
export const RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type ResponseStatus = keyof typeof RESPONSE_STATUS;

/** CertID (RFC 6960 4.1.1): which certificate, named by its issuer's name and key hashes and its serial. */
export interface CertId {
  /** 'sha1' (what clients send by default) or 'sha256'. */
  hash: 'sha1' | 'sha256';
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialHex: string;
}

export interface OcspRequest {
  certIds: CertId[];
  nonce?: Uint8Array;
}

export type CertStatus =
  | { status: 'good' }
  | { status: 'revoked'; revokedAt: Date; reason?: CrlReason }
  | { status: 'unknown' };

export type SingleResponse = { certId: CertId; thisUpdate: Date; nextUpdate?: Date } & CertStatus;

export interface BasicResponse {
  /** ResponseData exactly as signed. */
  tbs: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
  responderId: { byName: Uint8Array } | { byKey: Uint8Array };
  producedAt: Date;
  responses: SingleResponse[];
  nonce?: Uint8Array;
  /** certs: the responder's certificate (and any chain it sends), DER. */
  certs: Uint8Array[];
}

export interface OcspResponse {
  status: ResponseStatus;
  basic?: BasicResponse;
}

const bin = (b: Uint8Array): string => forge.util.binary.raw.encode(b);
const bytes = (s: string): Uint8Array => forge.util.binary.raw.decode(s);
const seq = (items: Asn1[]): Asn1 => a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, items);
const oid = (dotted: string): Asn1 => a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(dotted).getBytes());
const octets = (b: Uint8Array): Asn1 => a.create(a.Class.UNIVERSAL, a.Type.OCTETSTRING, false, bin(b));
const explicit = (tag: number, inner: Asn1): Asn1 => a.create(a.Class.CONTEXT_SPECIFIC, tag, true, [inner]);
const der = (node: Asn1): Uint8Array => bytes(a.toDer(node).getBytes());
const HASH_OID = { sha1: OCSP_OID.sha1, sha256: OCSP_OID.sha256 } as const;

function parseDer(input: Uint8Array): Asn1 {
  return (a.fromDer as unknown as (b: string, o: object) => Asn1)(bin(input), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`${what}: expected a constructed value`);
  return node.value;
}

function primitive(node: Asn1 | undefined, type: number, what: string): string {
  if (!node || node.tagClass !== a.Class.UNIVERSAL || node.type !== type || typeof node.value !== 'string') {
    throw new Error(`${what}: expected universal tag ${type}`);
  }
  return node.value;
}

const isContext = (n: Asn1 | undefined, tag: number): boolean => n?.tagClass === a.Class.CONTEXT_SPECIFIC && n.type === tag;

/** DER INTEGER of a non-negative hex number: minimal, with 00 in front where the top bit is set. */
function unsignedInteger(hexDigits: string): Asn1 {
  let h = normalizeSerial(hexDigits);
  if (h.length % 2) h = `0${h}`;
  if (Number.parseInt(h.slice(0, 2), 16) >= 0x80) h = `00${h}`;
  return a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, forge.util.hexToBytes(h));
}

function integerHex(node: Asn1 | undefined, what: string): string {
  const v = primitive(node, a.Type.INTEGER, what);
  if (v.length === 0 || v.charCodeAt(0) & 0x80) throw new Error(`${what}: expected a non-negative INTEGER`);
  return forge.util.bytesToHex(v).replace(/^0+/, '').toUpperCase() || '0';
}

const two = (n: number): string => String(n).padStart(2, '0');

/** GeneralizedTime with seconds and Z, as RFC 6960 4.2.2.1 (through RFC 5280 4.1.2.5.2) requires; fractions dropped. */
function generalizedTime(d: Date): Asn1 {
  const s = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return a.create(a.Class.UNIVERSAL, a.Type.GENERALIZEDTIME, false, s);
}

function timeOf(node: Asn1 | undefined, what: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(primitive(node, a.Type.GENERALIZEDTIME, what));
  if (!m) throw new Error(`${what}: expected GeneralizedTime with seconds and Z`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** The parts of a certificate a CertID and a ResponderID are made from: the subject Name DER and the key bits. */
export function certificateKeyParts(certDer: Uint8Array): { subject: Uint8Array; publicKeyBits: Uint8Array } {
  const tbs = children(children(parseDer(certDer), 'Certificate')[0], 'TBSCertificate');
  const fields = isContext(tbs[0], 0) ? tbs.slice(1) : tbs;
  const spki = children(fields[5], 'subjectPublicKeyInfo');
  const bits = primitive(spki[1], a.Type.BITSTRING, 'subjectPublicKey');
  return { subject: der(fields[4]!), publicKeyBits: bytes(bits.slice(1)) };
}

/** RFC 6960 4.1.1: hashes of the issuer's DER Name and of its subjectPublicKey BIT STRING value (no tag, length, unused-bits byte). */
export function certIdFor(issuerCertDer: Uint8Array, serialHex: string, hash: CertId['hash'] = 'sha1'): CertId {
  const issuer = certificateKeyParts(issuerCertDer);
  return {
    hash,
    issuerNameHash: new Uint8Array(createHash(hash).update(issuer.subject).digest()),
    issuerKeyHash: new Uint8Array(createHash(hash).update(issuer.publicKeyBits).digest()),
    serialHex: normalizeSerial(serialHex),
  };
}

/** KeyHash (RFC 6960 4.2.1): SHA-1 of the responder's subjectPublicKey bits. */
export function keyHash(certDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(certificateKeyParts(certDer).publicKeyBits).digest());
}

function certIdNode(id: CertId): Asn1 {
  return seq([
    seq([oid(HASH_OID[id.hash]), a.create(a.Class.UNIVERSAL, a.Type.NULL, false, '')]),
    octets(id.issuerNameHash),
    octets(id.issuerKeyHash),
    unsignedInteger(id.serialHex),
  ]);
}

function parseCertId(node: Asn1 | undefined): CertId {
  const [alg, nameHash, keyHashNode, serial] = children(node, 'CertID');
  const algOid = a.derToOid(primitive(children(alg, 'CertID hashAlgorithm')[0], a.Type.OID, 'CertID hashAlgorithm'));
  const hash = (Object.keys(HASH_OID) as CertId['hash'][]).find((h) => HASH_OID[h] === algOid);
  if (!hash) throw new Error(`CertID hash algorithm ${algOid} is not SHA-1 or SHA-256`);
  return {
    hash,
    issuerNameHash: bytes(primitive(nameHash, a.Type.OCTETSTRING, 'issuerNameHash')),
    issuerKeyHash: bytes(primitive(keyHashNode, a.Type.OCTETSTRING, 'issuerKeyHash')),
    serialHex: integerHex(serial, 'CertID serialNumber'),
  };
}

export function sameCertId(x: CertId, y: CertId): boolean {
  const eq = (p: Uint8Array, q: Uint8Array): boolean => p.length === q.length && p.every((b, i) => b === q[i]);
  return x.hash === y.hash && x.serialHex === y.serialHex && eq(x.issuerNameHash, y.issuerNameHash) && eq(x.issuerKeyHash, y.issuerKeyHash);
}

/** The nonce extension (RFC 6960 4.4.1, RFC 8954): extnValue holds an OCTET STRING of the nonce. */
function nonceExtensions(nonce: Uint8Array): Asn1 {
  return seq([seq([oid(OCSP_OID.nonce), octets(der(octets(nonce)))])]);
}

function nonceOf(extensions: Asn1 | undefined, what: string): Uint8Array | undefined {
  for (const ext of children(extensions, what)) {
    const parts = children(ext, `${what} entry`);
    if (a.derToOid(primitive(parts[0], a.Type.OID, 'extnID')) !== OCSP_OID.nonce) continue;
    const value = bytes(primitive(parts[parts.length - 1], a.Type.OCTETSTRING, 'nonce extnValue'));
    return bytes(primitive(parseDer(value), a.Type.OCTETSTRING, 'nonce'));
  }
  return undefined;
}

/** An unsigned OCSPRequest (RFC 6960 4.1.1) for the certificates, with the nonce as a request extension. */
export function encodeOcspRequest(req: OcspRequest): Uint8Array {
  const tbs = seq([
    seq(req.certIds.map((id) => seq([certIdNode(id)]))),
    ...(req.nonce ? [explicit(2, nonceExtensions(req.nonce))] : []),
  ]);
  return der(seq([tbs]));
}

export function parseOcspRequest(input: Uint8Array): OcspRequest {
  const [tbsNode] = children(parseDer(input), 'OCSPRequest');
  const fields = [...children(tbsNode, 'TBSRequest')];
  if (isContext(fields[0], 0)) {
    if (integerHex(children(fields.shift(), 'version')[0], 'version') !== '0') throw new Error('TBSRequest version is not v1');
  }
  if (isContext(fields[0], 1)) fields.shift(); // requestorName: this responder does not require signed requests
  const list = children(fields.shift(), 'requestList');
  if (list.length === 0) throw new Error('requestList is empty');
  const certIds = list.map((r) => parseCertId(children(r, 'Request')[0]));
  const ext = isContext(fields[0], 2) ? children(fields.shift(), 'requestExtensions')[0] : undefined;
  const nonce = ext ? nonceOf(ext, 'requestExtensions') : undefined;
  return { certIds, ...(nonce ? { nonce } : {}) };
}

/** An OCSPResponse without responseBytes: every status but successful (RFC 6960 4.2.1). */
export function encodeErrorResponse(status: Exclude<ResponseStatus, 'successful'>): Uint8Array {
  return der(seq([a.create(a.Class.UNIVERSAL, a.Type.ENUMERATED, false, String.fromCharCode(RESPONSE_STATUS[status]))]));
}

export interface ResponseToSign {
  responderCert: Uint8Array;
  producedAt: Date;
  responses: SingleResponse[];
  nonce?: Uint8Array;
}

function singleResponseNode(r: SingleResponse): Asn1 {
  let status: Asn1;
  if (r.status === 'good') status = a.create(a.Class.CONTEXT_SPECIFIC, 0, false, '');
  else if (r.status === 'unknown') status = a.create(a.Class.CONTEXT_SPECIFIC, 2, false, '');
  else {
    // RevokedInfo, IMPLICIT [1]; the reason is [0] EXPLICIT CRLReason, left out for unspecified as in a CRL.
    status = a.create(a.Class.CONTEXT_SPECIFIC, 1, true, [
      generalizedTime(r.revokedAt),
      ...(r.reason && r.reason !== 'unspecified'
        ? [explicit(0, a.create(a.Class.UNIVERSAL, a.Type.ENUMERATED, false, String.fromCharCode(REASON_CODES[r.reason])))] : []),
    ]);
  }
  return seq([
    certIdNode(r.certId),
    status,
    generalizedTime(r.thisUpdate),
    ...(r.nextUpdate ? [explicit(0, generalizedTime(r.nextUpdate))] : []),
  ]);
}

/**
 * A successful OCSPResponse with a BasicOCSPResponse signed sha256WithRSAEncryption by `sign` (which gets the
 * ResponseData DER and returns the PKCS#1 v1.5 signature); the responder is named by key hash and sends its
 * certificate, so a client that trusts the CA can check the delegation (RFC 6960 4.2.2.2).
 */
export function encodeBasicResponse(body: ResponseToSign, sign: (tbs: Uint8Array) => Uint8Array): Uint8Array {
  const sigAlg = seq([oid(OCSP_OID.sha256WithRSAEncryption), a.create(a.Class.UNIVERSAL, a.Type.NULL, false, '')]);
  const tbs = seq([
    explicit(2, octets(keyHash(body.responderCert))),
    generalizedTime(body.producedAt),
    seq(body.responses.map(singleResponseNode)),
    ...(body.nonce ? [explicit(1, nonceExtensions(body.nonce))] : []),
  ]);
  const basic = seq([
    tbs,
    sigAlg,
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\x00${bin(sign(der(tbs)))}`),
    explicit(0, seq([parseDer(body.responderCert)])),
  ]);
  return der(seq([
    a.create(a.Class.UNIVERSAL, a.Type.ENUMERATED, false, '\x00'),
    explicit(0, seq([oid(OCSP_OID.basic), octets(der(basic))])),
  ]));
}

function parseSingleResponse(node: Asn1): SingleResponse {
  const fields = [...children(node, 'SingleResponse')];
  const certId = parseCertId(fields.shift());
  const statusNode = fields.shift();
  let status: CertStatus;
  if (isContext(statusNode, 0)) status = { status: 'good' };
  else if (isContext(statusNode, 2)) status = { status: 'unknown' };
  else if (isContext(statusNode, 1)) {
    const [when, reasonNode] = children(statusNode, 'RevokedInfo');
    let reason: CrlReason | undefined;
    if (reasonNode) {
      const code = primitive(children(reasonNode, 'revocationReason')[0], a.Type.ENUMERATED, 'revocationReason');
      reason = code.length === 1 ? reasonName(code.charCodeAt(0)) : undefined;
      if (!reason) throw new Error('revocationReason: not a CRLReason of RFC 5280 5.3.1');
    }
    status = { status: 'revoked', revokedAt: timeOf(when, 'revocationTime'), ...(reason ? { reason } : {}) };
  } else throw new Error('certStatus: expected good [0], revoked [1] or unknown [2]');
  const thisUpdate = timeOf(fields.shift(), 'thisUpdate');
  const nextUpdate = isContext(fields[0], 0) ? timeOf(children(fields.shift(), 'nextUpdate')[0], 'nextUpdate') : undefined;
  return { certId, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), ...status };
}

/** Reads an OCSPResponse; throws with the field's name when it is not one. */
export function parseOcspResponse(input: Uint8Array): OcspResponse {
  const [statusNode, bytesNode] = children(parseDer(input), 'OCSPResponse');
  const code = primitive(statusNode, a.Type.ENUMERATED, 'responseStatus');
  const status = (Object.keys(RESPONSE_STATUS) as ResponseStatus[]).find((s) => code.length === 1 && RESPONSE_STATUS[s] === code.charCodeAt(0));
  if (!status) throw new Error(`responseStatus ${forge.util.bytesToHex(code)} is not one of RFC 6960 4.2.1`);
  if (!bytesNode) return { status };
  const [typeNode, responseNode] = children(children(bytesNode, 'responseBytes')[0], 'ResponseBytes');
  const type = a.derToOid(primitive(typeNode, a.Type.OID, 'responseType'));
  if (type !== OCSP_OID.basic) throw new Error(`responseType ${type} is not id-pkix-ocsp-basic`);
  const basicDer = bytes(primitive(responseNode, a.Type.OCTETSTRING, 'response'));
  const [tbsNode, sigAlg, sig, certsNode] = children(parseDer(basicDer), 'BasicOCSPResponse');
  const fields = [...children(tbsNode, 'ResponseData')];
  if (isContext(fields[0], 0)) {
    if (integerHex(children(fields.shift(), 'version')[0], 'version') !== '0') throw new Error('ResponseData version is not v1');
  }
  const idNode = fields.shift();
  let responderId: BasicResponse['responderId'];
  if (isContext(idNode, 1)) responderId = { byName: der(children(idNode, 'byName')[0]!) };
  else if (isContext(idNode, 2)) responderId = { byKey: bytes(primitive(children(idNode, 'byKey')[0], a.Type.OCTETSTRING, 'byKey')) };
  else throw new Error('responderID: expected byName [1] or byKey [2]');
  const producedAt = timeOf(fields.shift(), 'producedAt');
  const responses = children(fields.shift(), 'responses').map(parseSingleResponse);
  const nonce = isContext(fields[0], 1) ? nonceOf(children(fields.shift(), 'responseExtensions')[0], 'responseExtensions') : undefined;
  const sigBits = primitive(sig, a.Type.BITSTRING, 'signature');
  if (sigBits.charCodeAt(0) !== 0) throw new Error('signature: not whole bytes');
  return {
    status,
    basic: {
      tbs: signedPart(basicDer),
      signatureAlgorithm: a.derToOid(primitive(children(sigAlg, 'signatureAlgorithm')[0], a.Type.OID, 'signatureAlgorithm')),
      signature: bytes(sigBits.slice(1)),
      responderId,
      producedAt,
      responses,
      ...(nonce ? { nonce } : {}),
      certs: certsNode ? children(children(certsNode, 'certs')[0], 'certs').map(der) : [],
    },
  };
}
