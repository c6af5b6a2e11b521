// The test CA's RSA signatures (rsa-sign.ts) against published known answers (NIST CAVP SigGen15 and Project
// Wycheproof, through vectors/jpki), and byte for byte against node-forge's own RSASSA-PKCS1-v1_5 with the test CA
// key, which is what the CA signed with before: its certificates, CRLs and OCSP answers must not change.
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { loadJpkiVectors, type JpkiVectors, type RsaCrtKey } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { signCertificateSha256, signSha256Rsa } from './rsa-sign.ts';
import { loadTestCa, type TestCa } from './test-ca.ts';

const VECTORS = join(repoRoot, 'vectors', 'jpki');
let v: JpkiVectors;
let ca: TestCa;

beforeAll(async () => {
  v = await loadJpkiVectors(VECTORS);
  ca = await loadTestCa(VECTORS);
});

const big = (b: Uint8Array): forge.jsbn.BigInteger => new forge.jsbn.BigInteger(Buffer.from(b).toString('hex'), 16);
const forgeKey = (k: RsaCrtKey): forge.pki.rsa.PrivateKey =>
  forge.pki.setRsaPrivateKey(big(k.n), big(k.e), big(k.d), big(k.p), big(k.q), big(k.dp), big(k.dq), big(k.qinv));
const bin = (b: Uint8Array): string => forge.util.binary.raw.encode(b);

describe('sha256WithRSAEncryption signatures', () => {
  it('give the published signatures of the NIST CAVP SigGen15 SHA-256 vectors', () => {
    const sha256 = v.digestInfos.filter((d) => d.hash === 'sha256');
    const checked = sha256.filter((d) => v.signatures.some((s) => s.digestInfoId === d.id));
    expect(checked.length).toBeGreaterThan(0);
    const key = forgeKey(v.key);
    for (const d of checked) {
      const want = v.signatures.find((s) => s.digestInfoId === d.id)!.signature;
      expect(hex(signSha256Rsa(key, d.message)), d.id).toBe(hex(want));
    }
  });

  it('give the published signatures of the Project Wycheproof vectors', () => {
    expect(v.signingSignatures.length).toBeGreaterThan(0);
    const key = forgeKey(v.signingKey);
    for (const s of v.signingSignatures) expect(hex(signSha256Rsa(key, s.message)), s.id).toBe(hex(s.signature));
  });

  it('are byte for byte the ones node-forge makes with the test CA key', () => {
    const data = new TextEncoder().encode('TBSCertificate, TBSCertList or ResponseData bytes');
    const md = forge.md.sha256.create();
    md.update(bin(data));
    expect(hex(signSha256Rsa(ca.key, data))).toBe(hex(forge.util.binary.raw.decode(ca.key.sign(md))));
  });

  it('sign a certificate to the same DER as forge cert.sign with SHA-256', () => {
    const make = (): forge.pki.Certificate => {
      const cert = forge.pki.createCertificate();
      cert.publicKey = ca.cert.publicKey;
      cert.serialNumber = '0A01';
      cert.validity.notBefore = new Date(Date.UTC(2026, 0, 1));
      cert.validity.notAfter = new Date(Date.UTC(2031, 0, 1));
      cert.setSubject([{ shortName: 'CN', value: 'SIMCERT-RSA-SIGN' }]);
      cert.setIssuer(ca.cert.subject.attributes);
      return cert;
    };
    const ours = make();
    signCertificateSha256(ours, ca.key);
    const theirs = make();
    theirs.sign(ca.key, forge.md.sha256.create());
    const der = (c: forge.pki.Certificate): string => forge.util.bytesToHex(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes());
    expect(der(ours)).toBe(der(theirs));
  });
});
