// The test CA's certificates, checked by an implementation that is not ours: OpenSSL verifies the chain and
// reports the fields a relying party looks at.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJpkiVectors, type JpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { issueUserAuthCertificate, loadTestCa, TEST_POLICY_OID, type TestCa } from './test-ca.ts';

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
  const der = issueUserAuthCertificate(ca, { n: v.key.n, e: v.key.e }, { subjectId: 'SIMCERT-ONCARD-0001', serial: '2001', notBefore: new Date(Date.UTC(2026, 0, 1)) });
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
