// Signing with either key of the JPKI AP and checking the result as a relying party would, whatever the card's key
// is: RSA PKCS#1 v1.5 over a DigestInfo, or ECDSA over a hash. The key comes from the certificate read from the
// card, so this works on a real card with no known-answer fixture. Every ECDSA signature is recorded in the run's
// nonce ledger (harness/jpki/nonce-reuse.ts): an r seen twice in the run fails the test that got it.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as allure from 'allure-js-commons';
import { expect } from './expect.ts';
import { parseCertificate, type ParsedCertificate } from '../../harness/ca/verifier.ts';
import { digestInfo } from '../../harness/jpki/digest-info.ts';
import { HALF, type Addressing, type JpkiClient, type JpkiHalf } from '../../harness/jpki/client.ts';
import { verifyEcdsa } from '../../harness/jpki/ecdsa-check.ts';
import { EC_CURVES } from '../../harness/jpki/key-algorithm.ts';
import { NonceLedger } from '../../harness/jpki/nonce-reuse.ts';
import type { CardPublicKey } from '../../harness/jpki/provision.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../../harness/jpki/rsa-check.ts';
import forge from 'node-forge';
import { hex } from '../../harness/bytes.ts';

/** The message the suites sign when no fixture gives one: "abc", FIPS 180-2 appendix B.1. */
export const ABC = new TextEncoder().encode('abc');

export const HALF_LABEL: Record<JpkiHalf, string> = { userAuth: 'user-authentication', signing: 'signing' };

/** The run's ledger of ECDSA r values: beside the Allure results `simcert run` clears at its start. */
export function nonceLedger(): NonceLedger {
  const results = process.env.SIMCERT_ALLURE_RESULTS ?? 'reports/allure-results';
  return new NonceLedger(join(results, 'simcert-ecdsa-r-values.jsonl'));
}

/** "suite file > describe > test", as the ledger names where a signature came from. */
export function currentTest(): string {
  const s = expect.getState();
  const file = s.testPath ? s.testPath.split('/').pop() : undefined;
  // Under `simcert run` the file is the worker's entry, and the card's describe comes first, then the suite's
  // (card-entry.ts).
  if (file === 'card-entry.ts' && s.currentTestName) {
    const [, suite, ...rest] = s.currentTestName.split(' > ');
    return [`${suite}.test.ts`, ...rest].join(' > ');
  }
  return [file, s.currentTestName].filter(Boolean).join(' > ');
}

/** A certificate as read from the card, parsed without node-forge's X.509 reader (which refuses EC keys). */
export interface CardCertificate {
  der: Uint8Array;
  parsed: ParsedCertificate;
  key: CardPublicKey;
}

export function cardCertificate(der: Uint8Array, what: string): CardCertificate {
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificate(der);
  } catch (err) {
    throw new Error(`${what}: the certificate on the card cannot be read: ${(err as Error).message}`);
  }
  const key = parsed.publicKey;
  if (key.kind === 'other') throw new Error(`${what} holds a ${key.algorithm} key; a JPKI key is RSA-2048 or ECDSA P-256/P-384`);
  return { der, parsed, key };
}

export function keyLabel(key: CardPublicKey): string {
  return key.kind === 'rsa' ? `RSA-${key.n.length * 8}` : EC_CURVES[key.curve].label;
}

export interface MadeSignature {
  /** What the card signed: the DigestInfo (RSA) or the hash (ECDSA). */
  signed: Uint8Array;
  signature: Uint8Array;
}

/**
 * Signs `message` with one half's key (its PIN already verified), then checks the signature with the public key
 * of that half's certificate: RSA by the recovered EMSA-PKCS1-v1_5 encoding (RFC 8017 8.2.2), ECDSA with
 * @noble/curves, the r recorded in the run's nonce ledger.
 */
export async function signAndVerify(jpki: JpkiClient, half: JpkiHalf, cert: CardCertificate, message: Uint8Array,
  opts: { addressing?: Addressing; ledger?: NonceLedger } = {}): Promise<MadeSignature> {
  const addressing = opts.addressing ?? 'select';
  const form = addressing === 'p2' ? `P2 ${HALF[half].keyP2.toString(16).toUpperCase()}` : `SELECT ${HALF[half].keyEf.toString(16).padStart(4, '0').toUpperCase()}, P2 80`;
  const key = cert.key;
  if (key.kind === 'rsa') {
    const di = digestInfo('sha256', createHash('sha256').update(message).digest());
    const signature = await allure.step(`COMPUTE DIGITAL SIGNATURE with the ${HALF_LABEL[half]} key (${form})`,
      () => jpki.sign(di, { key: half, addressing, keySize: key.n.length }));
    const pub = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger(hex(key.n), 16), new forge.jsbn.BigInteger(hex(key.e), 16));
    expect(hex(rsaPublicOp(pub, signature)), `the signature does not verify with the key of the ${HALF_LABEL[half]} certificate read from the card`)
      .toBe(hex(emsaPkcs1v15(di, key.n.length)));
    return { signed: di, signature };
  }
  const h = createHash(EC_CURVES[key.curve].hash).update(message).digest();
  const signature = await allure.step(`COMPUTE DIGITAL SIGNATURE (ECDSA) with the ${HALF_LABEL[half]} key (${form})`,
    () => jpki.signEcdsa(key.curve, { hash: h }, { key: half, addressing }));
  (opts.ledger ?? nonceLedger()).record(key.curve, signature, h, currentTest());
  expect(verifyEcdsa(key.curve, key.point, h, signature), `the signature does not verify with the key of the ${HALF_LABEL[half]} certificate read from the card`).toBe(true);
  return { signed: h, signature };
}
