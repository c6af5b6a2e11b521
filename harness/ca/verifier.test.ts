// The relying-party verifier against scenarios whose outcome is known beforehand: the vectors' RSA certificate and
// known-answer signatures, and an EC P-256 certificate for the RFC 6979 key, are accepted; a revoked or suspended
// certificate, a CRL forged with another key, a stale CRL, an expired certificate, an altered signature and a
// certificate from another CA (even one that copies the CA's name) are refused, each with its reason.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { p256 } from '@noble/curves/nist.js';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadJpkiVectors, type JpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { emptyRevocationList, issueCrl, resume, revoke, suspend } from './revocation.ts';
import { issueUserAuthCertificate, loadTestCa, type TestCa } from './test-ca.ts';
import { parseCertificate, verifyUserAuthSignature, type VerifyRequest } from './verifier.ts';

const VECTORS = join(repoRoot, 'vectors', 'jpki');
const utc = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m - 1, d));
const AT = utc(2026, 6, 1);
/** A CRL current at AT. */
const CURRENT = { thisUpdate: utc(2026, 5, 25), nextUpdate: utc(2026, 6, 8) };

let ca: TestCa;
let v: JpkiVectors;
/** The vectors' certificate (serial 0x1000) for user-auth-key.json, and a known-answer signature of that key. */
let rsa: Pick<VerifyRequest, 'userCert' | 'signed' | 'signature'>;
/** A P-256 certificate (serial 0x3001) for the RFC 6979 key, and its signature over a challenge hash. */
let ec: Pick<VerifyRequest, 'userCert' | 'signed' | 'signature'>;
/** A CRL current at AT that lists another certificate only. */
let otherRevoked: Uint8Array;

function otherRsaKey(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  return forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
}

/** A self-signed CA certificate for another key, named as given. */
function otherCa(subject: forge.pki.CertificateField[]): TestCa {
  const key = otherRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '0A';
  cert.validity.notBefore = utc(2026, 1, 1);
  cert.validity.notAfter = utc(2046, 1, 1);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert, key, der: forge.util.binary.raw.decode(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes()) };
}

const verify = (signed: Pick<VerifyRequest, 'userCert' | 'signed' | 'signature'>, more: Partial<VerifyRequest> = {}) =>
  verifyUserAuthSignature({ caCert: ca.der, at: AT, ...signed, ...more });

function flipLastBit(b: Uint8Array): Uint8Array {
  const c = Uint8Array.from(b);
  c[c.length - 1]! ^= 0x01;
  return c;
}

beforeAll(async () => {
  ca = await loadTestCa(VECTORS);
  v = await loadJpkiVectors(VECTORS);
  const kat = v.signatures[0]!;
  rsa = {
    userCert: new Uint8Array(await readFile(join(VECTORS, 'user-auth-cert.der'))),
    signed: v.digestInfos.find((d) => d.id === kat.digestInfoId)!.digestInfo,
    signature: kat.signature,
  };
  const key = v.ecKeys.p256;
  const hash = createHash('sha256').update('JPKI user authentication challenge 2026-06-01').digest();
  ec = {
    userCert: issueUserAuthCertificate(ca, { kind: 'ec', curve: 'p256', point: key.point },
      { subjectId: 'SIMCERT-EC-0001', serial: '3001', notBefore: utc(2026, 1, 1) }),
    signed: hash,
    signature: p256.sign(hash, key.d, { prehash: false, lowS: false, format: 'compact' }),
  };
  otherRevoked = issueCrl(ca, revoke(emptyRevocationList(), '2FFF', utc(2026, 5, 20), 'superseded'), CURRENT);
});

describe('relying-party verifier: accepts', () => {
  it('the known-answer RSA signatures of the vectors\' certified key, with a current CRL', () => {
    expect(v.signatures.length).toBeGreaterThan(0);
    for (const kat of v.signatures) {
      const signed = v.digestInfos.find((d) => d.id === kat.digestInfoId)!.digestInfo;
      expect(verify({ ...rsa, signed, signature: kat.signature }, { crl: otherRevoked })).toEqual({ accepted: true, reasons: [] });
    }
  });

  it('an ECDSA P-256 signature (r || s) by the key of an EC certificate, with a current CRL', () => {
    expect(verify(ec, { crl: otherRevoked })).toEqual({ accepted: true, reasons: [] });
  });

  it('without a CRL, when the relying party has none to check', () => {
    expect(verify(rsa)).toEqual({ accepted: true, reasons: [] });
  });

  it('on the last day of validity (notAfter is inclusive, RFC 5280 4.1.2.5)', () => {
    expect(parseCertificate(rsa.userCert).notAfter).toEqual(utc(2031, 1, 1));
    expect(verify(rsa, { at: utc(2031, 1, 1) })).toEqual({ accepted: true, reasons: [] });
  });
});

describe('relying-party verifier: refuses', () => {
  it('a revoked certificate, naming the serial, date, reason and CRL number', () => {
    const crl = issueCrl(ca, revoke(emptyRevocationList(), '1000', utc(2026, 5, 10), 'keyCompromise'), CURRENT);
    expect(verify(rsa, { crl })).toEqual({
      accepted: false,
      reasons: ['certificate serial 1000 revoked at 2026-05-10T00:00:00Z (keyCompromise) per CRL #2'],
    });
  });

  it('a certificate revoked in a CRL that OpenSSL made (openssl ca -gencrl), not only in ours', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simcert-ossl-crl-'));
    try {
      // openssl ca's database: status R, expiry, revocation date and reason, serial, file, subject (tab-separated).
      await writeFile(join(dir, 'index.txt'), 'R\t310101000000Z\t260510000000Z,keyCompromise\t1000\tunknown\t/C=JP/CN=SIMCERT-TEST-0001\n');
      await writeFile(join(dir, 'crlnumber'), '07\n');
      await writeFile(join(dir, 'ca.cnf'), [
        '[ca]', 'default_ca = d', '[d]', `database = ${join(dir, 'index.txt')}`, `crlnumber = ${join(dir, 'crlnumber')}`,
        'default_md = sha256', 'crl_extensions = ext', '[ext]', 'authorityKeyIdentifier = keyid:always', '',
      ].join('\n'));
      await writeFile(join(dir, 'ca.der'), ca.der);
      const run = promisify(execFile);
      await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'ca.der'), '-out', join(dir, 'ca.pem')]);
      await run('openssl', ['ca', '-gencrl', '-config', join(dir, 'ca.cnf'), '-keyfile', join(VECTORS, 'ca-key.pem'), '-cert', join(dir, 'ca.pem'),
        '-crl_lastupdate', '20260525000000Z', '-crl_nextupdate', '20260608000000Z', '-out', join(dir, 'crl.pem')]);
      await run('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-outform', 'DER', '-out', join(dir, 'crl.der')]);
      const crl = new Uint8Array(await readFile(join(dir, 'crl.der')));
      expect(verify(rsa, { crl })).toEqual({
        accepted: false,
        reasons: ['certificate serial 1000 revoked at 2026-05-10T00:00:00Z (keyCompromise) per CRL #7'],
      });
      expect(verify(ec, { crl })).toEqual({ accepted: true, reasons: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a suspended (lost phone) certificate, and accepts it again once resumed', () => {
    const lost = suspend(revoke(emptyRevocationList(), '2FFF', utc(2026, 5, 20), 'superseded'), '3001', utc(2026, 5, 30));
    expect(verify(ec, { crl: issueCrl(ca, lost, CURRENT) })).toEqual({
      accepted: false,
      reasons: ['certificate serial 3001 suspended at 2026-05-30T00:00:00Z (certificateHold) per CRL #3'],
    });
    expect(verify(ec, { crl: issueCrl(ca, resume(lost, '3001'), CURRENT) })).toEqual({ accepted: true, reasons: [] });
  });

  it('when the CRL was signed by another key in the CA\'s name (its silence proves nothing)', () => {
    const forged = issueCrl({ ...ca, key: otherRsaKey() }, emptyRevocationList(), CURRENT);
    const verdict = verify(rsa, { crl: forged });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(/^CRL #1 signature does not verify with the CA's key: .*; the revocation status is unknown$/);
  });

  it('when the CRL is stale, or not yet issued, at the time of the decision', () => {
    const stale = verify(rsa, { crl: otherRevoked, at: utc(2026, 6, 9) });
    expect(stale).toEqual({ accepted: false, reasons: ['CRL #2 is stale at 2026-06-09T00:00:00Z (nextUpdate 2026-06-08T00:00:00Z); the revocation status is unknown'] });
    const early = verify(rsa, { crl: otherRevoked, at: utc(2026, 5, 24) });
    expect(early).toEqual({ accepted: false, reasons: ['CRL #2 is not yet issued at 2026-05-24T00:00:00Z (thisUpdate 2026-05-25T00:00:00Z); the revocation status is unknown'] });
  });

  it('an expired certificate (after notAfter 2031-01-01)', () => {
    expect(verify(rsa, { at: utc(2031, 6, 1) })).toEqual({
      accepted: false,
      reasons: ['certificate serial 1000 expired at 2031-01-01T00:00:00Z (notAfter), before 2031-06-01T00:00:00Z'],
    });
  });

  it('a certificate before its notBefore (the CA being valid already)', () => {
    const later = issueUserAuthCertificate(ca, { kind: 'ec', curve: 'p256', point: v.ecKeys.p256.point },
      { subjectId: 'SIMCERT-EC-0002', serial: '3002', notBefore: utc(2026, 7, 1) });
    expect(verify({ ...ec, userCert: later })).toEqual({
      accepted: false,
      reasons: ['certificate serial 3002 is not yet valid at 2026-06-01T00:00:00Z (notBefore 2026-07-01T00:00:00Z)'],
    });
  });

  it('anything while the CA certificate itself is not valid', () => {
    expect(verify(rsa, { at: utc(2025, 12, 31) }).reasons).toEqual([
      'the CA certificate is not valid at 2025-12-31T00:00:00Z (valid 2026-01-01T00:00:00Z to 2046-01-01T00:00:00Z)',
      'certificate serial 1000 is not yet valid at 2025-12-31T00:00:00Z (notBefore 2026-01-01T00:00:00Z)',
    ]);
  });

  it('an altered signature, RSA or ECDSA', () => {
    const r = verify({ ...rsa, signature: flipLastBit(rsa.signature) }, { crl: otherRevoked });
    expect(r.accepted).toBe(false);
    expect(r.reasons).toEqual(['the RSA signature does not verify with the key of certificate serial 1000: the recovered encoding does not match']);
    const e = verify({ ...ec, signature: flipLastBit(ec.signature) }, { crl: otherRevoked });
    expect(e).toEqual({ accepted: false, reasons: ['the ECDSA p256 signature does not verify with the key of certificate serial 3001'] });
  });

  it('a signature over other data than the one presented', () => {
    const other = v.digestInfos.find((d) => d.id !== v.signatures[0]!.digestInfoId && d.hash === 'sha256');
    const signed = other?.digestInfo ?? flipLastBit(rsa.signed);
    expect(verify({ ...rsa, signed }).accepted).toBe(false);
  });

  it('a certificate issued by another CA that copies this CA\'s name', () => {
    const impostor = otherCa(ca.cert.subject.attributes);
    const cert = issueUserAuthCertificate(impostor, { kind: 'rsa', n: v.key.n, e: v.key.e },
      { subjectId: 'SIMCERT-TEST-0001', serial: '1000', notBefore: utc(2026, 1, 1) });
    const verdict = verify({ ...rsa, userCert: cert });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(/^certificate serial 1000: the certificate signature does not verify with the CA's key/);
  });

  it('a certificate issued by another CA under its own name', () => {
    const other = otherCa([{ shortName: 'C', value: 'JP' }, { shortName: 'O', value: 'Somebody Else CA' }]);
    const cert = issueUserAuthCertificate(other, { kind: 'ec', curve: 'p256', point: v.ecKeys.p256.point },
      { subjectId: 'SIMCERT-EC-0001', serial: '3001', notBefore: utc(2026, 1, 1) });
    const verdict = verify({ ...ec, userCert: cert });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reasons).toContain('certificate serial 3001 is issued by C=JP, O=Somebody Else CA, not by the CA '
      + 'C=JP, O=JPKI TEST, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems (TEST)');
    expect(verdict.reasons.some((r) => r.startsWith('certificate serial 3001: the certificate signature does not verify with the CA\'s key'))).toBe(true);
  });

  it('a certificate whose key usage lacks digitalSignature', () => {
    const cert = forge.pki.createCertificate();
    const big = (b: Uint8Array): forge.jsbn.BigInteger => new forge.jsbn.BigInteger(Buffer.from(b).toString('hex'), 16);
    cert.publicKey = forge.pki.setRsaPublicKey(big(v.key.n), big(v.key.e));
    cert.serialNumber = '1010';
    cert.validity.notBefore = utc(2026, 1, 1);
    cert.validity.notAfter = utc(2031, 1, 1);
    cert.setSubject([{ shortName: 'C', value: 'JP' }, { shortName: 'CN', value: 'SIMCERT-KU-0001' }]);
    cert.setIssuer(ca.cert.subject.attributes);
    cert.setExtensions([{ name: 'keyUsage', critical: true, nonRepudiation: true }]);
    cert.sign(ca.key, forge.md.sha256.create());
    const der = forge.util.binary.raw.decode(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
    expect(verify({ ...rsa, userCert: der })).toEqual({ accepted: false, reasons: ['certificate serial 1010: keyUsage does not include digitalSignature'] });
  });

  it('input that is not a certificate', () => {
    const verdict = verify({ ...rsa, userCert: rsa.userCert.subarray(0, 100) });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reasons[0]).toMatch(/^the certificate cannot be read: /);
  });
});
