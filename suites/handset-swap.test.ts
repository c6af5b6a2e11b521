// Suite handset-swap: a SIM moved to another phone loses power and is read by another terminal. Its applet, both
// keys, both certificates and both PIN try counters must survive; everything transient (selection, the
// verification of either PIN, current file) must not. Checked for a move to the profile's other reader, a warm
// reset and a cold reset, each check its own Allure step. The keys are checked by signing before and after: the
// same signature for RSA (deterministic), and for ECDSA a signature that verifies under the certificate's key with
// an r never seen before in the run (harness/jpki/nonce-reuse.ts).
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe } from 'vitest';
import { SW } from '../harness/apdu/status-words.ts';
import { hex } from '../harness/bytes.ts';
import { EF, HALF, JpkiClient, type JpkiHalf } from '../harness/jpki/client.ts';
import { loadSuiteFixture } from './support/fixture.ts';
import { applicableTest, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, noSigningPin, onCard, openJpkiCard, profileLine, type CardContext } from './support/card-context.ts';
import { expectProvisioned } from './support/provisioned.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { openDomain } from './support/gp.ts';
import { provisionJpki, provisioningDependsOn } from './support/provision.ts';
import { ABC, cardCertificate, HALF_LABEL, signAndVerify } from './support/signatures.ts';
import { expectStep, expectSwStep, expectTrueStep } from './support/steps.ts';

const SUITE = 'handset-swap';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const fixture = await loadSuiteFixture(profile);
const noPassword = noSigningPin(profile);

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let signingPin: string | undefined;
let ready = false;

/** The halves this profile lets the suite check: the signing half needs the signing password. */
const halves = (): JpkiHalf[] => (signingPin ? ['userAuth', 'signing'] : ['userAuth']);
const secretOf = (half: JpkiHalf): string => (half === 'signing' ? signingPin! : pin);
const limitOf = (half: JpkiHalf): number => (half === 'signing' ? jp.signingPinTryLimit : jp.pinTryLimit);

/** A wrong value of the right shape: the real one with its last character changed (digits stay digits). */
function wrongValue(v: string): string {
  const last = v.charCodeAt(v.length - 1);
  const next = last === 0x39 ? 0x30 : last === 0x5a ? 0x41 : last + 1;
  return v.slice(0, -1) + String.fromCharCode(next);
}

interface HalfBefore {
  certDer: Uint8Array;
  /** The signature over "abc" (RSA: compared byte for byte after the swap). */
  signature: string;
  triesLeft: number;
}

interface Before {
  halves: Partial<Record<JpkiHalf, HalfBefore>>;
  /** GET STATUS of the applications, when the profile gives a security domain to ask. */
  registry?: string;
}

async function registry(): Promise<string | undefined> {
  if (!profile.ixit.gp) return undefined;
  return allure.step('GET STATUS of the applications (through the security domain)', async () => {
    const ch = await openDomain(ctx);
    return JSON.stringify(await getStatus(ch, 0x40));
  });
}

/** Reads a half's certificate; the caller has verified that half's PIN (EF 0001 is readable only then). */
async function readCertificate(half: JpkiHalf): Promise<Uint8Array> {
  return jpki.readEf(HALF[half].cert);
}

/**
 * For each half: verify, sign, read the certificate, then spend one try with a wrong value; finally leave a file
 * selected. The state the swap must partly keep (keys, certificates, counters), partly lose (the rest).
 */
async function recordState(): Promise<Before> {
  const out: Before = { halves: {} };
  for (const half of halves()) {
    await allure.step(`before: the ${HALF_LABEL[half]} key signs, its certificate is read, one ${HALF[half].pinName} try is spent`, async () => {
      await jpki.selectAp();
      await expectStep(`VERIFY the ${HALF[half].pinName} → 9000, verified`, () => jpki.verify(half, secretOf(half)), { verified: true });
      const certDer = await readCertificate(half);
      const made = await signAndVerify(jpki, half, cardCertificate(certDer, `EF ${HALF[half].cert.toString(16).padStart(4, '0')}`), ABC);
      await jpki.selectAp(); // clears the verification, so the wrong value below counts
      await expectStep(`VERIFY with a wrong ${HALF[half].pinName} → 63C${limitOf(half) - 1}, ${limitOf(half) - 1} tries left`,
        () => jpki.verify(half, wrongValue(secretOf(half))), { verified: false, triesLeft: limitOf(half) - 1 });
      out.halves[half] = { certDer, signature: hex(made.signature), triesLeft: limitOf(half) - 1 };
    });
  }
  const reg = await registry();
  if (reg) out.registry = reg;
  // The registry read selected the security domain: leave the JPKI AP selected with a file, as a phone would.
  await jpki.selectAp();
  await jpki.selectEf(EF.USER_AUTH_CERT);
  return out;
}

async function checkAfter(before: Before): Promise<void> {
  await expectTrueStep('READ BINARY without SELECT after the power loss → refused (nothing is selected)', async () => (await jpki.readBinary(0, 4)).sw !== SW.OK);
  await allure.step('the applet is still selectable', () => jpki.selectAp());
  await expectSwStep('READ BINARY in the AP without SELECT of a file → 6986 (no file is selected any more)', async () => (await jpki.readBinary(0, 4)).sw, SW.COMMAND_NOT_ALLOWED_NO_EF);
  for (const half of halves()) {
    const b = before.halves[half]!;
    const label = HALF_LABEL[half];
    await expectStep(`VERIFY without data → the ${HALF[half].pinName} counter kept its value, 63C${b.triesLeft}, ${b.triesLeft} tries left (not reset by the swap)`,
      () => jpki.pinState(half), { verified: false, triesLeft: b.triesLeft });
    await jpki.selectEf(HALF[half].keyEf);
    await expectSwStep(`COMPUTE DIGITAL SIGNATURE with the ${label} key → 6982 (the ${HALF[half].pinName} verification is gone)`,
      () => jpki.trySign(fixture?.digestInfos[0]?.digestInfo ?? new Uint8Array(51)), SW.SECURITY_STATUS_NOT_SATISFIED);
  }
  if (signingPin) {
    await jpki.selectEf(EF.SIGNING_CERT);
    await expectSwStep('READ BINARY of the signing certificate without the password → 6982 (closed again)', async () => (await jpki.readBinary(0, 4)).sw, SW.SECURITY_STATUS_NOT_SATISFIED);
  }
  for (const half of halves()) {
    const b = before.halves[half]!;
    const label = HALF_LABEL[half];
    await allure.step(`the right ${HALF[half].pinName} gives the counter back; the same ${label} certificate, and the key signs as before`, async () => {
      await jpki.selectAp();
      await expectStep(`VERIFY the right ${HALF[half].pinName} → 9000, verified`, () => jpki.verify(half, secretOf(half)), { verified: true });
      const certDer = await readCertificate(half);
      await expectStep(`READ BINARY of the ${label} certificate → the one from before the swap (SHA-256)`, createHash('sha256').update(certDer).digest('hex'),
        createHash('sha256').update(b.certDer).digest('hex'));
      const cert = cardCertificate(certDer, `EF ${HALF[half].cert.toString(16).padStart(4, '0')}`);
      const made = await signAndVerify(jpki, half, cert, ABC);
      if (cert.key.kind === 'rsa') await expectStep(`COMPUTE DIGITAL SIGNATURE with the ${label} key → the signature it gave before the swap`, hex(made.signature), b.signature);
      await jpki.selectAp();
      await expectStep(`VERIFY without data → the counter given back, 63C${limitOf(half)}, ${limitOf(half)} tries left`, () => jpki.pinState(half), { verified: false, triesLeft: limitOf(half) });
    });
  }
  if (before.registry) {
    await expectStep('GET STATUS → the GlobalPlatform content from before the swap', () => registry(), before.registry);
  }
}

/** Every swap starts from the applet the first test provisions (dependsOn, suites/support/outcomes.ts). */
const PROVISIONING = 'the JPKI applet is installed and personalized';

/** What every swap test verifies: persistent state kept, transient state and security status lost. */
const SWAP_CLAUSES = [
  'JC-API OwnerPIN (try counter persistent, validated flag transient)',
  'JC-API JCSystem CLEAR_ON_RESET (transient state lost on reset)',
  'ISO7816-4 11.5.6 VERIFY (retry counter, security status)',
  'ISO7816-4 11.1.1 SELECT (current file lost on reset)',
  'JPKI PIN',
  'JPKI COMPUTE DIGITAL SIGNATURE',
];

function swapTest(ref: TestRef, name: string, event: () => Promise<void>, routeLacks?: string): void {
  applicableTest(profile, SUITE, name, { dependsOn: PROVISIONING, routeLacks, ...ref }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('persistence across a handset swap');
    // The signing half is checked whenever the profile gives its password; otherwise the report says it was not.
    await allure.parameter('halves checked', noPassword ? `user authentication only: ${noPassword}` : 'user authentication and signing');
    await onCard(ctx, SUITE, async () => {
      if (!ready) throw new Error('the JPKI applet is not ready: see the provisioning test');
      const before = await recordState();
      const from = ctx.card.reader;
      await event();
      await allure.parameter('reader before', from, { excluded: true });
      await allure.parameter('reader after', ctx.card.reader, { excluded: true });
      await checkAfter(before);
    });
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin, signingPin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`handset swap — ${profile.name}`, () => {
  applicableTest(profile, SUITE, PROVISIONING, {
    id: 'SWAP-001', clauses: ['JPKI Files of the JPKI AP', 'JPKI PIN', 'GPCS 11.11 STORE DATA'], dependsOn: provisioningDependsOn(profile),
  }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('persistence across a handset swap');
    await onCard(ctx, SUITE, async () => {
      await provisionJpki(ctx, jpki, pin, fixture);
      await expectProvisioned(profile, jpki, fixture);
      ready = true;
    });
  });

  swapTest({ id: 'SWAP-002', clauses: [...SWAP_CLAUSES, 'ETSI-102221 UICC-terminal interface: deactivation and activation (power off, power on)'] }, 'survives a move to another reader (new handset)', async () => {
    await allure.step('power off, move the card to the other reader, power on', () => ctx.card.moveToOtherReader());
  }, profile.ixit.transport === 'vpcd'
    ? `a card that connects to the harness over vpcd cannot be moved to another reader by it (ixit.transport at ${profileLine(profile, ['ixit', 'transport'])}); the resets below still run`
    : undefined);

  swapTest({ id: 'SWAP-003', clauses: [...SWAP_CLAUSES, 'ETSI-102221 UICC-terminal interface: warm reset'] }, 'survives a warm reset on the same reader', async () => {
    await allure.step('warm reset', async () => {
      await ctx.card.session.transport.reset('warm');
    });
  });

  swapTest({ id: 'SWAP-004', clauses: [...SWAP_CLAUSES, 'ETSI-102221 UICC-terminal interface: cold reset'] }, 'survives a cold reset on the same reader', async () => {
    await allure.step('cold reset (power off, power on)', async () => {
      await ctx.card.session.transport.reset('cold');
    });
  });
});
