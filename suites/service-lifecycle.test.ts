// Suite service-lifecycle: the carriers' service model on the SIM. (1) Only the approved UI app reaches the JPKI
// AP: the ARA-M's rules read, resolved as Android resolves them and checked against the profile, and a rule added
// and removed through the security domain. (2) Lost phone: the domain suspends the JPKI AP at once (SET STATUS),
// the CA suspends the certificate; both resume with the same key and certificate; then the CA revokes it and a
// relying party refuses its signatures, through the CRL and through the CA's OCSP responder alike. (3) Upgrade: a deleted and re-installed applet has lost the identity and
// must be personalized again.
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe } from 'vitest';
import { expect } from './support/expect.ts';
import { describeSw, isOk } from '../harness/apdu/status-words.ts';
import { equalBytes, fromHex, hex } from '../harness/bytes.ts';
import { certIdFor, encodeOcspRequest } from '../harness/ca/ocsp.ts';
import { issueOcspSigner, newNonce, queryOcsp, startOcspResponder } from '../harness/ca/ocsp-responder.ts';
import { emptyRevocationList, issueCrl, resume, revoke, suspend, type RevocationList } from '../harness/ca/revocation.ts';
import { loadTestCa, type TestCa } from '../harness/ca/test-ca.ts';
import { parseCertificate, verifyUserAuthSignature, type Verdict } from '../harness/ca/verifier.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installForPersonalization, setApplicationLocked } from '../harness/gp/content.ts';
import { apduPermitted, encodeDelete, encodeStoreRules, resolveAccess, storeDataCommand, type RefArDo } from '../harness/gp/ara-m.ts';
import { EF } from '../harness/jpki/client.ts';
import { personalizeThroughDomain } from '../harness/jpki/provision.ts';
import type { JpkiVectors } from '../harness/jpki/vectors.ts';
import { loadSuiteFixture } from './support/fixture.ts';
import { ABC, cardCertificate, signAndVerify } from './support/signatures.ts';
import { araMAid, describeRules, provisionSimAraM, readRules } from './support/access-rules.ts';
import { applicableTest, type MoreOptions, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openJpkiCard, type CardContext } from './support/card-context.ts';
import { expectProvisioned } from './support/provisioned.ts';
import { jpkiInstallSpec, jpkiLoadFile, openDomain } from './support/gp.ts';
import { provisionJpki, provisioningDependsOn } from './support/provision.ts';
import type { JpkiClient } from '../harness/jpki/client.ts';
import { expectStep, expectSwStep, expectTrueStep } from './support/steps.ts';

const SUITE = 'service-lifecycle';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const jpkiAid = jp.aid.toUpperCase();
const fixture = await loadSuiteFixture(profile);
/** Locking the JPKI AP, changing access rules and re-installing are for cards the lab may change. */
const mayChangeCard = profile.card.emulated || profile.card.testCard;
/** The route's reason, when the IXIT gives no security domain to lock, update rules or re-install through. */
const noDomain = profile.ixit.gp ? undefined : 'no security domain in the IXIT (ixit.gp) to go through';
const CHANGES_CARD = 'it changes the card (locks, re-installs or adds access rules); it runs on emulated or test cards only (card.testCard)';

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let provisioned: string | undefined = 'provisioning has not run';

function requireProvisioned(): void {
  if (provisioned) throw new Error(`the card is not ready: ${provisioned}`);
}

/**
 * Every test starts from the card as the first test provisions it (dependsOn, suites/support/outcomes.ts). Its
 * title promises only what the card claims: no ARA-M in the ICS, no ARA-M checked or named.
 */
const PROVISIONING = `the card is as its carrier ships it: JPKI applet personalized${profile.ics.araM ? ', ARA-M rules in place' : ''}`;

function cardTest(ref: TestRef, name: string, feature: string, body: () => Promise<void>, opts: MoreOptions = {}): void {
  applicableTest(profile, SUITE, name, { dependsOn: name === PROVISIONING ? provisioningDependsOn(profile) : PROVISIONING, ...opts, ...ref }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature(feature);
    await onCard(ctx, SUITE, body);
  });
}

/** The first reason that stops a test on this profile, if any. */
function firstReason(...reasons: (string | false | undefined)[]): string | undefined {
  return reasons.find((r): r is string => typeof r === 'string');
}

/** The fixture's SHA-256 DigestInfo with its known-answer signature: the same signing input before and after. */
function knownAnswer(v: JpkiVectors): { digestInfo: Uint8Array; signature: Uint8Array; source: string } {
  const di = v.digestInfos.find((d) => d.hash === 'sha256');
  const sig = di && v.signatures.find((s) => s.digestInfoId === di.id);
  if (!di || !sig) throw new Error('the fixture has no SHA-256 DigestInfo with a known signature');
  return { digestInfo: di.digestInfo, signature: sig.signature, source: sig.source };
}

async function signOnce(digestInfo: Uint8Array): Promise<Uint8Array> {
  await jpki.selectAp();
  const state = await jpki.verifyPin(pin);
  if (!state.verified) throw new Error(`VERIFY of the user-auth PIN was refused (${JSON.stringify(state)})`);
  return jpki.sign(digestInfo);
}

beforeAll(async () => {
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`service lifecycle — ${profile.name}`, () => {
  cardTest({ id: 'LIFE-001', clauses: ['JPKI Files of the JPKI AP', 'GPCS 11.11 STORE DATA', 'GP-SEAC ARA-M GET DATA [All]'] }, PROVISIONING, 'provisioning', async () => {
    await provisionJpki(ctx, jpki, pin, fixture);
    await expectProvisioned(profile, jpki, fixture);
    if (profile.card.emulated && profile.sim?.araM) {
      const n = await allure.step('install the ARA-M and store the carrier\'s rules (sim.araM; CREATE APPLET + STORE DATA)',
        () => provisionSimAraM(ctx.card.session, profile));
      await allure.parameter('ARA-M rules provisioned', String(n));
      const { rules } = await allure.step('GET DATA [All] from the ARA-M', () => readRules(ctx.card.session, araMAid(profile)));
      expect(rules, 'the ARA-M holds one rule per sim.araM rule').toHaveLength(profile.sim.araM.rules.length);
    }
    if (profile.ics.araM) {
      const { rules } = await allure.step('GET DATA [All] from the ARA-M: it answers with its rules', () => readRules(ctx.card.session, araMAid(profile)));
      expect(rules.length, 'the ARA-M the ICS claims holds no rule').toBeGreaterThan(0);
    }
    provisioned = undefined;
  });

  // 1. Android's Access Control Enforcer lets an app open a channel to the JPKI AP only if the ARA-M's rules say
  // so for the hash of the app's signing certificate.
  const approved = profile.ixit.accessControl?.approvedApps ?? [];
  cardTest({ id: 'LIFE-002', clauses: ['GP-SEAC ARA-M GET DATA [All] (REF-AR-DO)', 'GP-SEAC access rule resolution (AID and device application ID)'] }, 'only the approved apps reach the JPKI applet (ARA-M rules as Android resolves them)', 'app access control (ARA-M)', async () => {
    requireProvisioned();
    const aram = araMAid(profile);
    const { rules } = await allure.step('GET DATA [All] from the ARA-M', () => readRules(ctx.card.session, aram));
    const names = new Map(approved.map((a) => [a.hash.toUpperCase(), a.name]));
    await allure.attachment('ARA-M rules (decoded)', describeRules(rules, names), { contentType: 'text/markdown' });
    await allure.parameter('ARA-M rules', String(rules.length));
    const target = fromHex(jpkiAid);
    // The commands the UI app needs: SELECT, VERIFY, COMPUTE DIGITAL SIGNATURE (header bytes of the JPKI AP).
    const needed = [Uint8Array.of(0x00, 0xa4, 0x04, 0x0c), Uint8Array.of(0x00, 0x20, 0x00, 0x80), Uint8Array.of(0x80, 0x2a, 0x00, 0x80)];
    const problems: string[] = [];
    for (const app of approved) {
      const d = resolveAccess(rules, { aid: target, deviceAppIds: [fromHex(app.hash)] });
      const blocked = needed.filter((h) => !apduPermitted(d, h)).map((h) => hex(h, ' '));
      if (blocked.length > 0) problems.push(`${app.name} (${app.hash}) cannot send ${blocked.join(', ')} to the JPKI AP (decided by ${d.step}, APDU rule ${d.apdu.kind})`);
    }
    // Every other app the rules name, and one they do not, must be refused.
    const others = new Map<string, string>();
    for (const r of rules) {
      const h = r.ref.deviceAppId ? hex(r.ref.deviceAppId) : '';
      if (h && !names.has(h)) others.set(h, 'an app named by another rule');
    }
    others.set(createHash('sha256').update('simcert: an app no rule names').digest('hex').toUpperCase(), 'an app no rule names');
    for (const [h, what] of others) {
      const d = resolveAccess(rules, { aid: target, deviceAppIds: [fromHex(h)] });
      if (d.apdu.kind !== 'never') problems.push(`${what} (${h}) reaches the JPKI AP (decided by ${d.step}, APDU rule ${d.apdu.kind}); the profile approves only ${approved.map((a) => a.name).join(', ')}`);
    }
    expect(problems, 'access to the JPKI AP differs from ixit.accessControl').toEqual([]);
  }, { when: 'ara_m', skip: firstReason(approved.length === 0 && 'no ixit.accessControl.approvedApps to check against') });

  cardTest({ id: 'LIFE-003', clauses: ['GP-SEAC ARA-M STORE DATA (Command-Store-REF-AR-DO, Command-Delete)', 'GPCS 11.5 INSTALL [for personalization]', 'GPCS 11.11 STORE DATA'] }, 'adds an access rule through the security domain and removes it again', 'app access control (ARA-M)', async () => {
    requireProvisioned();
    const aram = araMAid(profile);
    const s = ctx.card.session;
    const testApp = createHash('sha256').update('simcert: the service-lifecycle test app').digest();
    const rule: RefArDo = { ref: { aid: { kind: 'aid', aid: fromHex(jpkiAid) }, deviceAppId: new Uint8Array(testApp) }, ar: { apdu: { kind: 'always' } } };
    const request = { aid: fromHex(jpkiAid), deviceAppIds: [new Uint8Array(testApp)] };
    const before = await allure.step('read the rules before', () => readRules(s, aram));
    expect(resolveAccess(before.rules, request).apdu.kind, 'the test app must not reach the JPKI AP before its rule is added').toBe('never');

    const storeThroughDomain = async (what: string, data: Uint8Array): Promise<void> => {
      const ch = await openDomain(ctx);
      await installForPersonalization(ch, aram);
      const r = await ch.transmit(storeDataCommand(data), `STORE DATA to the ARA-M (${what})`);
      expect(describeSw(r.sw), `STORE DATA (${what}) through the security domain`).toBe(describeSw(0x9000));
    };
    await allure.step('STORE DATA: add a rule for the test app (through the security domain)', () => storeThroughDomain('add a rule', encodeStoreRules([rule])));
    const added = await allure.step('read the rules with the new one', () => readRules(s, aram));
    await allure.attachment('ARA-M rules with the test rule', describeRules(added.rules, new Map([...approved.map((a) => [a.hash.toUpperCase(), a.name] as [string, string]), [hex(testApp), 'simcert test app']])), { contentType: 'text/markdown' });
    expect(added.rules.length).toBe(before.rules.length + 1);
    const granted = resolveAccess(added.rules, request);
    expect(granted.step, 'the new rule decides for the test app').toBe('aid+app');
    expect(granted.apdu.kind).toBe('always');

    await allure.step('STORE DATA: delete that rule (through the security domain)', () => storeThroughDomain('delete the rule', encodeDelete({ rule })));
    const after = await allure.step('read the rules after', () => readRules(s, aram));
    expect(hex(after.data), 'the rule set is back to what it was, byte for byte').toBe(hex(before.data));
    expect(resolveAccess(after.rules, request).apdu.kind).toBe('never');
  }, { when: 'ara_m_update', routeLacks: noDomain, skip: firstReason(!mayChangeCard && CHANGES_CARD) });

  // 2. A lost phone: the carrier suspends the JPKI AP on the SIM at once, the CA suspends the certificate; found
  // again, both resume; or the certificate is revoked for good.
  cardTest({ id: 'LIFE-004', clauses: ['GPCS 11.10 SET STATUS (application LOCKED and back)', 'ISO7816-4 11.1.1 SELECT', 'RFC5280 5 CRL and CRL Extensions Profile', 'RFC5280 6.3 CRL Processing'] }, 'lost phone: suspends the applet at once, resumes it with the same key and certificate, then revokes the certificate', 'lost phone: suspend, resume, revoke', async () => {
    requireProvisioned();
    const pers = jp.personalization;
    if (!fixture || pers.source !== 'fixture') throw new Error('needs the fixture personalization: its CA key issues the CRLs');
    const ka = fixture.ec ? undefined : knownAnswer(fixture);
    const ca: TestCa = await loadTestCa(pers.vectors);
    // A login signature: over the RSA fixture's known DigestInfo (byte-exact), or, with EC keys, ECDSA over SHA-384
    // (P-384) or SHA-256 of "abc", verified with the certificate on the card (ECDSA is randomized: no known answer).
    let signed = ka?.digestInfo ?? new Uint8Array(0);
    const login = async (cert: Uint8Array): Promise<Uint8Array> => {
      if (ka) return signOnce(ka.digestInfo);
      await jpki.selectAp();
      expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
      const made = await signAndVerify(jpki, 'userAuth', cardCertificate(cert, 'EF 000A (user-authentication certificate)'), ABC);
      signed = made.signed;
      return made.signature;
    };
    const timeline: string[] = ['| time (UTC) | who | what | result |', '|---|---|---|---|'];
    const log = (who: string, what: string, result: string): void => {
      timeline.push(`| ${new Date().toISOString()} | ${who} | ${what} | ${result} |`);
    };
    let list: RevocationList = emptyRevocationList();
    let crlNumber = 0;
    const publish = async (): Promise<Uint8Array> => {
      const now = new Date();
      const crl = issueCrl(ca, list, { thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: new Date(now.getTime() + 7 * 86_400_000) });
      crlNumber++;
      await allure.attachment(`CRL ${crlNumber} (DER)`, Buffer.from(crl), { contentType: 'application/pkix-crl' });
      log('CA', `publishes CRL ${crlNumber}`, `${list.entries.length} entr${list.entries.length === 1 ? 'y' : 'ies'}`);
      return crl;
    };
    const relyingParty = (userCert: Uint8Array, signature: Uint8Array, crl: Uint8Array): Verdict => {
      const v = verifyUserAuthSignature({ userCert, caCert: ca.der, crl, at: new Date(), signed, signature });
      log('relying party', 'verifies a login signature', v.accepted ? 'accepted' : `refused: ${v.reasons.join('; ')}`);
      return v;
    };
    // The same decisions through OCSP: the CA's responder answers from the same revocation list, on loopback.
    const issued: string[] = [];
    const signer = issueOcspSigner(ca, { serial: '0C5F', notBefore: new Date(Date.now() - 3_600_000) });
    const responder = await startOcspResponder({ ca, signer, issued: () => issued, revocations: () => list });
    const relyingPartyOcsp = async (userCert: Uint8Array, signature: Uint8Array): Promise<Verdict> => {
      const nonce = newNonce();
      const request = encodeOcspRequest({ certIds: [certIdFor(ca.der, parseCertificate(userCert).serialHex)], nonce });
      const response = await queryOcsp(responder.url, request);
      const n = responder.exchanges.length;
      await allure.attachment(`OCSP request ${n} (DER)`, Buffer.from(request), { contentType: 'application/ocsp-request', fileExtension: 'orq' });
      await allure.attachment(`OCSP response ${n} (DER)`, Buffer.from(response), { contentType: 'application/ocsp-response', fileExtension: 'ors' });
      const v = verifyUserAuthSignature({ userCert, caCert: ca.der, ocsp: { response, nonce }, at: new Date(), signed, signature });
      log('relying party', `verifies a login signature through OCSP (response ${n})`, v.accepted ? 'accepted' : `refused: ${v.reasons.join('; ')}`);
      return v;
    };

    try {
      await allure.attachment('OCSP responder certificate (DER)', Buffer.from(signer.cert), { contentType: 'application/pkix-cert' });
      await jpki.selectAp();
      const cert = await jpki.readEf(EF.USER_AUTH_CERT);
      const serial = parseCertificate(cert).serialHex;
      issued.push(serial);
      await allure.parameter('certificate serial', serial);
      const sigBefore = ka
        ? await expectStep(`in service: COMPUTE DIGITAL SIGNATURE → the known answer (${ka.source})`, () => login(cert), ka.signature)
        : await allure.step('in service: COMPUTE DIGITAL SIGNATURE → verified with the certificate on the card', () => login(cert));
      log('card', 'COMPUTE DIGITAL SIGNATURE', 'signed');
      await expectTrueStep('in service: the relying party checks the CRL → accepted', async () => relyingParty(cert, sigBefore, await publish()).accepted);
      await expectTrueStep('in service: the relying party asks OCSP → good, accepted', async () => (await relyingPartyOcsp(cert, sigBefore)).accepted);

      // Suspension: the card at once, the CA as soon as the user calls.
      let ch = await openDomain(ctx);
      const lockSw = await expectSwStep('SET STATUS: lock the JPKI AP → 9000', () => setApplicationLocked(ch, jpkiAid, true), 0x9000);
      log('carrier (security domain)', 'SET STATUS lock JPKI AP', describeSw(lockSw));
      const entry = (await getStatus(ch, 0x40)).find((e) => e.aid === jpkiAid);
      await expectTrueStep('GET STATUS → the JPKI AP is LOCKED (life cycle b8 set)', entry !== undefined && (entry.lifeCycle & 0x80) !== 0,
        () => `life cycle ${entry?.lifeCycle.toString(16) ?? 'none'}`);
      const sel = await expectSwStep(`SELECT the locked JPKI AP → ${jp.lockedSelectSw.toUpperCase()} (ixit.jpki.lockedSelectSw)`, async () =>
        (await ctx.card.session.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: fromHex(jpkiAid) }, { name: 'SELECT JPKI AP (locked)' })).sw,
        Number.parseInt(jp.lockedSelectSw, 16));
      log('phone', 'SELECT JPKI AP', describeSw(sel));
      const signSw = await jpki.trySign(ka?.digestInfo ?? new Uint8Array(51));
      log('phone', 'COMPUTE DIGITAL SIGNATURE', describeSw(signSw));
      await expectTrueStep('COMPUTE DIGITAL SIGNATURE on the locked AP → refused', !isOk(signSw), () => describeSw(signSw));
      list = suspend(list, serial, new Date());
      log('CA', `suspends certificate ${serial} (certificateHold)`, 'done');
      const held = relyingParty(cert, sigBefore, await publish());
      await expectTrueStep('suspended: the relying party checks the CRL → refused, suspended', !held.accepted && held.reasons.join('; ').includes('suspended'), () => held.reasons.join('; ') || 'accepted');
      const heldOcsp = await relyingPartyOcsp(cert, sigBefore);
      await expectTrueStep('suspended: OCSP → revoked (certificateHold), refused', !heldOcsp.accepted && heldOcsp.reasons.join('; ').includes('(certificateHold)'),
        () => heldOcsp.reasons.join('; ') || 'accepted');

      // Found again: both resume; the same key signs the same bytes and the certificate is unchanged.
      ch = await openDomain(ctx);
      const unlockSw = await expectSwStep('SET STATUS: unlock the JPKI AP → 9000', () => setApplicationLocked(ch, jpkiAid, false), 0x9000);
      log('carrier (security domain)', 'SET STATUS unlock JPKI AP', describeSw(unlockSw));
      list = resume(list, serial);
      log('CA', `resumes certificate ${serial} (removed from the CRL)`, 'done');
      const crl = await publish();
      await jpki.selectAp();
      const certAfter = await jpki.readEf(EF.USER_AUTH_CERT);
      await expectTrueStep('READ BINARY of EF 000A after resuming → the same certificate', equalBytes(certAfter, cert));
      // RSA PKCS #1 v1.5 is deterministic: the same bytes mean the same key. An ECDSA signature is verified with the
      // certificate, which is unchanged: the same key.
      const sigAfter = ka
        ? await expectStep('after resuming: COMPUTE DIGITAL SIGNATURE → the signature from before (the same key)', () => login(certAfter), sigBefore)
        : await allure.step('after resuming: COMPUTE DIGITAL SIGNATURE → verified with the unchanged certificate (the same key)', () => login(certAfter));
      log('card', 'COMPUTE DIGITAL SIGNATURE', 'signed');
      await expectTrueStep('after resuming: the relying party checks the CRL → accepted', relyingParty(certAfter, sigAfter, crl).accepted);
      await expectTrueStep('after resuming: OCSP → good again, accepted', async () => (await relyingPartyOcsp(certAfter, sigAfter)).accepted);

      // Revocation: the card still signs, but no relying party accepts the certificate any more.
      list = revoke(list, serial, new Date(), 'keyCompromise');
      log('CA', `revokes certificate ${serial} (keyCompromise)`, 'done');
      const revoked = relyingParty(certAfter, sigAfter, await publish());
      await expectTrueStep('revoked: the relying party checks the CRL → refused, revoked', !revoked.accepted && revoked.reasons.join('; ').includes('revoked'), () => revoked.reasons.join('; ') || 'accepted');
      const revokedOcsp = await relyingPartyOcsp(certAfter, sigAfter);
      await expectTrueStep('revoked: OCSP → revoked (keyCompromise), refused',
        !revokedOcsp.accepted && revokedOcsp.reasons.join('; ').includes('revoked') && revokedOcsp.reasons.join('; ').includes('(keyCompromise)'),
        () => revokedOcsp.reasons.join('; ') || 'accepted');
    } finally {
      await responder.close();
      await allure.attachment('suspension and revocation timeline', timeline.join('\n'), { contentType: 'text/markdown' });
    }
  }, {
    when: fixture?.ec ? `app_lock and ec_${fixture.ec.curve}` : 'app_lock and rsa2048',
    routeLacks: noDomain,
    skip: firstReason(!fixture && 'the certificate must come from the test CA (ixit.jpki.personalization: fixture)', !mayChangeCard && CHANGES_CARD),
  });

  // 3. Upgrading the applet by delete and re-install: the identity (key, certificate, PIN) lives in the instance,
  // so it must not survive, and the service provider must personalize again.
  cardTest({ id: 'LIFE-005', clauses: ['GPCS 11.2 DELETE', 'GPCS 11.5 INSTALL', 'JPKI Files of the JPKI AP', 'JPKI PIN'] }, 'a deleted and re-installed applet has lost its identity and must be personalized again', 'applet upgrade', async () => {
    requireProvisioned();
    if (!fixture) throw new Error('needs the fixture personalization to restore the applet afterwards');
    const ka = knownAnswer(fixture);
    const s = ctx.card.session;
    const lf = await jpkiLoadFile(profile);
    let ch = await openDomain(ctx);
    await expectSwStep('DELETE the JPKI AP instance (the load file stays) → 9000', () => deleteAid(ch, jpkiAid), 0x9000);
    await expectTrueStep('GET STATUS of applications → the instance is gone', async () => !(await getStatus(ch, 0x40)).some((e) => e.aid === jpkiAid));
    await expectTrueStep('GET STATUS of load files → the load file is kept', async () => (await getStatus(ch, 0x20)).some((e) => e.aid === lf.packageAid.toUpperCase()));
    await allure.step('INSTALL [for install and make selectable] from the same load file', () => installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid)));

    // What survived, asked the way a phone would: every answer must say "not personalized".
    const survives: string[] = ['| what | after re-install | survived |', '|---|---|---|'];
    const probe = async (what: string, send: () => Promise<number>): Promise<boolean> => {
      const sw = await send();
      const kept = isOk(sw);
      survives.push(`| ${what} | ${describeSw(sw)} | ${kept ? 'YES' : 'no'} |`);
      return kept;
    };
    const sel = await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: fromHex(jpkiAid) }, { name: 'SELECT JPKI AP (re-installed)' });
    expect(describeSw(sel.sw), 'the re-installed applet is selectable').toBe(describeSw(0x9000));
    const kept = [
      await probe('certificate (SELECT EF 000A + READ BINARY)', async () => {
        const r = await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(0x00, 0x0a) }, { name: 'SELECT EF 000A' });
        if (!isOk(r.sw)) return r.sw;
        return (await s.transmit({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 4 }, { name: 'READ BINARY' })).sw;
      }),
      // VERIFY with no data asks for the PIN state and spends no try.
      await probe('PIN (VERIFY, state only)', async () => (await s.transmit({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }, { name: 'VERIFY (state)' })).sw),
      await probe('private key (COMPUTE DIGITAL SIGNATURE)', () => jpki.trySign(ka.digestInfo)),
    ];
    await allure.attachment('what survived the re-install', survives.join('\n'), { contentType: 'text/markdown' });
    expect(kept.some(Boolean), 'the re-installed applet kept part of the old identity: it must start unpersonalized').toBe(false);

    await allure.step('personalize again through the security domain', async () => {
      ch = await openDomain(ctx);
      await installForPersonalization(ch, jpkiAid);
      await personalizeThroughDomain(ch, fixture, pin, jp.pinTryLimit);
    });
    if (fixture.ec) {
      // ECDSA is randomized: the signature is verified with the fixture's certificate (and its r goes to the ledger).
      await jpki.selectAp();
      await expectStep('VERIFY the PIN after re-personalization → verified', () => jpki.verifyPin(pin), { verified: true });
      await signAndVerify(jpki, 'userAuth', cardCertificate(fixture.files.get('000A')!, 'the fixture\'s user-authentication certificate'), ABC);
    } else {
      await expectStep(`after re-personalization: COMPUTE DIGITAL SIGNATURE → the known answer (${ka.source})`, () => signOnce(ka.digestInfo), ka.signature);
    }
  }, {
    routeLacks: jp.install !== 'gp' ? `the harness re-installs the applet only through GlobalPlatform (ixit.jpki.install is ${jp.install})` : undefined,
    skip: firstReason(!mayChangeCard && CHANGES_CARD),
  });
});
