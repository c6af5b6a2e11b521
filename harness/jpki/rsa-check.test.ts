// The raw RSA public operation and EMSA-PKCS1-v1_5 encoding the suites check card signatures with, against the
// published signatures of vectors/jpki (NIST CAVP SigGen15, Project Wycheproof).
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { emsaPkcs1v15, rsaPublicOp } from './rsa-check.ts';
import { loadJpkiVectors, type JpkiVectors, type RsaCrtKey } from './vectors.ts';

let v: JpkiVectors;
beforeAll(async () => {
  v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
});

const big = (b: Uint8Array): forge.jsbn.BigInteger => new forge.jsbn.BigInteger(Buffer.from(b).toString('hex'), 16);
const publicKey = (k: RsaCrtKey): forge.pki.rsa.PublicKey => forge.pki.setRsaPublicKey(big(k.n), big(k.e));

describe('rsaPublicOp', () => {
  it('recovers the EMSA-PKCS1-v1_5 encoding of each published NIST CAVP signature', () => {
    expect(v.signatures.length).toBeGreaterThan(0);
    for (const s of v.signatures) {
      const d = v.digestInfos.find((x) => x.id === s.digestInfoId)!;
      expect(hex(rsaPublicOp(publicKey(v.key), s.signature)), s.digestInfoId).toBe(hex(emsaPkcs1v15(d.digestInfo, v.key.n.length)));
    }
  });

  it('recovers the encoding of each published Wycheproof signature, left-padded to the modulus length', () => {
    for (const s of v.signingSignatures) {
      const em = rsaPublicOp(publicKey(v.signingKey), s.signature);
      expect(em.length).toBe(v.signingKey.n.length);
      expect(hex(em), s.id).toBe(hex(emsaPkcs1v15(s.digestInfo, v.signingKey.n.length)));
    }
  });

  it('does not recover the encoding from a signature with one bit changed', () => {
    const s = v.signatures[0]!;
    const bad = Uint8Array.from(s.signature);
    bad[bad.length - 1]! ^= 1;
    const d = v.digestInfos.find((x) => x.id === s.digestInfoId)!;
    expect(hex(rsaPublicOp(publicKey(v.key), bad))).not.toBe(hex(emsaPkcs1v15(d.digestInfo, v.key.n.length)));
  });

  it('refuses a signature representative not below the modulus (RFC 8017 5.2.2)', () => {
    expect(() => rsaPublicOp(publicKey(v.key), v.key.n)).toThrow(/out of range/);
  });
});
