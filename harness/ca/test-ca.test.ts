// The test CA's certificates, checked by an implementation that is not ours: OpenSSL verifies the chain and
// reports the fields a relying party looks at.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJpkiVectors, type JpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { issueSigningCertificate, issueUserAuthCertificate, loadSigningTestCa, loadTestCa, SIGNING_POLICY_OID, TEST_POLICY_OID, type TestCa } from './test-ca.ts';

const run = promisify(execFile);
const VECTORS = join(repoRoot, 'vectors', 'jpki');
let ca: TestCa;
let v: JpkiVectors;
let dir: string;
let text: string;

beforeAll(async () => {
  ca = await loadTestCa(VECTORS);
  v = await loadJpkiVectors(VECTORS);
  dir = await mkdtemp(join(tmpdir(), 'simcert-ca-'));
  const der = issueUserAuthCertificate(ca, { kind: 'rsa', n: v.key.n, e: v.key.e }, { subjectId: 'SIMCERT-ONCARD-0001', serial: '2001', notBefore: new Date(Date.UTC(2026, 0, 1)) });
  await writeFile(join(dir, 'user.der'), der);
  await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'user.der'), '-out', join(dir, 'user.pem')]);
  await run('openssl', ['x509', '-inform', 'DER', '-in', join(VECTORS, 'ca-cert.der'), '-out', join(dir, 'ca.pem')]);
  text = (await run('openssl', ['x509', '-in', join(dir, 'user.pem'), '-noout', '-text'])).stdout;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('test CA', () => {
  it('issues a certificate that OpenSSL verifies against the test CA', async () => {
    const r = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'user.pem')]);
    expect(r.stdout.trim()).toBe(`${join(dir, 'user.pem')}: OK`);
  });

  it('gives it the JPKI user-authentication shape', () => {
    expect(text).toMatch(/Subject: C = JP, CN = SIMCERT-ONCARD-0001/);
    expect(text).toMatch(/Issuer: C = JP, O = JPKI TEST, OU = JPKI for user authentication/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toContain(`Policy: ${TEST_POLICY_OID}`);
    expect(text).toMatch(/Not Before: Jan  1 00:00:00 2026 GMT\s+Not After : Jan  1 00:00:00 2031 GMT/);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('X509v3 Authority Key Identifier');
  });

  it('certifies exactly the public key it was given', async () => {
    const mod = (await run('openssl', ['x509', '-in', join(dir, 'user.pem'), '-noout', '-modulus'])).stdout.trim();
    expect(mod).toBe(`Modulus=${Buffer.from(v.key.n).toString('hex').toUpperCase()}`);
  });
});

// EC certificates: node-forge has no EC keys, so the subject public key info is encoded by the CA itself; OpenSSL
// must read it as the named curve and the RFC 6979 test key's point, and verify the CA's signature over it.
describe.each([
  ['p256', 'prime256v1', 'NIST CURVE: P-256'],
  ['p384', 'secp384r1', 'NIST CURVE: P-384'],
] as const)('test CA with an EC key on %s', (curve, asn1Oid, nist) => {
  let ecDir: string;
  let ecText: string;
  beforeAll(async () => {
    ecDir = await mkdtemp(join(tmpdir(), 'simcert-ca-ec-'));
    const key = v.ecKeys[curve];
    const der = issueUserAuthCertificate(ca, { kind: 'ec', curve, point: key.point },
      { subjectId: `SIMCERT-EC-${curve}`, serial: '4001', notBefore: new Date(Date.UTC(2026, 0, 1)) });
    await writeFile(join(ecDir, 'user.der'), der);
    await run('openssl', ['x509', '-inform', 'DER', '-in', join(ecDir, 'user.der'), '-out', join(ecDir, 'user.pem')]);
    ecText = (await run('openssl', ['x509', '-in', join(ecDir, 'user.pem'), '-noout', '-text'])).stdout;
  });
  afterAll(async () => {
    await rm(ecDir, { recursive: true, force: true });
  });

  it('is verified by OpenSSL against the RSA test CA', async () => {
    const r = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(ecDir, 'user.pem')]);
    expect(r.stdout.trim()).toBe(`${join(ecDir, 'user.pem')}: OK`);
  });

  it('carries the curve and exactly the point it was given, in the JPKI shape', async () => {
    expect(ecText).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(ecText).toContain(`ASN1 OID: ${asn1Oid}`);
    expect(ecText).toContain(nist);
    expect(ecText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(ecText).toContain(`Policy: ${TEST_POLICY_OID}`);
    // OpenSSL's own encoding of the key, the point being the last 1 + 2n bytes of the SubjectPublicKeyInfo.
    const spki = (await run('openssl', ['x509', '-in', join(ecDir, 'user.pem'), '-noout', '-pubkey'])).stdout;
    const body = Buffer.from(spki.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const point = v.ecKeys[curve].point;
    expect(body.subarray(body.length - point.length).toString('hex')).toBe(Buffer.from(point).toString('hex'));
  });

  it('identifies the key by the SHA-1 of its point (RFC 5280 4.2.1.2, method 1)', () => {
    const ski = createHash('sha1').update(v.ecKeys[curve].point).digest('hex').toUpperCase().match(/../g)!.join(':');
    expect(ecText).toContain(`X509v3 Subject Key Identifier: \n                ${ski}`);
  });
});

// The digital-signature half: the signing CA issues EF 0001's certificate for the Wycheproof signing key; OpenSSL
// verifies it against signing-ca-cert.der (and not against the user-auth CA) and reads the signing shape.
describe('signing test CA', () => {
  let signingText: string;
  let signingDir: string;

  beforeAll(async () => {
    const signingCa = await loadSigningTestCa(VECTORS);
    signingDir = await mkdtemp(join(tmpdir(), 'simcert-signing-ca-'));
    const der = issueSigningCertificate(signingCa, { kind: 'rsa', n: v.signingKey.n, e: v.signingKey.e },
      { subjectId: 'SIMCERT-SIGN-0002', serial: '2002', notBefore: new Date(Date.UTC(2026, 0, 1)) });
    await writeFile(join(signingDir, 'sign.der'), der);
    await run('openssl', ['x509', '-inform', 'DER', '-in', join(signingDir, 'sign.der'), '-out', join(signingDir, 'sign.pem')]);
    await run('openssl', ['x509', '-inform', 'DER', '-in', join(VECTORS, 'signing-ca-cert.der'), '-out', join(signingDir, 'ca.pem')]);
    signingText = (await run('openssl', ['x509', '-in', join(signingDir, 'sign.pem'), '-noout', '-text'])).stdout;
  });
  afterAll(async () => {
    await rm(signingDir, { recursive: true, force: true });
  });

  it('issues a signing certificate OpenSSL verifies against the signing CA only', async () => {
    const r = await run('openssl', ['verify', '-CAfile', join(signingDir, 'ca.pem'), join(signingDir, 'sign.pem')]);
    expect(r.stdout.trim()).toBe(`${join(signingDir, 'sign.pem')}: OK`);
    await expect(run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(signingDir, 'sign.pem')])).rejects.toThrow();
  });

  it('gives it the JPKI signing shape and the key it was given', async () => {
    expect(signingText).toMatch(/Issuer: C = JP, O = JPKI TEST, OU = JPKI for digital signature/);
    expect(signingText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
    expect(signingText).toContain(`Policy: ${SIGNING_POLICY_OID}`);
    const mod = (await run('openssl', ['x509', '-in', join(signingDir, 'sign.pem'), '-noout', '-modulus'])).stdout.trim();
    expect(mod).toBe(`Modulus=${Buffer.from(v.signingKey.n).toString('hex').toUpperCase()}`);
  });

  it('the fixture signing certificate (vectors/jpki/signing-cert.der, made by openssl) holds the signing key', async () => {
    const mod = (await run('openssl', ['x509', '-inform', 'DER', '-in', join(VECTORS, 'signing-cert.der'), '-noout', '-modulus'])).stdout.trim();
    expect(mod).toBe(`Modulus=${Buffer.from(v.signingKey.n).toString('hex').toUpperCase()}`);
  });
});
