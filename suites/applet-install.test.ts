// Suite applet-install: can the carrier's security domain take the JPKI applet the GlobalPlatform way? Opens the
// profile's secure channel, loads and installs the applet, checks the registry at each step, deletes and
// reinstalls, and checks the safety and security behaviour the provisioning chain relies on.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe } from 'vitest';
import { expect } from './support/expect.ts';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import type { CommandApdu } from '../harness/apdu/apdu.ts';
import { equalBytes, fromHex, hex } from '../harness/bytes.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installCommand, installForLoadData, loadLoadFile, loadWithAnswer, type LoadOptions } from '../harness/gp/content.ts';
import { describeSigningKey, signingKey } from '../harness/gp/content-signature.ts';
import { dapBlock, dapSignature, lfdbHash } from '../harness/gp/dap.ts';
import {
  installReceiptContext, loadReceiptContext, parseConfirmationResponse, tokenSigner, verifyAesReceipt, type Confirmation, type TokenSigner,
} from '../harness/gp/tokens.ts';
import { CardError } from '../harness/apdu/session.ts';
import { resolveSecret } from '../harness/profile/index.ts';
import { diversify } from '../harness/gp/diversify.ts';
import { scp02Cryptograms, scp02SessionKeys, Scp02Wrapper } from '../harness/gp/scp02.ts';
import { scp03Cryptograms, scp03SessionKeys, Scp03Wrapper } from '../harness/gp/scp03.ts';
import type { SecureChannel } from '../harness/gp/secure-channel.ts';
import { parseInitializeUpdate, WrongKeysError } from '../harness/gp/secure-channel.ts';
import { applicableTest, type MoreOptions, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openCardContext, type CardContext } from './support/card-context.ts';
import { kcvAes } from '../harness/gp/crypto.ts';
import { parseTlvs } from '../harness/tlv/ber.ts';
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
  // S16 (SCP03 i b1, the profile's ics.scpI): 16-byte challenges, cryptograms and MACs.
  const s16 = profile.ics.scp === '03' && (Number.parseInt(profile.ics.scpI, 16) & 0x01) !== 0;
  const host = new Uint8Array(randomBytes(s16 ? 16 : 8));
  const iu = await s.transmit({ cla: 0x80, ins: 0x50, p1: master.kvn ?? 0, p2: 0, data: host, le: 256 }, { name: 'INITIALIZE UPDATE', redact: 'both' });
  expect(describeSw(iu.sw)).toBe(describeSw(SW.OK));
  const r = parseInitializeUpdate(iu.data);
  const keys = gp.diversification && gp.diversification !== 'none' ? diversify(master, r.kdd, gp.diversification) : master;
  let c: { card: Uint8Array; host: Uint8Array };
  let wrapper: Scp02Wrapper | Scp03Wrapper;
  if (r.scp === 3) {
    const sk = scp03SessionKeys(keys, host, r.cardChallenge);
    for (const k of [keys.enc, keys.mac, keys.dek, sk.enc, sk.mac, sk.rmac]) s.trace.registerSecret(k);
    c = scp03Cryptograms(sk.mac, host, r.cardChallenge, r.s16);
    wrapper = new Scp03Wrapper(sk, 0x01, r.s16);
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

  // DAP verification (GPCS 2.3.1 C.2, C.3, table 11-58): the carrier creates a domain with the DAP Verification
  // privilege; a load file comes in only with a DAP block whose signature of the load file data block hash that
  // domain's DAP key verifies. Each test creates the domains it needs and removes them again.
  const dap = profile.ixit.gp?.dap;
  const dapTest = (ref: TestRef, name: string, body: () => Promise<void>): void =>
    cardTest(ref, name, body, { when: 'ssd and dap', skip: dap ? undefined : 'the profile names no DAP domains (ixit.gp.dap)', dependsOn: [AUTHENTICATES, LOADED] });

  dapTest({ id: 'GP-INST-DAP-001', clauses: ['GPCS 11.6.2.3 Load File Structure (DAP Block)', 'GPCS C.3 Load File Data Block Signature (DAP Verification)', 'GPCS 11.6.3.2 LOAD error conditions (6A80)'] },
    'a domain with DAP Verification refuses a load file whose DAP does not verify (6A80), and nothing is loaded', async () => {
      for (const d of dap!.domains) {
        const key = signingKey(await resolveSecret(d.key, 'ixit.gp.dap key'), 'ixit.gp.dap key');
        await allure.parameter(`DAP key of ${d.sd}`, describeSigningKey(key));
        await withDomain(d.sd, 'C00000', async (ssd) => {
          const hash = lfdbHash(lf.bytes, dap!.hash);
          const otherHash = Uint8Array.from(hash);
          otherHash[0]! ^= 0x01;
          const cases: [string, LoadOptions][] = [
            ['a DAP block signing another load file data block hash', { hash, dapBlocks: [dapBlock(d.sd, dapSignature(key, otherHash))] }],
            ['no DAP block', { hash }],
            // A genuine DAP, but of another load file: the LFDBH in INSTALL [for load] is what was signed, not the
            // hash of the block LOAD carries (C.2: the card checks the block against the hash).
            ['the LFDBH and DAP of another load file data block', { hash: otherHash, dapBlocks: [dapBlock(d.sd, dapSignature(key, otherHash))] }],
          ];
          for (const [what, opts] of cases) {
            const sw = await allure.step(`INSTALL [for load] and LOAD into ${d.sd} with ${what}`, () => loadStatus(ssd, { sdAid: d.sd, ...opts }));
            expect(describeSw(sw), what).toBe(describeSw(0x6a80));
          }
          expect((await getStatus(ssd, 0x20)).map((e) => e.aid), 'no executable load file was created').not.toContain(lf.packageAid.toUpperCase());
        });
      }
    });

  dapTest({ id: 'GP-INST-DAP-002', clauses: ['GPCS C.2 Load File Data Block Hash', 'GPCS C.3 Load File Data Block Signature (DAP Verification)', 'GPCS 11.5 INSTALL [for load]', 'GPCS 11.6 LOAD'] },
    'a domain with DAP Verification takes a load file whose DAP its key verifies (RSA and ECC DAP)', async () => {
      for (const d of dap!.domains) {
        const key = signingKey(await resolveSecret(d.key, 'ixit.gp.dap key'), 'ixit.gp.dap key');
        await allure.parameter(`DAP key of ${d.sd}`, describeSigningKey(key));
        await withDomain(d.sd, 'C00000', async (ssd) => {
          const hash = lfdbHash(lf.bytes, dap!.hash);
          await allure.step(`INSTALL [for load] with the ${dap!.hash} LFDBH and LOAD with the DAP block for ${d.sd}`, () =>
            loadLoadFile(ssd, lf.packageAid, lf.bytes, { sdAid: d.sd, hash, dapBlocks: [dapBlock(d.sd, dapSignature(key, hash))] }));
          expect(await getStatus(ssd, 0x20)).toContainEqual({ aid: lf.packageAid.toUpperCase(), lifeCycle: 0x01, privileges: '' });
          expect(describeSw(await deleteAid(ssd, lf.packageAid, { related: true }))).toBe(describeSw(SW.OK));
        });
      }
    });

  // Delegated management (GPCS C.4, C.5, 11.1.6): the service provider's domain, with the Delegated Management
  // privilege, loads and installs only with tokens the carrier signed; the card answers with receipts the carrier
  // checks with the receipt key.
  const dm = profile.ixit.gp?.delegatedManagement;
  const dmTest = (ref: TestRef, name: string, body: () => Promise<void>): void =>
    cardTest(ref, name, body, { when: 'ssd and delegated_management', skip: dm ? undefined : 'the profile names no delegated management domain (ixit.gp.delegatedManagement)', dependsOn: [AUTHENTICATES, LOADED] });

  dmTest({ id: 'GP-INST-DM-001', clauses: ['GPCS C.4.1 Load Token', 'GPCS C.4.2 Install Token', 'GPCS C.4.6 Delete Token', 'GPCS C.5.1 Load Receipt', 'GPCS C.5.2 Install Receipt', 'GPCS 11.1.6 Confirmations in Response Messages'] },
    'a domain with Delegated Management loads and installs with the carrier\'s tokens, and the card\'s receipts verify', async () => {
      const { token, receiptKey } = await dmKeys();
      const unique = await sdUniqueData(await channel());
      await withDomain(dm!.sd, 'A00000', async (ssd) => {
        const hash = lfdbHash(lf.bytes, dap?.hash ?? 'sha256');
        const load = await allure.step('INSTALL [for load] with a load token, LOAD', () =>
          loadWithAnswer(ssd, lf.packageAid, lf.bytes, { sdAid: dm!.sd, hash, token }));
        const lc = receiptOf('LOAD (last block)', load.answer);
        await allure.attachment('load confirmation', hex(load.answer), 'text/plain');
        expect(hex(lc.sdUniqueData), 'SD unique data = IIN || CIN of the receipt generating domain').toBe(hex(unique));
        expect(verifyAesReceipt(receiptKey, lc, loadReceiptContext(lf.packageAid, dm!.sd)), 'load receipt (table C-11) under the receipt key').toBe(true);
        const install = await allure.step('INSTALL [for install and make selectable] with an install token', () =>
          installAndMakeSelectable(ssd, jpkiInstallSpec(profile, lf.packageAid), token));
        const ic = receiptOf('INSTALL', install);
        await allure.attachment('install confirmation', hex(install), 'text/plain');
        expect(verifyAesReceipt(receiptKey, ic, installReceiptContext(lf.packageAid, jpkiAid)), 'install receipt (table C-12) under the receipt key').toBe(true);
        expect(ic.confirmationCounter, 'the confirmation counter moves on with each receipt (C.5)').toBeGreaterThan(lc.confirmationCounter);
        const sel = await ctx.card.session.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(jpkiAid) }, { name: 'SELECT JPKI AP' });
        expect(describeSw(sel.sw)).toBe(describeSw(SW.OK));
        const again = await openDomain(ctx, undefined, dm!.sd);
        expect(describeSw(await deleteAid(again, lf.packageAid, { related: true, token })), 'DELETE with a delete token').toBe(describeSw(SW.OK));
        expect((await getStatus(again, 0x20)).map((e) => e.aid)).not.toContain(lf.packageAid.toUpperCase());
      });
    });

  dmTest({ id: 'GP-INST-DM-002', clauses: ['GPCS C.4 Tokens', 'GPCS C.1.1.1 Token Key', 'GPCS 11.5.3.2 INSTALL error conditions (6A80)'] },
    'a domain with Delegated Management refuses a load, install or delete whose token is not the carrier\'s (6A80)', async () => {
      const { token } = await dmKeys();
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const stranger = tokenSigner(privateKey);
      await withDomain(dm!.sd, 'A00000', async (ssd) => {
        const hash = lfdbHash(lf.bytes, dap?.hash ?? 'sha256');
        const forOther: TokenSigner = (p1, p2, d) => token(p1, p2, d.map((b, i) => (i === 1 ? b ^ 0x01 : b))); // the carrier's, for another AID
        for (const [what, t] of [['no token', undefined], ['a token signed by another key', stranger], ['the carrier\'s token for another load file', forOther]] as const) {
          const sw = await allure.step(`INSTALL [for load] with ${what}`, () => installForLoadStatus(ssd, { sdAid: dm!.sd, hash, ...(t ? { token: t } : {}) }));
          expect(describeSw(sw), what).toBe(describeSw(0x6a80));
        }
        expect((await getStatus(ssd, 0x20)).map((e) => e.aid)).not.toContain(lf.packageAid.toUpperCase());
        await loadLoadFile(ssd, lf.packageAid, lf.bytes, { sdAid: dm!.sd, hash, token });
        const bad = await ssd.transmit(installCommand(jpkiInstallSpec(profile, lf.packageAid), stranger), 'INSTALL with a token signed by another key');
        expect(describeSw(bad.sw)).toBe(describeSw(0x6a80));
        expect((await getStatus(ssd, 0x40)).map((e) => e.aid)).not.toContain(jpkiAid);
        expect(describeSw(await deleteAid(ssd, lf.packageAid, { related: true })), 'DELETE without a token').toBe(describeSw(0x6a80));
        expect(describeSw(await deleteAid(ssd, lf.packageAid, { related: true, token: stranger })), 'DELETE with a stranger\'s token').toBe(describeSw(0x6a80));
        expect(describeSw(await deleteAid(ssd, lf.packageAid, { related: true, token }))).toBe(describeSw(SW.OK));
      });
    });
});

/**
 * The carrier creates a security domain with the given privileges (INSTALL [for install] of the SD module, as
 * GP-INST-010 does), `body` works in it through a secure channel opened with the keys it was created with, and the
 * carrier deletes it again, also when `body` failed.
 */
async function withDomain(sd: string, privileges: string, body: (ssd: SecureChannel) => Promise<void>): Promise<void> {
  let isd = await channel();
  await allure.step(`INSTALL [for install] of security domain ${sd}, privileges ${privileges}`, () =>
    installAndMakeSelectable(isd, { loadFileAid: 'A0000001515350', moduleAid: 'A000000151535041', instanceAid: sd, privileges }));
  try {
    expect(await getStatus(isd, 0x40)).toContainEqual({ aid: sd.toUpperCase(), lifeCycle: 0x07, privileges: privileges.toUpperCase() });
    const ssd = await openDomain(ctx, undefined, sd);
    await body(ssd);
  } finally {
    isd = await channel();
    await allure.step(`DELETE security domain ${sd}`, () => deleteAid(isd, sd));
  }
}

/** The status word of INSTALL [for load] + LOAD: 9000, or the card's refusal of either. */
async function loadStatus(ch: SecureChannel, opts: LoadOptions): Promise<number> {
  try {
    await loadLoadFile(ch, lf.packageAid, lf.bytes, opts);
    return SW.OK;
  } catch (err) {
    if (err instanceof CardError) return err.sw;
    throw err;
  }
}

/** The status word of INSTALL [for load] alone (a token is checked there, before any LOAD). */
async function installForLoadStatus(ch: SecureChannel, opts: LoadOptions): Promise<number> {
  const r = await ch.transmit({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0x00, data: installForLoadData(lf.packageAid, opts.sdAid ?? '', opts.hash, opts.token), le: 256 },
    'INSTALL [for load]');
  return r.sw;
}

async function dmKeys(): Promise<{ token: TokenSigner; receiptKey: Uint8Array }> {
  const dm = gp.delegatedManagement!;
  const key = signingKey(await resolveSecret(dm.tokenKey, 'ixit.gp.delegatedManagement.tokenKey'), 'ixit.gp.delegatedManagement.tokenKey');
  await allure.parameter('token key', describeSigningKey(key));
  const receiptKey = fromHex(await resolveSecret(dm.receiptKey, 'ixit.gp.delegatedManagement.receiptKey'));
  ctx.card.session.trace.registerSecret(receiptKey);
  return { token: tokenSigner(key), receiptKey };
}

/** GPCS 11.1.6: SD unique data = Issuer Identification Number (GET DATA 42) || Card Image Number (GET DATA 45). */
async function sdUniqueData(isd: SecureChannel): Promise<Uint8Array> {
  const value = async (tag: number): Promise<Uint8Array> => {
    const r = await isd.send({ cla: 0x80, ins: 0xca, p1: 0x00, p2: tag, le: 256 }, `GET DATA ${tag.toString(16)}`);
    const t = parseTlvs(r.data)[0];
    if (!t || t.tag !== tag.toString(16).toUpperCase()) throw new Error(`GET DATA ${tag.toString(16)}: the answer is not a ${tag.toString(16)} object`);
    return t.value;
  };
  return Uint8Array.of(...(await value(0x42)), ...(await value(0x45)));
}

function receiptOf(command: string, answer: Uint8Array): Confirmation {
  const c = parseConfirmationResponse(answer);
  if (!c) throw new Error(`${command}: the card sent no confirmation (11.1.6), so there is no receipt to check`);
  return c;
}
