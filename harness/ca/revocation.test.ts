// The test CA's CRLs, read by an implementation that is not ours: OpenSSL parses them, checks the CA's signature,
// lists what was revoked and why, and refuses a revoked or suspended certificate in path validation while it
// accepts one that was never revoked or that was resumed. Scenario: a lost phone's certificate is suspended, the
// phone turns up and it is resumed; another phone's key is compromised; a third is suspended and then given up.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openssl } from '../testing/openssl.ts';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { emptyRevocationList, issueCrl, normalizeSerial, resume, revoke, suspend, type RevocationList } from './revocation.ts';
import { issueUserAuthCertificate, loadTestCa, type TestCa } from './test-ca.ts';

const run = promisify(execFile);
const VECTORS = join(repoRoot, 'vectors', 'jpki');
const utc = (y: number, m: number, d: number, h = 0, min = 0): Date => new Date(Date.UTC(y, m - 1, d, h, min));
const CRL_TIMES = { thisUpdate: utc(2026, 3, 5), nextUpdate: utc(2026, 3, 12) };
/** Inside every CRL's thisUpdate..nextUpdate: OpenSSL checks CRL currency against the verification time. */
const VERIFY_AT = String(utc(2026, 3, 6).getTime() / 1000);

let ca: TestCa;
let dir: string;
let states: Record<'empty' | 'compromised' | 'lost' | 'found' | 'givenUp', RevocationList>;

async function writeCrl(name: string, der: Uint8Array): Promise<string> {
  await writeFile(join(dir, `${name}.der`), der);
  await run('openssl', ['crl', '-inform', 'DER', '-in', join(dir, `${name}.der`), '-out', join(dir, `${name}.pem`)]);
  return join(dir, `${name}.der`);
}

const verifyWithCrl = (serial: string, crl: string): Promise<{ code: number; out: string }> => openssl([
  'verify', '-crl_check', '-attime', VERIFY_AT, '-CAfile', join(dir, 'ca.pem'), '-CRLfile', join(dir, `${crl}.pem`), join(dir, `user-${serial}.pem`),
]);

beforeAll(async () => {
  ca = await loadTestCa(VECTORS);
  const v = await loadJpkiVectors(VECTORS);
  dir = await mkdtemp(join(tmpdir(), 'simcert-crl-'));
  await run('openssl', ['x509', '-inform', 'DER', '-in', join(VECTORS, 'ca-cert.der'), '-out', join(dir, 'ca.pem')]);
  for (const serial of ['1001', '1002', '1003', '1004']) {
    const der = issueUserAuthCertificate(ca, { kind: 'rsa', n: v.key.n, e: v.key.e },
      { subjectId: `SIMCERT-CRL-${serial}`, serial, notBefore: utc(2026, 1, 1) });
    await writeFile(join(dir, `user-${serial}.der`), der);
    await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, `user-${serial}.der`), '-out', join(dir, `user-${serial}.pem`)]);
  }
  const empty = emptyRevocationList(); // CRL #1
  const compromised = revoke(empty, '1001', utc(2026, 3, 1, 9, 30), 'keyCompromise'); // #2
  const lost = suspend(compromised, '1003', utc(2026, 3, 2, 12)); // #3
  const found = resume(lost, '1003'); // #4
  const givenUp = revoke(suspend(found, '1004', utc(2026, 3, 3)), '1004', utc(2026, 3, 4), 'cessationOfOperation'); // #5, #6
  states = { empty, compromised, lost, found, givenUp };
  for (const [name, list] of Object.entries(states)) await writeCrl(name, issueCrl(ca, list, CRL_TIMES));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CRL of the test CA, read by OpenSSL', () => {
  let text: string;
  beforeAll(async () => {
    text = (await run('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'givenUp.der'), '-text', '-noout'])).stdout;
  });

  it('is a version 2 CRL, signed sha256WithRSAEncryption, issued by the CA, with its update times', () => {
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Issuer: C = JP, O = JPKI TEST, OU = JPKI for user authentication, OU = Japan Agency for Local Authority Information Systems (TEST)\n');
    expect(text).toContain('Last Update: Mar  5 00:00:00 2026 GMT');
    expect(text).toContain('Next Update: Mar 12 00:00:00 2026 GMT');
  });

  it('carries the CA key identifier and the CRL number (one per change of state: 6 after five changes)', () => {
    expect(text).toMatch(/X509v3 Authority Key Identifier:\s*\n\s+(keyid:)?FA:48:03:67:56:FE:33:11:20:55:B8:8E:91:6D:F5:6A:08:02:94:91\n/);
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s+6\n/);
  });

  it('lists the revoked serials with date and reason, and not the resumed or the untouched one', () => {
    expect(text).toMatch(/Serial Number: 1001\s+Revocation Date: Mar  1 09:30:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s*\n\s+Key Compromise\n/);
    expect(text).toMatch(/Serial Number: 1004\s+Revocation Date: Mar  4 00:00:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s*\n\s+Cessation Of Operation\n/);
    expect(text).not.toContain('Serial Number: 1003');
    expect(text).not.toContain('Serial Number: 1002');
    expect(text.match(/Serial Number:/g)).toHaveLength(2);
  });

  it('shows the suspension as Certificate Hold while the phone is lost', async () => {
    const lost = (await run('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'lost.der'), '-text', '-noout'])).stdout;
    expect(lost).toMatch(/Serial Number: 1003\s+Revocation Date: Mar  2 12:00:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s*\n\s+Certificate Hold\n/);
    expect(lost).toMatch(/X509v3 CRL Number:\s*\n\s+3\n/);
  });

  it('leaves out the revoked list when nothing is revoked (RFC 5280 5.1.2.6)', async () => {
    const empty = (await run('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'empty.der'), '-text', '-noout'])).stdout;
    expect(empty).toContain('No Revoked Certificates.');
    expect(empty).toMatch(/X509v3 CRL Number:\s*\n\s+1\n/);
  });

  it('omits the reason code for reason unspecified (RFC 5280 5.3.1)', async () => {
    const der = issueCrl(ca, revoke(emptyRevocationList(), '2001', utc(2026, 3, 1), 'unspecified'), CRL_TIMES);
    await writeFile(join(dir, 'unspecified.der'), der);
    const t = (await run('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'unspecified.der'), '-text', '-noout'])).stdout;
    expect(t).toMatch(/Serial Number: 2001\s+Revocation Date: Mar  1 00:00:00 2026 GMT\n\s+Signature Algorithm/);
  });

  it('writes times from 2050 on as GeneralizedTime (RFC 5280 5.1.2.4)', async () => {
    const der = issueCrl(ca, emptyRevocationList(), { thisUpdate: utc(2049, 12, 31), nextUpdate: utc(2050, 1, 7) });
    await writeFile(join(dir, 'y2050.der'), der);
    const parsed = (await run('openssl', ['asn1parse', '-inform', 'DER', '-in', join(dir, 'y2050.der')])).stdout;
    expect(parsed).toMatch(/UTCTIME\s+:491231000000Z\n.*GENERALIZEDTIME\s+:20500107000000Z\n/);
  });
});

describe('CRL signature, checked by OpenSSL', () => {
  it('verifies against the CA certificate', async () => {
    const r = await openssl(['crl', '-inform', 'DER', '-in', join(dir, 'givenUp.der'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-verify']);
    expect(r.out).toContain('verify OK');
    expect(r.code).toBe(0);
  });

  it('does not verify when another key signed it in the CA name', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    const impostor: TestCa = { ...ca, key: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey };
    await writeFile(join(dir, 'forged.der'), issueCrl(impostor, states.empty, CRL_TIMES));
    const r = await openssl(['crl', '-inform', 'DER', '-in', join(dir, 'forged.der'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-verify']);
    expect(r.out).toContain('verify failure');
    expect(r.out).not.toContain('verify OK');
  });
});

describe('path validation with the CRL (openssl verify -crl_check)', () => {
  it('refuses the certificate whose key was compromised', async () => {
    const r = await verifyWithCrl('1001', 'givenUp');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('certificate revoked');
  });

  it('refuses the certificate suspended and then revoked for good', async () => {
    const r = await verifyWithCrl('1004', 'givenUp');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('certificate revoked');
  });

  it('accepts a certificate that was never revoked', async () => {
    const r = await verifyWithCrl('1002', 'givenUp');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(`${join(dir, 'user-1002.pem')}: OK`);
  });

  it('refuses the lost phone\'s certificate while suspended, and accepts it once resumed', async () => {
    const whileLost = await verifyWithCrl('1003', 'lost');
    expect(whileLost.code).not.toBe(0);
    expect(whileLost.out).toContain('certificate revoked');
    const found = await verifyWithCrl('1003', 'found');
    expect(found.code).toBe(0);
    expect(found.out.trim()).toBe(`${join(dir, 'user-1003.pem')}: OK`);
  });

  it('accepted the compromised certificate before it was revoked (CRL #1)', async () => {
    expect((await verifyWithCrl('1001', 'empty')).code).toBe(0);
  });
});

describe('revocation state', () => {
  it('numbers every change and keeps one entry per serial', () => {
    expect([states.empty, states.compromised, states.lost, states.found, states.givenUp].map((s) => s.number)).toEqual([1, 2, 3, 4, 6]);
    expect(states.givenUp.entries.map((e) => [e.serialHex, e.reason])).toEqual([['1001', 'keyCompromise'], ['1004', 'cessationOfOperation']]);
  });

  it('never brings back a revoked certificate, nor suspends or revokes one twice', () => {
    expect(() => resume(states.compromised, '1001')).toThrow(/revoked \(keyCompromise\), not suspended/);
    expect(() => resume(states.compromised, '1002')).toThrow(/not suspended/);
    expect(() => revoke(states.compromised, '01001', utc(2026, 4, 1), 'superseded')).toThrow(/already revoked/);
    expect(() => suspend(states.compromised, '1001', utc(2026, 4, 1))).toThrow(/already revoked/);
    expect(() => suspend(states.lost, '1003', utc(2026, 4, 1))).toThrow(/already suspended/);
  });

  it('treats a serial written with leading zeros or lower case as the same certificate', () => {
    expect(normalizeSerial('00ab:CD')).toBe('ABCD');
    expect(() => normalizeSerial('xyz')).toThrow(RangeError);
  });

  it('refuses a CRL whose nextUpdate is not after thisUpdate', () => {
    expect(() => issueCrl(ca, states.empty, { thisUpdate: utc(2026, 3, 5), nextUpdate: utc(2026, 3, 5) })).toThrow(/not after thisUpdate/);
  });
});
