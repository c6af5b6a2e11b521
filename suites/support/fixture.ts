// The known-answer fixture a suite personalizes the JPKI AP with, in the key type the profile names
// (ixit.jpki.keyAlgorithm). RSA-2048, the default: vectors/jpki as it is (the NIST and Wycheproof keys and their
// certificates). ECDSA P-384 (the next-generation card) or P-256: the RFC 6979 test key of that curve
// (vectors/jpki/ec-keys.json) for user authentication, a second fixed test key for signing, and certificates for
// both issued here by the test CAs of vectors/jpki, so the certificate on the card certifies the key in it and a
// relying party that trusts those CAs accepts its signatures. Everything is deterministic (fixed keys, serials and
// dates; the CAs sign with RSA PKCS#1 v1.5), so every suite of a run personalizes the same bytes.
import { createHash } from 'node:crypto';
import { issueSigningCertificate, issueUserAuthCertificate, loadSigningTestCa, loadTestCa } from '../../harness/ca/test-ca.ts';
import { publicPointOf } from '../../harness/jpki/ecdsa-check.ts';
import { EC_CURVES, isEc, type EcCurve, type KeyAlgorithm } from '../../harness/jpki/key-algorithm.ts';
import { loadJpkiVectors, type JpkiVectors } from '../../harness/jpki/vectors.ts';
import type { Profile } from '../../harness/profile/types.ts';

/** The type of both JPKI keys the profile's suites install and personalize. */
export function keyAlgorithm(profile: Profile): KeyAlgorithm {
  return profile.ixit.jpki.keyAlgorithm ?? 'rsa2048';
}

/**
 * The signing half's EC test key: the curve's hash of a fixed label, a project-made test key (not a published
 * vector; published ones exist for one key per curve, RFC 6979 A.2.5/A.2.6, which the user-auth half takes). The
 * hash is below the group order for these labels (checked by @noble/curves when the public point is computed).
 */
export function signingTestKey(curve: EcCurve): Uint8Array {
  return new Uint8Array(createHash(EC_CURVES[curve].hash).update(`simcert JPKI signing test key, ${curve}`).digest());
}

/** Certificates start at 2026-01-01 (the next-generation card's planned issuance year), valid ten years. */
const NOT_BEFORE = new Date(Date.UTC(2026, 0, 1));

/** The fixture the suites personalize, or undefined when the profile personalizes none (a real card's own keys). */
export async function loadSuiteFixture(profile: Profile): Promise<JpkiVectors | undefined> {
  const pers = profile.ixit.jpki.personalization;
  if (pers.source !== 'fixture') return undefined;
  const v = await loadJpkiVectors(pers.vectors);
  const alg = keyAlgorithm(profile);
  if (!isEc(alg)) return v;
  const userAuth = v.ecKeys[alg].d;
  const signing = signingTestKey(alg);
  const key = (d: Uint8Array) => ({ kind: 'ec' as const, curve: alg, point: publicPointOf(alg, d) });
  const opts = (id: string, serial: string) => ({ subjectId: id, serial, notBefore: NOT_BEFORE, years: 10 });
  const files = new Map(v.files);
  files.set('000A', issueUserAuthCertificate(await loadTestCa(v.dir), key(userAuth), opts(`SIMCERT-FIXTURE-${alg.toUpperCase()}`, '2001')));
  files.set('0001', issueSigningCertificate(await loadSigningTestCa(v.dir), key(signing), opts(`SIMCERT-FIXTURE-SIGN-${alg.toUpperCase()}`, '2002')));
  return { ...v, files, ec: { curve: alg, userAuth, signing } };
}
