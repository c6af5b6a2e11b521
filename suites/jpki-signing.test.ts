// Suite jpki-signing: can the card's JPKI application produce signatures a relying party accepts, with both of its
// keys? Reads the certificates (the signing certificate only after the signing password), exercises both PINs
// (tries left, a wrong value counted down, the right one restoring the counter, never the last try spent), signs
// the known-answer DigestInfos in vectors/jpki with both keys, comparing every signature byte for byte, and, on any
// card, signs with each key and verifies against the certificate read from it and the CA the profile trusts.
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe } from 'vitest';
import { expect } from './support/expect.ts';
import { openLogicalChannel } from '../harness/apdu/logical-channel.ts';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { equalBytes, hex } from '../harness/bytes.ts';
import { verifyUserAuthSignature } from '../harness/ca/verifier.ts';
import { EF, HALF, JpkiClient, type JpkiHalf } from '../harness/jpki/client.ts';
import type { JpkiVectors } from '../harness/jpki/vectors.ts';
import { loadSuiteFixture } from './support/fixture.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../harness/jpki/rsa-check.ts';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { applicableTest, type MoreOptions, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, noSigningPin, onCard, openJpkiCard, profileLine, type CardContext } from './support/card-context.ts';
import { expectProvisioned } from './support/provisioned.ts';
import { provisionJpki, provisioningDependsOn } from './support/provision.ts';
import { describeValue, expectStep, expectSwStep, expectTrueStep } from './support/steps.ts';
import { ABC, cardCertificate, HALF_LABEL, keyLabel, signAndVerify, type CardCertificate, type MadeSignature } from './support/signatures.ts';

const SUITE = 'jpki-signing';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const fixture = await loadSuiteFixture(profile);
const noPassword = noSigningPin(profile);

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let signingPin: string | undefined;
let provisioned: string | undefined = 'provisioning has not run';
/** Certificates read from the card by the certificate tests, per half; the signing tests verify against them. */
const certs: Partial<Record<JpkiHalf, CardCertificate>> = {};
/** Signatures made and verified by the signing tests, per half; the relying-party tests take them to the CA. */
const made: Partial<Record<JpkiHalf, MadeSignature>> = {};

function requireProvisioned(): void {
  if (provisioned) throw new Error(`the JPKI applet is not ready: ${provisioned}`);
}

function requireCert(half: JpkiHalf): CardCertificate {
  const c = certs[half];
  if (!c) throw new Error(`no certificate was read from the card (EF ${HALF[half].cert.toString(16).padStart(4, '0').toUpperCase()}: see the ${HALF_LABEL[half]} certificate test)`);
  return c;
}

function requirePassword(): string {
  if (!signingPin) throw new Error(noPassword ?? 'no signing password');
  return signingPin;
}

/** A wrong value of the right shape: the real one with its last character changed (digits stay digits). */
function wrongValue(v: string): string {
  const last = v.charCodeAt(v.length - 1);
  const next = last === 0x39 ? 0x30 : last === 0x5a ? 0x41 : last + 1;
  return v.slice(0, -1) + String.fromCharCode(next);
}

/** A PIN state the card must report: verified, or not with so many tries left (VERIFY answers 63Cx). */
const VERIFIED = { verified: true } as const;
const triesLeft = (n: number) => ({ verified: false, triesLeft: n }) as const;
const tries = (n: number): string => `63C${n.toString(16).toUpperCase()}, ${n} ${n === 1 ? 'try' : 'tries'} left`;

/** Every test signs with the applet the first test provisions (dependsOn, suites/support/outcomes.ts). */
const PROVISIONING = 'the JPKI applet is installed and personalized';

function cardTest(ref: TestRef, name: string, body: () => Promise<void>, opts: MoreOptions = {}): void {
  applicableTest(profile, SUITE, name, { dependsOn: name === PROVISIONING ? provisioningDependsOn(profile) : PROVISIONING, ...opts, ...ref }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('signing');
    await onCard(ctx, SUITE, body);
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin, signingPin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`JPKI signing — ${profile.name}`, () => {
  cardTest({ id: 'JPKI-SIG-001', clauses: ['JPKI Applications', 'JPKI Files of the JPKI AP', 'GPCS 11.11 STORE DATA'] }, 'the JPKI applet is installed and personalized', async () => {
    await provisionJpki(ctx, jpki, pin, fixture);
    await expectProvisioned(profile, jpki, fixture);
    provisioned = undefined;
  });

  cardTest({ id: 'JPKI-SIG-002', clauses: ['ISO7816-4 11.1.1 SELECT', 'ISO7816-4 11.2.3 READ BINARY', 'JPKI Files of the JPKI AP', 'JPKI READ BINARY', 'JPKI User-authentication certificate profile'] }, 'reads the user-authentication certificate and its CA certificate', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const certDer = await allure.step('read EF 000A (user-authentication certificate)', () => jpki.readEf(EF.USER_AUTH_CERT));
    const caDer = await allure.step('read EF 000B (CA certificate)', () => jpki.readEf(EF.USER_AUTH_CA_CERT));
    const cert = cardCertificate(certDer, 'EF 000A (user-authentication certificate)');
    await allure.parameter('user-authentication key', keyLabel(cert.key));
    await allure.attachment('user-auth certificate (PEM)', pem(certDer), { contentType: 'application/x-pem-file' });
    await expectStep('the CA certificate (EF 000B) names the issuer of the user-authentication certificate → subject = issuer',
      cardCertificate(caDer, 'EF 000B (CA certificate)').parsed.subject, cert.parsed.issuer, { show: (n) => JSON.stringify(n) });
    if (fixture) {
      await expectTrueStep('EF 000A on the card → the certificate personalized', equalBytes(certDer, fixture.files.get('000A')!));
      await expectTrueStep('EF 000B on the card → the CA certificate personalized', equalBytes(caDer, fixture.files.get('000B')!));
    }
    certs.userAuth = cert;
  });

  cardTest({ id: 'JPKI-SIG-003', clauses: ['ISO7816-4 11.2.3 READ BINARY (security status not satisfied, 6982)', 'ISO7816-4 11.5.6 VERIFY', 'JPKI Files of the JPKI AP', 'JPKI PIN'] }, 'refuses the signing certificate (EF 0001) before the signing password, then reads it and its CA certificate', async () => {
    requireProvisioned();
    const password = requirePassword();
    await jpki.selectAp();
    await jpki.selectEf(EF.SIGNING_CERT);
    await expectStep('READ BINARY of EF 0001 without the signing password → 6982, no data', () => jpki.readBinary(0, 4),
      { data: new Uint8Array(0), sw: SW.SECURITY_STATUS_NOT_SATISFIED }, { show: (r) => `${describeValue(r.data)}, ${describeSw(r.sw)}` });
    await expectStep('VERIFY the user-authentication PIN → 9000, verified', () => jpki.verifyPin(pin), VERIFIED);
    await jpki.selectEf(EF.SIGNING_CERT);
    await expectSwStep('READ BINARY of EF 0001 with only the user-authentication PIN → 6982', async () => (await jpki.readBinary(0, 4)).sw, SW.SECURITY_STATUS_NOT_SATISFIED);
    await expectStep('VERIFY the signing password → 9000, verified', () => jpki.verifySigningPin(password), VERIFIED);
    const certDer = await allure.step('read EF 0001 (signing certificate) after the password', () => jpki.readEf(EF.SIGNING_CERT));
    const caDer = await allure.step('read EF 0002 (signing CA certificate)', () => jpki.readEf(EF.SIGNING_CA_CERT));
    const cert = cardCertificate(certDer, 'EF 0001 (signing certificate)');
    await allure.parameter('signing key', keyLabel(cert.key));
    await allure.attachment('signing certificate (PEM)', pem(certDer), { contentType: 'application/x-pem-file' });
    await expectStep('the signing CA certificate (EF 0002) names the issuer of the signing certificate → subject = issuer',
      cardCertificate(caDer, 'EF 0002 (signing CA certificate)').parsed.subject, cert.parsed.issuer, { show: (n) => JSON.stringify(n) });
    if (fixture) {
      await expectTrueStep('EF 0001 on the card → the signing certificate personalized', equalBytes(certDer, fixture.files.get('0001')!));
      await expectTrueStep('EF 0002 on the card → the signing CA certificate personalized', equalBytes(caDer, fixture.files.get('0002')!));
    }
    certs.signing = cert;
  }, { skip: noPassword });

  cardTest({ id: 'JPKI-SIG-004', clauses: ['ISO7816-4 11.2.3 READ BINARY', 'JPKI Files of the JPKI AP'] }, 'reads the token information (EF 0006) and which certificates are present (EF 0008)', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const info = await allure.step('read EF 0006 (token information, CK_TOKEN_INFO)', () => jpki.tokenInfo());
    await allure.parameter('token label', info.label);
    await expectTrueStep('the token label (OpenSC shows it as the PKCS #11 token name) → not empty', info.label !== '', () => 'empty');
    const presence = await allure.step('read EF 0008 (certificate presence)', () => jpki.certificatePresence());
    await allure.parameter('EF 0008', hex(presence.bytes, ' '));
    if (fixture) {
      await expectTrueStep('EF 0006 on the card → the one personalized', async () => equalBytes(await jpki.readEf(EF.TOKEN_INFO), fixture.files.get('0006')!));
      await expectStep('EF 0008 → both certificates present', presence.bytes, fixture.files.get('0008')!);
    }
  });

  cardTest({ id: 'JPKI-SIG-005', clauses: ['ISO7816-4 11.5.6 VERIFY (empty data field: retry counter, 63CX)', 'JPKI PIN'] }, 'reports the PIN tries left without spending one', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const first = await expectStep(`VERIFY without data (tries left) → ${tries(jp.pinTryLimit)}`, () => jpki.pinState(), triesLeft(jp.pinTryLimit));
    await expectStep('VERIFY without data again → the same, no try spent', () => jpki.pinState(), first);
  });

  cardTest({ id: 'JPKI-SIG-006', clauses: ['ISO7816-4 11.5.6 VERIFY (empty data field: retry counter, 63CX)', 'JPKI PIN'] }, 'reports the signing password tries left without spending one (EF 001B, and P2 9B without SELECT)', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const first = await expectStep(`VERIFY without data after SELECT EF 001B → ${tries(jp.signingPinTryLimit)} (ixit.jpki.signingPinTryLimit)`,
      () => jpki.pinState('signing'), triesLeft(jp.signingPinTryLimit));
    await expectStep('VERIFY without data, P2 9B → the same, no try spent', () => jpki.pinState('signing', 'p2'), first);
    await expectStep(`VERIFY without data for the user-authentication PIN → its own counter, ${tries(jp.pinTryLimit)}`, () => jpki.pinState('userAuth'), triesLeft(jp.pinTryLimit));
  });

  cardTest({ id: 'JPKI-SIG-007', clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI PIN', 'JPKI COMPUTE DIGITAL SIGNATURE'] }, 'refuses to sign before the PIN is verified', async () => {
    requireProvisioned();
    await jpki.selectAp();
    await jpki.selectEf(EF.USER_AUTH_KEY);
    await expectSwStep('COMPUTE DIGITAL SIGNATURE before VERIFY → 6982', () => jpki.trySign(fixture?.digestInfos[0]?.digestInfo ?? new Uint8Array(51)), SW.SECURITY_STATUS_NOT_SATISFIED);
  });

  cardTest({ id: 'JPKI-SIG-008', clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'JPKI PIN'] }, 'refuses the signing key (001A) without the signing password, even with the user-authentication PIN verified (6982)', async () => {
    requireProvisioned();
    const probe = fixture?.signingSignatures[0]?.digestInfo ?? new Uint8Array(51);
    await jpki.selectAp();
    await jpki.selectEf(EF.SIGNING_KEY);
    await expectSwStep('nothing verified: COMPUTE DIGITAL SIGNATURE with key 001A (P2 80) → 6982', () => jpki.trySign(probe), SW.SECURITY_STATUS_NOT_SATISFIED);
    await expectStep('VERIFY the user-authentication PIN → 9000, verified', () => jpki.verifyPin(pin), VERIFIED);
    await jpki.selectEf(EF.SIGNING_KEY);
    await expectSwStep('user-authentication PIN only: COMPUTE DIGITAL SIGNATURE with key 001A (P2 80) → 6982', () => jpki.trySign(probe), SW.SECURITY_STATUS_NOT_SATISFIED);
    await expectSwStep('user-authentication PIN only: COMPUTE DIGITAL SIGNATURE, P2 9A → 6982', () => jpki.trySign(probe, 0x00, HALF.signing.keyP2), SW.SECURITY_STATUS_NOT_SATISFIED);
  });

  cardTest({ id: 'JPKI-SIG-009', clauses: ['ISO7816-4 11.5.6 VERIFY', 'JC-API OwnerPIN', 'JPKI PIN'] }, 'counts a wrong PIN down, and the right PIN restores the counter', async () => {
    requireProvisioned();
    await jpki.selectAp();
    await expectStep(`VERIFY with a wrong PIN → ${tries(jp.pinTryLimit - 1)}`, () => jpki.verifyPin(wrongValue(pin)), triesLeft(jp.pinTryLimit - 1));
    await expectStep(`VERIFY without data → still ${tries(jp.pinTryLimit - 1)}`, () => jpki.pinState(), triesLeft(jp.pinTryLimit - 1));
    await expectStep('VERIFY with the right PIN → 9000, verified', () => jpki.verifyPin(pin), VERIFIED);
    await jpki.selectAp(); // re-selecting the AP clears the verification state
    await expectStep(`SELECT the AP again, VERIFY without data → the counter restored, ${tries(jp.pinTryLimit)}`, () => jpki.pinState(), triesLeft(jp.pinTryLimit));
  });

  // One wrong password spends one of the 5 tries and shows the counter; the harness refuses to send a password
  // when one try is left (harness/jpki/commands.test.ts), so no run of this suite can block the password.
  cardTest({ id: 'JPKI-SIG-010', clauses: ['ISO7816-4 11.5.6 VERIFY', 'JC-API OwnerPIN', 'JPKI PIN'] }, 'counts a wrong signing password down from its try limit, and the right one restores the counter', async () => {
    requireProvisioned();
    const password = requirePassword();
    await jpki.selectAp();
    await expectStep(`VERIFY without data (signing password) → ${tries(jp.signingPinTryLimit)}`, () => jpki.pinState('signing'), triesLeft(jp.signingPinTryLimit));
    await expectStep(`VERIFY with a wrong signing password → ${tries(jp.signingPinTryLimit - 1)}`, () => jpki.verifySigningPin(wrongValue(password)), triesLeft(jp.signingPinTryLimit - 1));
    await expectStep(`VERIFY without data, P2 9B → the same counter, ${tries(jp.signingPinTryLimit - 1)}`, () => jpki.pinState('signing', 'p2'), triesLeft(jp.signingPinTryLimit - 1));
    await expectStep(`VERIFY without data for the user-authentication PIN → untouched, ${tries(jp.pinTryLimit)}`, () => jpki.pinState('userAuth'), triesLeft(jp.pinTryLimit));
    await expectStep('VERIFY with the right signing password, P2 9B → 9000, verified', () => jpki.verifySigningPin(password, { addressing: 'p2' }), VERIFIED);
    await jpki.selectAp();
    await expectStep(`SELECT the AP again, VERIFY without data → the counter restored, ${tries(jp.signingPinTryLimit)}`, () => jpki.pinState('signing'), triesLeft(jp.signingPinTryLimit));
  }, { skip: noPassword });

  // A change that is undone at once; still, only on cards the lab may change (emulated or test cards).
  cardTest({ id: 'JPKI-SIG-011', clauses: ['ISO7816-4 11.5.7 CHANGE REFERENCE DATA', 'JC-API OwnerPIN', 'JPKI PIN'] }, 'changes the signing password only after verifying it, only to a well-formed one, and back (CHANGE REFERENCE DATA)', async () => {
    requireProvisioned();
    const password = requirePassword();
    const other = password === 'SIMCERT2' ? 'SIMCERT3' : 'SIMCERT2';
    await jpki.selectAp();
    await expectSwStep('CHANGE REFERENCE DATA before the password is verified → 6982', () => jpki.changeReferenceData('signing', other), SW.SECURITY_STATUS_NOT_SATISFIED);
    await expectStep('VERIFY the signing password → 9000, verified', () => jpki.verifySigningPin(password), VERIFIED);
    await expectSwStep('CHANGE REFERENCE DATA to a password outside 6..16 of A-Z 0-9 (lower case) → 6A80', () => jpki.changeReferenceData('signing', other.toLowerCase()), 0x6a80);
    await expectSwStep('CHANGE REFERENCE DATA to another password → 9000', () => jpki.changeReferenceData('signing', other), SW.OK);
    await jpki.selectAp();
    await expectStep('VERIFY the new password → 9000, verified', () => jpki.verifySigningPin(other), VERIFIED);
    await expectSwStep('CHANGE REFERENCE DATA back, P2 9B → 9000', () => jpki.changeReferenceData('signing', password, { addressing: 'p2' }), SW.OK);
    await jpki.selectAp();
    await expectStep('VERIFY the first password → 9000, verified', () => jpki.verifySigningPin(password), VERIFIED);
    await jpki.selectAp();
    await expectStep(`VERIFY without data → the try counter kept its limit, ${tries(jp.signingPinTryLimit)}`, () => jpki.pinState('signing'), triesLeft(jp.signingPinTryLimit));
  }, { skip: noPassword ?? (profile.card.emulated || profile.card.testCard ? undefined : 'a customer card: the harness does not change its signing password (card.testCard is false)') });

  // Without a fixture there is no known answer to compare with: the known-answer tests are reported with that
  // reason (never silently absent), and the tests after them sign and verify with the card's own certificates.
  const noKnownAnswers = fixture ? undefined
    : `the profile personalizes no test fixture (ixit.jpki.personalization at ${profileLine(profile, ['ixit', 'jpki', 'personalization'])}): the card's keys are its own, so there is no known answer; the signatures are verified with the card's certificates below`;
  if (noKnownAnswers) {
    cardTest({ id: 'JPKI-SIG-012', clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'RFC8017 8.2 RSASSA-PKCS1-v1_5'] }, 'signs DigestInfo known-answer vectors with the user-authentication key byte-exact', async () => undefined, { skip: noKnownAnswers });
    cardTest({ id: 'JPKI-SIG-013', clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'RFC8017 8.2 RSASSA-PKCS1-v1_5'] }, 'signs DigestInfo known-answer vectors with the signing key (001A) byte-exact', async () => undefined, { skip: noKnownAnswers });
  }

  // The known answers are the RSA fixture's: with EC keys in the card (ixit.jpki.keyAlgorithm) they say nothing.
  const ecKeys = fixture?.ec
    ? `the JPKI keys are ${fixture.ec.curve} (ixit.jpki.keyAlgorithm at ${profileLine(profile, ['ixit', 'jpki', 'keyAlgorithm'])}): ECDSA signatures are randomized, so they are verified with the card's certificates below`
    : undefined;
  const vectors: JpkiVectors['digestInfos'] = fixture?.digestInfos ?? [];
  for (const v of vectors) {
    const title = `signs DigestInfo ${v.id} (${v.hash}) byte-exact and verifiably`;
    cardTest({ id: `JPKI-SIG-012-${v.id.toUpperCase()}`, clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'RFC8017 8.2 RSASSA-PKCS1-v1_5'] }, title, async () => {
      requireProvisioned();
      const expected = fixture!.signatures.find((s) => s.digestInfoId === v.id);
      if (!expected) throw new Error(`vectors/jpki/signatures.json has no signature for ${v.id}`);
      await allure.parameter('vector', v.id);
      await allure.parameter('expected signature source', expected.source, { excluded: true });
      await jpki.selectAp();
      await expectStep('VERIFY the user-authentication PIN → 9000, verified', () => jpki.verifyPin(pin), VERIFIED);
      const sig = await expectStep(`COMPUTE DIGITAL SIGNATURE over ${v.id} → the known answer (${expected.source})`, () => jpki.sign(v.digestInfo), expected.signature);
      checkRsaWithCertificate('userAuth', v.digest, v.digestInfo, sig);
    }, { when: v.hash === 'sha1' ? 'rsa2048 and sha1_digestinfo' : 'rsa2048', skip: ecKeys });
  }

  for (const v of fixture?.signingSignatures ?? []) {
    cardTest({ id: `JPKI-SIG-013-${v.id.toUpperCase()}`, clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'ISO7816-4 11.5.6 VERIFY', 'RFC8017 8.2 RSASSA-PKCS1-v1_5'] }, `signs DigestInfo ${v.id} with the signing key (001A) after the signing password, byte-exact and verifiably`, async () => {
      requireProvisioned();
      const password = requirePassword();
      await allure.parameter('vector', v.id);
      await allure.parameter('expected signature source', v.source, { excluded: true });
      await jpki.selectAp();
      await expectStep('VERIFY the signing password → 9000, verified', () => jpki.verifySigningPin(password), VERIFIED);
      const sig = await expectStep(`COMPUTE DIGITAL SIGNATURE over ${v.id} (SELECT 001A, P2 80) → the known answer (${v.source})`, () => jpki.sign(v.digestInfo, { key: 'signing' }), v.signature);
      await expectStep(`COMPUTE DIGITAL SIGNATURE over ${v.id} (P2 9A) → the same known answer`, () => jpki.sign(v.digestInfo, { key: 'signing', addressing: 'p2' }), v.signature);
      checkRsaWithCertificate('signing', v.digestInfo.subarray(v.digestInfo.length - 32), v.digestInfo, sig);
    }, { when: 'rsa2048', skip: noPassword ?? ecKeys });
  }

  // Any card, fixture or not: the key signs, and the certificate read from the card verifies it. ECDSA signatures
  // are made twice over one hash: their r must differ (a repeated nonce gives the private key away).
  for (const half of ['userAuth', 'signing'] as const) {
    const label = HALF_LABEL[half];
    cardTest({ id: `JPKI-SIG-014-${half === 'signing' ? 'SIGNING' : 'USERAUTH'}`, clauses: ['ISO7816-8 PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE', 'JPKI COMPUTE DIGITAL SIGNATURE', 'JPKI User-authentication certificate profile'] }, `signs with the ${label} key (P2 80 and P2 ${HALF[half].keyP2.toString(16).toUpperCase()}), verified with the certificate read from the card`, async () => {
      requireProvisioned();
      const cert = requireCert(half);
      await allure.parameter('key', keyLabel(cert.key));
      await jpki.selectAp();
      if (half === 'signing') await expectStep('VERIFY the signing password → 9000, verified', () => jpki.verifySigningPin(requirePassword()), VERIFIED);
      else await expectStep('VERIFY the user-authentication PIN → 9000, verified', () => jpki.verifyPin(pin), VERIFIED);
      const first = await signAndVerify(jpki, half, cert, ABC);
      const second = await signAndVerify(jpki, half, cert, ABC, { addressing: 'p2' });
      if (cert.key.kind === 'ec') {
        const n = first.signature.length / 2;
        await expectTrueStep('two ECDSA signatures over one hash → different r (a repeated nonce gives the key away)',
          hex(second.signature.subarray(0, n)) !== hex(first.signature.subarray(0, n)), () => `both r = ${hex(first.signature.subarray(0, n))}`);
      } else {
        await expectStep('P2 80 and P2 9A signatures → one signature (RSA PKCS#1 v1.5 is deterministic)', second.signature, first.signature);
      }
      made[half] = first;
    }, { skip: half === 'signing' ? noPassword : undefined });
  }

  for (const half of ['userAuth', 'signing'] as const) {
    const label = HALF_LABEL[half];
    const anchor = jp.trustedCa?.[half];
    const why = half === 'signing' && noPassword ? noPassword
      : anchor ? undefined : `the profile names no ${label} CA to chain to (ixit.jpki.trustedCa.${half} in ${profileLine(profile, ['ixit', 'jpki'])})`;
    cardTest({ id: `JPKI-SIG-015-${half === 'signing' ? 'SIGNING' : 'USERAUTH'}`, clauses: ['RFC5280 6 Certification Path Validation', 'RFC8017 8.2 RSASSA-PKCS1-v1_5', 'JPKI User-authentication certificate profile'] }, `a relying party that trusts the profile's ${label} CA accepts the card's certificate and signature`, async () => {
      const cert = requireCert(half);
      const sig = made[half];
      if (!sig) throw new Error(`no verified ${label} signature was made (see the signing test)`);
      const ca = new Uint8Array(await readFile(anchor!));
      await allure.parameter('trusted CA', anchor!, { excluded: true });
      const verdict = verifyUserAuthSignature({ userCert: cert.der, caCert: ca, at: new Date(), signed: sig.signed, signature: sig.signature });
      await expectStep('certificate path to the trusted CA and the signature → accepted (no reason to refuse)', verdict.reasons, [] as string[],
        { show: (r) => (r.length === 0 ? 'accepted' : `refused: ${r.join('; ')}`) });
    }, { skip: why });
  }

  // Android's Open Mobile API reaches SIM applets on a logical channel, the basic one being the modem's.
  // With a fixture the signature is compared with its known answer; on any other card it is verified with the
  // user-authentication certificate read from the card.
  cardTest({ id: 'JPKI-SIG-016', clauses: ['ISO7816-4 11.1.2 MANAGE CHANNEL', 'ETSI-102221 logical channels', 'JPKI COMPUTE DIGITAL SIGNATURE'] }, 'signs on a logical channel, as a phone\'s Open Mobile API reaches the applet', async () => {
    requireProvisioned();
    const rsaFixture = fixture && !fixture.ec ? fixture : undefined;
    const v = rsaFixture?.digestInfos.find((d) => d.hash === 'sha256');
    const expected = v && rsaFixture!.signatures.find((s) => s.digestInfoId === v.id);
    if (rsaFixture && (!v || !expected)) throw new Error('the fixture has no SHA-256 DigestInfo with a known signature');
    const cert = rsaFixture ? undefined : requireCert('userAuth');
    const lc = await allure.step('MANAGE CHANNEL (open)', () => openLogicalChannel(ctx.card.session, profile.ics.extendedLength));
    await allure.parameter('logical channel', String(lc.session.channel));
    try {
      const onChannel = new JpkiClient(lc.session, jpki.aid);
      await onChannel.selectAp();
      await expectStep('VERIFY the PIN on the channel → 9000, verified', () => onChannel.verifyPin(pin), VERIFIED);
      if (cert) {
        await signAndVerify(onChannel, 'userAuth', cert, ABC);
      } else {
        await expectStep(`COMPUTE DIGITAL SIGNATURE on the channel → the known answer (${expected!.source})`, () => onChannel.sign(v!.digestInfo), expected!.signature);
      }
    } finally {
      await lc.close();
    }
  }, { when: fixture && !fixture.ec ? 'channels and rsa2048' : 'channels' });
});

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Two independent checks of an RSA signature against the certificate read from the card: node-forge's PKCS#1 v1.5
 * verify, and the exact encoded message (00 01 FF.. 00 || DigestInfo) recovered with the public exponent.
 */
function checkRsaWithCertificate(half: JpkiHalf, digest: Uint8Array, di: Uint8Array, sig: Uint8Array): void {
  const cert = requireCert(half);
  if (cert.key.kind !== 'rsa') throw new Error(`the ${HALF_LABEL[half]} certificate holds a ${keyLabel(cert.key)} key, not the fixture's RSA key`);
  const pub = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger(hex(cert.key.n), 16), new forge.jsbn.BigInteger(hex(cert.key.e), 16));
  const raw = (b: Uint8Array): string => forge.util.binary.raw.encode(b);
  expect(pub.verify(raw(digest), raw(sig)), 'node-forge RSASSA-PKCS1-v1_5 verify').toBe(true);
  expect(hex(rsaPublicOp(pub, sig))).toBe(hex(emsaPkcs1v15(di, cert.key.n.length)));
}
