// The test CA's OCSP responder (RFC 6960): answers good, revoked (with the CRL reason; certificateHold while a lost
// phone is suspended) or unknown for the certificates the CA issued, from the same revocation state its CRLs are
// made from, so CRL and OCSP always tell one story. It signs with a delegated OCSP signing certificate (issued by
// the CA with id-kp-OCSPSigning, RFC 6960 4.2.2.2), never with the CA key, and serves HTTP POST on loopback, port 0.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import forge from 'node-forge';
import { OCSP_OID, certIdFor, encodeBasicResponse, encodeErrorResponse, parseOcspRequest, sameCertId, type SingleResponse } from './ocsp.ts';
import { normalizeSerial, type RevocationList } from './revocation.ts';
import { signCertificateSha256, signSha256Rsa } from './rsa-sign.ts';
import type { TestCa } from './test-ca.ts';

const bytes = (s: string): Uint8Array => forge.util.binary.raw.decode(s);

export interface OcspSigner {
  /** The delegated responder certificate, DER. */
  cert: Uint8Array;
  key: forge.pki.rsa.PrivateKey;
}

/**
 * Issues a delegated OCSP signing certificate under the CA: a fresh RSA-2048 key (generated here, never written
 * out), extended key usage id-kp-OCSPSigning, key usage digitalSignature, and id-pkix-ocsp-nocheck so clients do
 * not ask for the responder's own status (RFC 6960 4.2.2.2.1). Short-lived, as that section advises.
 */
export function issueOcspSigner(ca: TestCa, opts: { serial: string; notBefore: Date; days?: number }): OcspSigner {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = opts.serial;
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = new Date(opts.notBefore.getTime() + (opts.days ?? 30) * 86_400_000);
  cert.setSubject([{ shortName: 'C', value: 'JP' }, { shortName: 'O', value: 'JPKI TEST' }, { shortName: 'CN', value: 'JPKI TEST OCSP responder' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  const caSki = (ca.cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null)?.subjectKeyIdentifier;
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    { name: 'extKeyUsage', [OCSP_OID.ocspSigning]: true },
    { id: OCSP_OID.noCheck, critical: false, value: '\x05\x00' },
    { name: 'subjectKeyIdentifier' },
    ...(caSki ? [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caSki) }] : []),
  ]);
  signCertificateSha256(cert, ca.key);
  return { cert: bytes(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes()), key };
}

export interface ResponderOptions {
  ca: TestCa;
  signer: OcspSigner;
  /** Serials the CA has issued: any other serial under this CA is unknown. */
  issued: () => Iterable<string>;
  /** The CA's current revocation state (the one its CRLs are issued from). */
  revocations: () => RevocationList;
  /** How long an answer may be relied on (nextUpdate - thisUpdate); one hour by default. */
  validityMs?: number;
  now?: () => Date;
}

export interface OcspExchange {
  request: Uint8Array;
  response: Uint8Array;
}

/** Answers one DER OCSPRequest with a DER OCSPResponse; a request it cannot read gets malformedRequest. */
export function answerOcspRequest(opts: ResponderOptions, requestDer: Uint8Array): Uint8Array {
  let request;
  try {
    request = parseOcspRequest(requestDer);
  } catch {
    return encodeErrorResponse('malformedRequest');
  }
  const now = (opts.now ?? (() => new Date()))();
  // Whole seconds: GeneralizedTime carries no fractions here, and thisUpdate must not lie after the moment it names.
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + (opts.validityMs ?? 3_600_000));
  const issued = new Set([...opts.issued()].map(normalizeSerial));
  const list = opts.revocations();
  const responses = request.certIds.map((certId): SingleResponse => {
    const ours = sameCertId(certId, certIdFor(opts.ca.der, certId.serialHex, certId.hash));
    const entry = list.entries.find((e) => e.serialHex === certId.serialHex);
    const times = { certId, thisUpdate, nextUpdate };
    if (!ours || (!entry && !issued.has(certId.serialHex))) return { ...times, status: 'unknown' };
    if (entry) return { ...times, status: 'revoked', revokedAt: entry.revokedAt, reason: entry.reason };
    return { ...times, status: 'good' };
  });
  return encodeBasicResponse(
    { responderCert: opts.signer.cert, producedAt: thisUpdate, responses, ...(request.nonce ? { nonce: request.nonce } : {}) },
    (tbs) => signSha256Rsa(opts.signer.key, tbs),
  );
}

export interface RunningResponder {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** Every request and answer, in order, for reports. */
  exchanges: OcspExchange[];
  close(): Promise<void>;
}

const MAX_REQUEST = 64 * 1024;

/** Starts the responder on 127.0.0.1 on a free port: POST application/ocsp-request (RFC 6960 appendix A.1). */
export async function startOcspResponder(opts: ResponderOptions): Promise<RunningResponder> {
  const exchanges: OcspExchange[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end('this test responder answers POST application/ocsp-request only\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST) chunks.push(c);
    });
    req.on('end', () => {
      const request = new Uint8Array(Buffer.concat(chunks));
      const response = size > MAX_REQUEST ? encodeErrorResponse('malformedRequest') : answerOcspRequest(opts, request);
      exchanges.push({ request, response });
      res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': response.length }).end(Buffer.from(response));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the OCSP responder did not get a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    exchanges,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A client's side: POSTs an OCSPRequest to the responder and returns the DER answer. */
export async function queryOcsp(url: string, requestDer: Uint8Array): Promise<Uint8Array> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from(requestDer) });
  if (!res.ok) throw new Error(`the OCSP responder at ${url} answered HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A fresh nonce (RFC 8954 asks for 1..32 octets; 16 random ones here). */
export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}
