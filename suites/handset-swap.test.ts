// Suite handset-swap: a SIM moved to another phone loses power and is read by another terminal. Its applet, key,
// certificate and PIN try counter must survive; everything transient (selection, PIN verification, current
// file) must not. Checked for a move to the profile's other reader, a warm reset and a cold reset, each check
// its own Allure step.
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { fromHex, hex } from '../harness/bytes.ts';
import { EF, JpkiClient } from '../harness/jpki/client.ts';
import { loadJpkiVectors } from '../harness/jpki/vectors.ts';
import { applicableTest } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openJpkiCard, type CardContext } from './support/card-context.ts';
import { expectProvisioned } from './support/provisioned.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { openDomain } from './support/gp.ts';
import { provisionJpki, provisioningDependsOn } from './support/provision.ts';

const SUITE = 'handset-swap';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const fixture = jp.personalization.source === 'fixture' ? await loadJpkiVectors(jp.personalization.vectors) : undefined;

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let ready = false;

/** A DigestInfo to sign: the fixture's first vector, or SHA-256 of "abc" (FIPS 180-2 B.1) on a real card. */
const digestInfo = fixture?.digestInfos.find((v) => v.hash === 'sha256')?.digestInfo
  ?? fromHex('3031300D060960864801650304020105000420BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');

function wrongPin(p: string): string {
  const last = p.charCodeAt(p.length - 1);
  return p.slice(0, -1) + String.fromCharCode(last === 0x39 ? 0x30 : last + 1);
}

interface Before {
  certSha256: string;
  signature: string;
  triesLeft: number;
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

/** Signs, then spends one PIN try and leaves a file selected: the state the swap must partly keep, partly lose. */
async function recordState(): Promise<Before> {
  return allure.step('before: sign, read the certificate, spend one PIN try, leave EF 000A selected', async () => {
    await jpki.selectAp();
    expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
    const signature = hex(await jpki.sign(digestInfo));
    const cert = await jpki.readEf(EF.USER_AUTH_CERT);
    const wrong = await jpki.verifyPin(wrongPin(pin));
    expect(wrong).toEqual({ verified: false, triesLeft: jp.pinTryLimit - 1 });
    const reg = await registry();
    // The registry read selected the security domain: leave the JPKI AP selected with a file, as a phone would.
    await jpki.selectAp();
    await jpki.selectEf(EF.USER_AUTH_CERT);
    return { certSha256: createHash('sha256').update(cert).digest('hex'), signature, triesLeft: jp.pinTryLimit - 1, ...(reg ? { registry: reg } : {}) };
  });
}

async function checkAfter(before: Before): Promise<void> {
  await allure.step('nothing is selected after the power loss (READ BINARY without SELECT is refused)', async () => {
    const r = await jpki.readBinary(0, 4);
    expect(r.sw, describeSw(r.sw)).not.toBe(SW.OK);
  });
  await allure.step('the applet is still selectable', () => jpki.selectAp());
  await allure.step('no file is selected inside the AP any more (6986)', async () => {
    const r = await jpki.readBinary(0, 4);
    expect(describeSw(r.sw)).toBe(describeSw(SW.COMMAND_NOT_ALLOWED_NO_EF));
  });
  await allure.step('the PIN try counter kept its value (not reset by the swap)', async () => {
    expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: before.triesLeft });
  });
  await allure.step('the PIN verification is gone: signing is refused (6982)', async () => {
    await jpki.selectEf(EF.USER_AUTH_KEY);
    expect(describeSw(await jpki.trySign(digestInfo))).toBe(describeSw(SW.SECURITY_STATUS_NOT_SATISFIED));
  });
  let cert: Uint8Array = new Uint8Array(0);
  await allure.step('still PERSONALIZED, with the same certificate', async () => {
    cert = await jpki.readEf(EF.USER_AUTH_CERT);
    expect(createHash('sha256').update(cert).digest('hex')).toBe(before.certSha256);
  });
  await allure.step('the right PIN gives the counter back, and the key signs as before', async () => {
    expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
    const sig = await jpki.sign(digestInfo);
    expect(hex(sig)).toBe(before.signature);
    const c = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(cert)));
    const digest = digestInfo.subarray(digestInfo.length - 32);
    expect((c.publicKey as forge.pki.rsa.PublicKey).verify(forge.util.binary.raw.encode(digest), forge.util.binary.raw.encode(sig)),
      'the signature verifies with the certificate read after the swap').toBe(true);
    await jpki.selectAp();
    expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: jp.pinTryLimit });
  });
  if (before.registry) {
    await allure.step('GlobalPlatform content unchanged (GET STATUS)', async () => {
      expect(await registry()).toBe(before.registry);
    });
  }
}

/** Every swap starts from the applet the first test provisions (dependsOn, suites/support/outcomes.ts). */
const PROVISIONING = 'the JPKI applet is installed and personalized';

function swapTest(name: string, event: () => Promise<void>, routeLacks?: string): void {
  applicableTest(profile, SUITE, name, { dependsOn: PROVISIONING, routeLacks }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('persistence across a handset swap');
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
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`handset swap — ${profile.name}`, () => {
  applicableTest(profile, SUITE, PROVISIONING, { dependsOn: provisioningDependsOn(profile) }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('persistence across a handset swap');
    await onCard(ctx, SUITE, async () => {
      await provisionJpki(ctx, jpki, pin, fixture);
      await expectProvisioned(profile, jpki, fixture);
      ready = true;
    });
  });

  swapTest('survives a move to another reader (new handset)', async () => {
    await allure.step('power off, move the card to the other reader, power on', () => ctx.card.moveToOtherReader());
  }, profile.ixit.transport === 'vpcd'
    ? 'the card reaches the harness over vpcd (ixit.transport): it connected to the harness, which cannot move it to another reader'
    : undefined);

  swapTest('survives a warm reset on the same reader', async () => {
    await allure.step('warm reset', async () => {
      await ctx.card.session.transport.reset('warm');
    });
  });

  swapTest('survives a cold reset on the same reader', async () => {
    await allure.step('cold reset (power off, power on)', async () => {
      await ctx.card.session.transport.reset('cold');
    });
  });
});
