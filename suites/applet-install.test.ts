// Suite applet-install: can the carrier's security domain take the JPKI applet the GlobalPlatform way? Opens the
// profile's secure channel, loads and installs the applet, checks the registry at each step, deletes and
// reinstalls, and checks the safety and security behaviour the provisioning chain relies on.
import { createHash, randomBytes } from 'node:crypto';
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import type { CommandApdu } from '../harness/apdu/apdu.ts';
import { equalBytes, fromHex, hex } from '../harness/bytes.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installCommand, loadLoadFile } from '../harness/gp/content.ts';
import { diversify } from '../harness/gp/diversify.ts';
import { scp02Cryptograms, scp02SessionKeys, Scp02Wrapper } from '../harness/gp/scp02.ts';
import { scp03Cryptograms, scp03SessionKeys, Scp03Wrapper } from '../harness/gp/scp03.ts';
import type { SecureChannel } from '../harness/gp/secure-channel.ts';
import { parseInitializeUpdate, WrongKeysError } from '../harness/gp/secure-channel.ts';
import { applicableTest, type MoreOptions, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openCardContext, type CardContext } from './support/card-context.ts';
import { kcvAes } from '../harness/gp/crypto.ts';
import { putKeyCommand } from '../harness/gp/put-key.ts';
import { domainKeys, jpkiInstallSpec, jpkiLoadFile, openDomain, serviceProviderKeys, type GpSettings } from './support/gp.ts';
import { expectStep, expectSwStep, expectTrueStep } from './support/steps.ts';

const SUITE = 'applet-install';
const profile = await loadSuiteProfile();
/** jCardSim, or a card its issuer installed, offers no security domain: then nothing in this suite can run. */
const noDomain = profile.ixit.gp ? undefined
  : `no security domain in the IXIT (ixit.gp): on this route the applet is installed by ${profile.ixit.jpki.install === 'create-applet' ? "jCardSim's CREATE APPLET" : 'its issuer'} (ixit.jpki.install: ${profile.ixit.jpki.install})`;
// Read only inside test bodies, which run only when the domain is there (noDomain undefined).
const gp = profile.ixit.gp as GpSettings;
const jpkiAid = profile.ixit.jpki.aid.toUpperCase();
const mayCostAttempts = profile.card.emulated || profile.card.testCard;

// What later tests need (dependsOn, suites/support/outcomes.ts): every test opens the secure channel the first
// one checks; the others need what an earlier test set up.
const AUTHENTICATES = 'authenticates to the security domain';
const LOADED = 'loads the applet load file';
const INSTALLED = 'installs the applet and makes it selectable';
const SP_DOMAIN = 'the carrier creates the service provider\'s domain and puts the service provider\'s keys into it';

let ctx: CardContext;
let lf: { packageAid: string; bytes: Uint8Array };

/** A test on the card; `when` (ICS mnemonics) and `skip` (a reason) record it as not applicable or skipped. */
function cardTest(ref: TestRef, name: string, body: () => Promise<void>, opts: MoreOptions = {}): void {
  applicableTest(profile, SUITE, name, { dependsOn: name === AUTHENTICATES ? [] : AUTHENTICATES, ...opts, ...ref, routeLacks: noDomain }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('applet installation (GlobalPlatform)');
    await onCard(ctx, SUITE, body);
  });
}

async function channel(): Promise<SecureChannel> {
  const ch = await openDomain(ctx);
  await allure.parameter('secure channel', `SCP0${ch.scp}, level ${gp.level}`);
  return ch;
}

/** The profile's security domain opened at another security level than the profile's. */
async function channelAt(level: GpSettings['level']): Promise<SecureChannel> {
  const ch = await openDomain({ ...ctx, profile: { ...profile, ixit: { ...profile.ixit, gp: { ...gp, level } } } });
  await allure.parameter('secure channel', `SCP0${ch.scp}, level ${level}`);
  return ch;
}

const GET_STATUS_SD: CommandApdu = { cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F00'), le: 256 };

/**
 * INITIALIZE UPDATE with the profile's keys; the card cryptogram must match them (else nothing more is sent); then
 * EXTERNAL AUTHENTICATE at level 01 with the host cryptogram's first bit flipped and the C-MAC computed over that
 * wrong value. Returns the card's status word. Spends one authentication attempt.
 */
async function wrongHostCryptogramUnderValidCmac(): Promise<number> {
  const s = ctx.card.session;
  const master = await domainKeys(profile);
  await s.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(gp.sd), le: 256 }, { name: 'SELECT security domain' });
  const host = new Uint8Array(randomBytes(8));
  const iu = await s.transmit({ cla: 0x80, ins: 0x50, p1: master.kvn ?? 0, p2: 0, data: host, le: 256 }, { name: 'INITIALIZE UPDATE', redact: 'both' });
  expect(describeSw(iu.sw)).toBe(describeSw(SW.OK));
  const r = parseInitializeUpdate(iu.data);
  const keys = gp.diversification && gp.diversification !== 'none' ? diversify(master, r.kdd, gp.diversification) : master;
  let c: { card: Uint8Array; host: Uint8Array };
  let wrapper: Scp02Wrapper | Scp03Wrapper;
  if (r.scp === 3) {
    const sk = scp03SessionKeys(keys, host, r.cardChallenge);
    for (const k of [keys.enc, keys.mac, keys.dek, sk.enc, sk.mac, sk.rmac]) s.trace.registerSecret(k);
    c = scp03Cryptograms(sk.mac, host, r.cardChallenge);
    wrapper = new Scp03Wrapper(sk, 0x01);
  } else {
    const sk = scp02SessionKeys(keys, r.sequenceCounter);
    for (const k of [keys.enc, keys.mac, keys.dek, sk.enc, sk.mac, sk.rmac, sk.dek]) s.trace.registerSecret(k);
    c = scp02Cryptograms(sk.enc, host, r.sequenceCounter, r.cardChallenge);
    wrapper = new Scp02Wrapper(sk, 0x01);
  }
  if (!equalBytes(c.card, r.cardCryptogram)) {
    throw new WrongKeysError('the card cryptogram does not match the profile\'s keys: EXTERNAL AUTHENTICATE was not sent');
  }
  const wrong = Uint8Array.from(c.host);
  wrong[0]! ^= 0x01;
  s.trace.registerSecret(c.host);
  s.trace.registerSecret(wrong);
  const ea = await s.transmit(wrapper.externalAuthenticate(wrong), { name: 'EXTERNAL AUTHENTICATE (host cryptogram wrong, C-MAC right)', redact: 'command-data' });
  return ea.sw;
}

beforeAll(async () => {
  ctx = await openCardContext(profile);
  if (!noDomain) lf = await jpkiLoadFile(profile);
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`applet install — ${profile.name}`, () => {
  cardTest({ id: 'GP-INST-001', clauses: ['GPCS 10 Secure Communication (explicit secure channel initiation)', 'GP-AMD-D 7 INITIALIZE UPDATE and EXTERNAL AUTHENTICATE', 'GPCS 11.4 GET STATUS'] }, 'authenticates to the security domain', async () => {
    const ch = await channel();
    const sd = await allure.step('GET STATUS of the security domain', () => getStatus(ch, 0x80));
    await expectTrueStep(`the authenticated domain → ${gp.sd.toUpperCase()} (ixit.gp.sd)`, sd.some((e) => e.aid === gp.sd.toUpperCase()), () => sd.map((e) => e.aid).join(', '));
  });

  cardTest({ id: 'GP-INST-002', clauses: ['GPCS 11.5 INSTALL [for load]', 'GPCS 11.6 LOAD', 'GPCS 11.4 GET STATUS (Executable Load Files)'] }, 'loads the applet load file', async () => {
    const ch = await channel();
    const blocks = await allure.step('INSTALL [for load] and LOAD', () => loadLoadFile(ch, lf.packageAid, lf.bytes));
    await allure.parameter('LOAD blocks', String(blocks));
    // The portability matrix shows that every variant got the very same load file.
    await allure.parameter('load file SHA-256', createHash('sha256').update(lf.bytes).digest('hex'));
    const files = await allure.step('GET STATUS of load files', () => getStatus(ch, 0x20));
    await expectStep(`GET STATUS of load files → ${lf.packageAid.toUpperCase()} LOADED (01)`, files.find((f) => f.aid === lf.packageAid.toUpperCase()),
      { aid: lf.packageAid.toUpperCase(), lifeCycle: 0x01, privileges: '' });
  });

  cardTest({ id: 'GP-INST-003', clauses: ['GPCS 11.5 INSTALL [for install and make selectable]', 'ISO7816-4 11.1.1 SELECT'] }, 'installs the applet and makes it selectable', async () => {
    const ch = await channel();
    await allure.step('INSTALL [for install and make selectable]', () =>
      installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid)));
    const apps = await allure.step('GET STATUS of applications', () => getStatus(ch, 0x40));
    await expectStep(`GET STATUS of applications → ${jpkiAid} SELECTABLE (07), no privileges`, apps.find((a) => a.aid === jpkiAid), { aid: jpkiAid, lifeCycle: 0x07, privileges: '00' });
    await expectSwStep('SELECT the JPKI AP → 9000', async () =>
      (await ctx.card.session.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(jpkiAid) }, { name: 'SELECT JPKI AP' })).sw, SW.OK);
  }, { dependsOn: LOADED });

  cardTest({ id: 'GP-INST-004', clauses: ['GPCS 11.5 INSTALL (AID already present)'] }, 'refuses a second instance with the AID already in use', async () => {
    const ch = await channel();
    await expectSwStep(`INSTALL [for install] with the AID already in use → ${gp.existingInstanceSw.toUpperCase()} (ixit.gp.existingInstanceSw)`,
      async () => (await ch.transmit(installCommand(jpkiInstallSpec(profile, lf.packageAid)), 'INSTALL (existing AID)')).sw, Number.parseInt(gp.existingInstanceSw, 16));
  }, { dependsOn: INSTALLED });

  cardTest({ id: 'GP-INST-005', clauses: ['GPCS 11.2 DELETE', 'GPCS 11.5 INSTALL', 'ISO7816-4 11.1.1 SELECT'] }, 'deletes the applet, which is then gone, and installs it again', async () => {
    let ch = await channel();
    await expectSwStep('DELETE the instance → 9000', () => deleteAid(ch, jpkiAid), SW.OK);
    await expectTrueStep('GET STATUS of applications → the instance is gone', async () => !(await getStatus(ch, 0x40)).some((e) => e.aid === jpkiAid));
    await expectSwStep('SELECT the deleted AP → 6A82', async () =>
      (await ctx.card.session.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(jpkiAid) }, { name: 'SELECT JPKI AP (deleted)' })).sw, SW.FILE_NOT_FOUND);
    ch = await channel();
    await allure.step('INSTALL again from the same load file', () =>
      installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid)));
    await expectTrueStep('GET STATUS of applications → the instance is back', async () => (await getStatus(ch, 0x40)).some((e) => e.aid === jpkiAid));
  }, { dependsOn: INSTALLED });

  cardTest({ id: 'GP-INST-006', clauses: ['GP-AMD-D 7 INITIALIZE UPDATE (card cryptogram)'] }, 'stops before EXTERNAL AUTHENTICATE when the keys are wrong, and the right keys still work', async () => {
    const keys = await domainKeys(profile);
    // SCP03 derives the card cryptogram from the MAC key, SCP02 from the ENC key: a wrong set changes both. The
    // flipped bit is not bit 1, which DES ignores (parity): an SCP02 key differing there is the same key.
    const flip = (k: Uint8Array): Uint8Array => k.map((b, i) => (i === 0 ? b ^ 0x80 : b));
    const wrong = { ...keys, enc: flip(keys.enc), mac: flip(keys.mac) };
    await allure.step('wrong ENC and MAC keys: the card cryptogram does not match, nothing is sent', async () => {
      await expect(openDomain(ctx, wrong)).rejects.toBeInstanceOf(WrongKeysError);
    });
    await channel();
  });

  // At level 01 the C-MAC is the only protection of the command: at 03 the forged command would fail C-DECRYPTION
  // first, and a card that never checks MACs would pass.
  cardTest({ id: 'GP-INST-007', clauses: ['GP-AMD-D 6 C-MAC verification', 'GPCS 10 Secure Communication (session ends on a security error)'] }, 'refuses a command whose C-MAC is forged at level 01 (C-MAC only), and ends the session', async () => {
    const ch = await channelAt('01');
    await expectSwStep('GET STATUS with the right C-MAC → 9000', async () => (await ch.transmit(GET_STATUS_SD, 'GET STATUS, rightly MACed')).sw, SW.OK);
    await expectSwStep('GET STATUS with a forged C-MAC → 6982', async () => (await ctx.card.session.transmit({ ...GET_STATUS_SD, cla: 0x84, data: fromHex('4F000000000000000000') },
      { name: 'GET STATUS with a forged C-MAC' })).sw, SW.SECURITY_STATUS_NOT_SATISFIED);
    await expectSwStep('GET STATUS with the right C-MAC after it → 6982 (the session has ended)', async () => (await ch.transmit(GET_STATUS_SD, 'GET STATUS after the forged MAC')).sw,
      SW.SECURITY_STATUS_NOT_SATISFIED);
  }, {
    skip: mayCostAttempts || gp.level === '01' ? undefined
      : `a domain that does not allow level 01 (the profile uses ${gp.level}) may refuse EXTERNAL AUTHENTICATE, which spends one of a real card's authentication attempts`,
  });

  // The C-MAC of this EXTERNAL AUTHENTICATE is right for the (wrong) cryptogram it carries, so only the host
  // cryptogram check can refuse it.
  cardTest(
    { id: 'GP-INST-008', clauses: ['GP-AMD-D 7 EXTERNAL AUTHENTICATE (host cryptogram)'] }, 'answers a wrong host cryptogram under a valid C-MAC with 6300, and the right keys still open the domain',
    async () => {
      await expectSwStep('INITIALIZE UPDATE, then EXTERNAL AUTHENTICATE with one bit of the host cryptogram flipped → 6300',
        () => wrongHostCryptogramUnderValidCmac(), 0x6300);
      await channel(); // one failure does not lock the domain
    },
    { skip: mayCostAttempts ? undefined : 'it spends one of a real card\'s authentication attempts' },
  );

  cardTest({ id: 'GP-INST-009', clauses: ['GPCS 11.2 DELETE (related objects)'] }, 'removes what it installed (DELETE of the load file with related objects)', async () => {
    const ch = await channel();
    await expectSwStep('DELETE the load file with related objects → 9000', () => deleteAid(ch, lf.packageAid, { related: true }), SW.OK);
    await expectTrueStep('GET STATUS of load files → the load file is gone', async () => !(await getStatus(ch, 0x20)).some((e) => e.aid === lf.packageAid.toUpperCase()));
  }, { dependsOn: LOADED });

  const sp = profile.ixit.gp?.serviceProvider;
  const spTest = (ref: TestRef, name: string, body: () => Promise<void>, dependsOn: string[] = []): void =>
    cardTest(ref, name, body, { when: 'ssd', skip: sp ? undefined : 'the profile names no service provider domain (ixit.gp.serviceProvider)', dependsOn: [AUTHENTICATES, ...dependsOn] });

  spTest({ id: 'GP-INST-010', clauses: ['GPCS 7 Security Domains (Supplementary Security Domain)', 'GPCS 11.5 INSTALL', 'GPCS 11.8 PUT KEY'] }, 'the carrier creates the service provider\'s domain and puts the service provider\'s keys into it', async () => {
    const spKeys = await serviceProviderKeys(profile);
    const isd = await channel();
    await allure.step('INSTALL [for install] of the security domain module', () =>
      installAndMakeSelectable(isd, { loadFileAid: 'A0000001515350', moduleAid: 'A000000151535041', instanceAid: sp!.sd, privileges: '80' }));
    expect(await getStatus(isd, 0x40)).toContainEqual({ aid: sp!.sd.toUpperCase(), lifeCycle: 0x07, privileges: '80' });
    const carrierKeys = await domainKeys(profile);
    const ssd = await openDomain(ctx, carrierKeys, sp!.sd);
    const r = await ssd.send(putKeyCommand(carrierKeys.dek, spKeys, sp!.kvn, carrierKeys.kvn ?? 0), 'PUT KEY (service provider key set)');
    expect(hex(r.data)).toBe(hex(Uint8Array.of(sp!.kvn, ...kcvAes(spKeys.enc), ...kcvAes(spKeys.mac), ...kcvAes(spKeys.dek))));
  });

  spTest({ id: 'GP-INST-011', clauses: ['GPCS 11.5 INSTALL [for load] through a Supplementary Security Domain', 'GPCS 11.6 LOAD'] }, 'the service provider installs the applet through its own domain, with only its keys', async () => {
    const spKeys = await serviceProviderKeys(profile);
    const ssd = await openDomain(ctx, spKeys, sp!.sd);
    await allure.step('INSTALL [for load] into the service provider domain, LOAD', () => loadLoadFile(ssd, lf.packageAid, lf.bytes, { sdAid: sp!.sd }));
    await installAndMakeSelectable(ssd, jpkiInstallSpec(profile, lf.packageAid));
    expect((await getStatus(ssd, 0x40)).map((e) => e.aid)).toContain(jpkiAid);
  }, [SP_DOMAIN, INSTALLED]);

  spTest({ id: 'GP-INST-012', clauses: ['GPCS 7 Security Domains (key separation)', 'GP-AMD-D 7 INITIALIZE UPDATE (card cryptogram)'] }, 'the service provider\'s keys neither load into the issuer domain nor open it', async () => {
    const spKeys = await serviceProviderKeys(profile);
    const ssd = await openDomain(ctx, spKeys, sp!.sd);
    const lv = (h: string): Uint8Array => Uint8Array.of(h.length / 2, ...fromHex(h));
    const r = await ssd.transmit({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0, data: Uint8Array.of(...lv('D392F0002602'), ...lv(gp.sd), 0, 0, 0), le: 256 },
      'INSTALL [for load] into the issuer domain');
    expect(describeSw(r.sw)).not.toBe(describeSw(SW.OK));
    await expect(openDomain(ctx, spKeys)).rejects.toBeInstanceOf(WrongKeysError);
  }, [SP_DOMAIN]);

  // Needs only the domain: when the install through it failed, the domain must still go, so that nothing this
  // suite put on a card stays behind.
  spTest({ id: 'GP-INST-013', clauses: ['GPCS 11.2 DELETE (Security Domain and related objects)'] }, 'the carrier removes the service provider domain and everything in it', async () => {
    const loaded = (await getStatus(await channel(), 0x20)).some((f) => f.aid === lf.packageAid.toUpperCase());
    if (loaded) {
      const ssd = await openDomain(ctx, await serviceProviderKeys(profile), sp!.sd);
      expect(describeSw(await deleteAid(ssd, lf.packageAid, { related: true }))).toBe(describeSw(SW.OK));
    }
    const isd = await channel();
    expect(describeSw(await deleteAid(isd, sp!.sd))).toBe(describeSw(SW.OK));
    expect((await getStatus(isd, 0x40)).map((e) => e.aid)).not.toContain(sp!.sd.toUpperCase());
  }, [SP_DOMAIN]);
});
