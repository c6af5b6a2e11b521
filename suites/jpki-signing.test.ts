// Suite jpki-signing: can the card's JPKI user-authentication application produce signatures a relying party
// accepts? Reads the certificates, exercises the PIN, and signs the known-answer DigestInfos in vectors/jpki,
// comparing every signature byte for byte and verifying it against the certificate read from the card.
import * as allure from 'allure-js-commons';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { parseAnswer } from '../harness/apdu/answer.ts';
import { openLogicalChannel } from '../harness/apdu/logical-channel.ts';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { equalBytes, hex } from '../harness/bytes.ts';
import { EF, JpkiClient } from '../harness/jpki/client.ts';
import { loadJpkiVectors, type JpkiVectors } from '../harness/jpki/vectors.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../harness/jpki/rsa-check.ts';
import { applicableTest, type TestOptions } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openJpkiCard, type CardContext } from './support/card-context.ts';
import { expectProvisioned } from './support/provisioned.ts';
import { provisionJpki, provisioningDependsOn } from './support/provision.ts';

const SUITE = 'jpki-signing';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const fixture = jp.personalization.source === 'fixture' ? await loadJpkiVectors(jp.personalization.vectors) : undefined;

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let provisioned: string | undefined = 'provisioning has not run';
let userCert: forge.pki.Certificate | undefined;

function requireProvisioned(): void {
  if (provisioned) throw new Error(`the JPKI applet is not ready: ${provisioned}`);
}

function toBinary(bytes: Uint8Array): string {
  return forge.util.binary.raw.encode(bytes);
}

/** A test on the card; `when` (ICS mnemonics) and `skip` (a reason) record it as not applicable or skipped. */
/** Every test signs with the applet the first test provisions (dependsOn, suites/support/outcomes.ts). */
const PROVISIONING = 'the JPKI applet is installed and personalized';

function cardTest(name: string, body: () => Promise<void>, opts: TestOptions = {}): void {
  applicableTest(profile, SUITE, name, { dependsOn: name === PROVISIONING ? provisioningDependsOn(profile) : PROVISIONING, ...opts }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('signing');
    await onCard(ctx, SUITE, body);
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`JPKI signing — ${profile.name}`, () => {
  cardTest('the JPKI applet is installed and personalized', async () => {
    await provisionJpki(ctx, jpki, pin, fixture);
    await expectProvisioned(profile, jpki, fixture);
    provisioned = undefined;
  });

  cardTest('reads the user-authentication certificate and its CA certificate', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const certDer = await allure.step('read EF 000A (user-authentication certificate)', () => jpki.readEf(EF.USER_AUTH_CERT));
    const caDer = await allure.step('read EF 000B (CA certificate)', () => jpki.readEf(EF.USER_AUTH_CA_CERT));
    const x509 = (d: Uint8Array) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(toBinary(d)));
    const cert = parseAnswer('EF 000A (user-authentication certificate)', certDer, x509);
    const ca = parseAnswer('EF 000B (CA certificate)', caDer, x509);
    await allure.attachment('user-auth certificate (PEM)', forge.pki.certificateToPem(cert), { contentType: 'application/x-pem-file' });
    expect(ca.verify(cert), 'the CA certificate on the card must have issued the user-auth certificate').toBe(true);
    const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; critical?: boolean } | null;
    expect(ku?.digitalSignature, 'keyUsage must allow digitalSignature').toBe(true);
    expect((cert.publicKey as forge.pki.rsa.PublicKey).n.bitLength()).toBe(2048);
    if (fixture) {
      expect(equalBytes(certDer, fixture.files.get('000A')!), 'certificate on the card = the one personalized').toBe(true);
      expect(equalBytes(caDer, fixture.files.get('000B')!), 'CA certificate on the card = the one personalized').toBe(true);
    }
    userCert = cert;
  });

  cardTest('reports the PIN tries left without spending one', async () => {
    requireProvisioned();
    await jpki.selectAp();
    const first = await jpki.pinState();
    const second = await jpki.pinState();
    expect(first).toEqual({ verified: false, triesLeft: jp.pinTryLimit });
    expect(second).toEqual(first);
  });

  cardTest('refuses to sign before the PIN is verified', async () => {
    requireProvisioned();
    await jpki.selectAp();
    await jpki.selectEf(EF.USER_AUTH_KEY);
    const sw = await jpki.trySign(fixture?.digestInfos[0]?.digestInfo ?? new Uint8Array(51));
    expect(describeSw(sw)).toBe(describeSw(SW.SECURITY_STATUS_NOT_SATISFIED));
  });

  cardTest('counts a wrong PIN down, and the right PIN restores the counter', async () => {
    requireProvisioned();
    await jpki.selectAp();
    // A wrong PIN of the right shape: the real PIN with its last digit changed.
    const last = pin.charCodeAt(pin.length - 1);
    const wrong = pin.slice(0, -1) + String.fromCharCode(last === 0x39 ? 0x30 : last + 1);
    const afterWrong = await jpki.verifyPin(wrong);
    expect(afterWrong).toEqual({ verified: false, triesLeft: jp.pinTryLimit - 1 });
    expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: jp.pinTryLimit - 1 });
    expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
    await jpki.selectAp(); // re-selecting the AP clears the verification state
    expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: jp.pinTryLimit });
  });

  const vectors: JpkiVectors['digestInfos'] = fixture?.digestInfos ?? [];
  for (const v of vectors) {
    const title = `signs DigestInfo ${v.id} (${v.hash}) byte-exact and verifiably`;
    cardTest(title, async () => {
      requireProvisioned();
      const expected = fixture!.signatures.find((s) => s.digestInfoId === v.id);
      if (!expected) throw new Error(`vectors/jpki/signatures.json has no signature for ${v.id}`);
      await allure.parameter('vector', v.id);
      await allure.parameter('expected signature source', expected.source, { excluded: true });
      await jpki.selectAp();
      const state = await jpki.verifyPin(pin);
      expect(state).toEqual({ verified: true });
      const sig = await allure.step('COMPUTE DIGITAL SIGNATURE', () => jpki.sign(v.digestInfo));
      expect(hex(sig), `the card's signature differs from the known answer (${expected.source})`).toBe(hex(expected.signature));
      const cert = userCert;
      if (!cert) throw new Error('no certificate was read from the card (see the certificate test)');
      const pub = cert.publicKey as forge.pki.rsa.PublicKey;
      // Two independent checks against the certificate read from the card: node-forge's PKCS#1 v1.5 verify, and
      // the exact encoded message (00 01 FF.. 00 || DigestInfo) recovered with the public exponent.
      expect(pub.verify(toBinary(v.digest), toBinary(sig)), 'node-forge RSASSA-PKCS1-v1_5 verify').toBe(true);
      const recovered = rsaPublicOp(pub, sig);
      expect(hex(recovered)).toBe(hex(emsaPkcs1v15(v.digestInfo, 256)));
    }, { when: v.hash === 'sha1' ? 'rsa2048 and sha1_digestinfo' : 'rsa2048' });
  }

  // Android's Open Mobile API reaches SIM applets on a logical channel, the basic one being the modem's.
  cardTest('signs on a logical channel, as a phone\'s Open Mobile API reaches the applet', async () => {
    requireProvisioned();
    const v = fixture?.digestInfos.find((d) => d.hash === 'sha256');
    const expected = v && fixture!.signatures.find((s) => s.digestInfoId === v.id);
    if (!v || !expected) throw new Error('the fixture has no SHA-256 DigestInfo with a known signature');
    const lc = await allure.step('MANAGE CHANNEL (open)', () => openLogicalChannel(ctx.card.session, profile.ics.extendedLength));
    await allure.parameter('logical channel', String(lc.session.channel));
    try {
      const onChannel = new JpkiClient(lc.session, jpki.aid);
      await onChannel.selectAp();
      expect(await onChannel.verifyPin(pin)).toEqual({ verified: true });
      const sig = await allure.step('COMPUTE DIGITAL SIGNATURE on the channel', () => onChannel.sign(v.digestInfo));
      expect(hex(sig), `the card's signature differs from the known answer (${expected.source})`).toBe(hex(expected.signature));
    } finally {
      await lc.close();
    }
  }, { when: 'channels and rsa2048' });
});

