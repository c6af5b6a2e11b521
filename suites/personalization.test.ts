// Suite personalization: both key pairs of the JPKI AP (user authentication and digital signature) generated
// centrally and injected through the security domain, or generated inside the card and certified by the test CAs.
// Each mode and algorithm the profile claims is personalized into a fresh applet instance, both keys of that
// algorithm, and checked the same way for each half (certificate read back, signatures verified with it, the
// private key unreadable); the steps are timed and the timings attached, and the last test sets the two modes side
// by side. Timings are reported, never asserted: performance is measured by simcert bench. Every ECDSA signature
// goes to the run's nonce ledger, and two over one hash must differ in r.
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import { p256, p384 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe } from 'vitest';
import { expect } from './support/expect.ts';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { hex } from '../harness/bytes.ts';
import { issueSigningCertificate, issueUserAuthCertificate, loadSigningTestCa, loadTestCa } from '../harness/ca/test-ca.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../harness/gp/content.ts';
import { HALF, type JpkiHalf } from '../harness/jpki/client.ts';
import { domainSender, fileDgis, generateKeyOnCard, personalizationDgis, pinDgis, registerSecrets, sendDgis, type CardPublicKey, type JpkiPersonalization, type KeyInjection } from '../harness/jpki/provision.ts';
import { publicPointOf, verifyEcdsa } from '../harness/jpki/ecdsa-check.ts';
import { EC_CURVES, installParameters, isEc, type EcCurve, type KeyAlgorithm } from '../harness/jpki/key-algorithm.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../harness/jpki/rsa-check.ts';
import { loadJpkiVectors, type JpkiVectors } from '../harness/jpki/vectors.ts';
import forge from 'node-forge';
import { loadSuiteProfile, noSigningPin, onCard, openJpkiCard, profileLabels, type CardContext } from './support/card-context.ts';
import type { JpkiClient } from '../harness/jpki/client.ts';
import { jpkiInstallSpec, jpkiLoadFile, openDomain } from './support/gp.ts';
import { applicableTest, type TestRef } from './support/applicability.ts';
import { APPLET_INSTALLED } from './support/provision.ts';
import { currentTest, HALF_LABEL, nonceLedger } from './support/signatures.ts';
import { expectStep, expectTrueStep } from './support/steps.ts';

const SUITE = 'personalization';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const aid = jp.aid.toUpperCase();
const vectors: JpkiVectors | undefined = jp.personalization.source === 'fixture' ? await loadJpkiVectors(jp.personalization.vectors) : undefined;
const noGp = profile.ixit.gp?.loadFile ? undefined : 'the profile gives no ixit.gp load file to install fresh instances from';
const noVectors = vectors ? undefined : 'the profile personalizes no test fixture (ixit.jpki.personalization)';
const noPassword = noSigningPin(profile);

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let signingPin: string | undefined;
const timings: Record<string, Record<string, number>> = {};
const HALVES = ['userAuth', 'signing'] as const;
const notBefore = new Date(Date.UTC(2026, 0, 1));

async function timed<T>(mode: string, stepName: string, body: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const r = await allure.step(stepName, body);
  (timings[mode] ??= {})[stepName] = performance.now() - start;
  return r;
}

/**
 * A fresh, unpersonalized instance for the key type: the previous one deleted, the load file loaded if missing,
 * installed again with the applet's key-algorithm install parameter (both keys of that type).
 */
async function freshInstance(run: string, alg: KeyAlgorithm): Promise<void> {
  await timed(run, 'install a fresh instance', async () => {
    const ch = await openDomain(ctx);
    await deleteAid(ch, aid);
    const lf = await jpkiLoadFile(profile);
    if (!(await getStatus(ch, 0x20)).some((f) => f.aid === lf.packageAid.toUpperCase())) await loadLoadFile(ch, lf.packageAid, lf.bytes);
    await installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid, installParameters(alg, alg)));
  });
}

const secretOf = (half: JpkiHalf): string => (half === 'signing' ? signingPin! : pin);
const fid = (f: number): string => f.toString(16).padStart(4, '0').toUpperCase();

/** Selects the AP and verifies the half's PIN; the signing certificate and key need the signing password. */
async function unlock(half: JpkiHalf): Promise<void> {
  await jpki.selectAp();
  await expectStep(`VERIFY the ${HALF[half].pinName} → 9000, verified`, () => jpki.verify(half, secretOf(half)), { verified: true });
}

async function checkCertificateServed(half: JpkiHalf, certDer: Uint8Array): Promise<void> {
  await unlock(half);
  await expectTrueStep(`READ BINARY of EF ${fid(HALF[half].cert)} → the ${HALF_LABEL[half]} certificate it was given`, async () => hex(await jpki.readEf(HALF[half].cert)) === hex(certDer));
}

async function checkKeyUnreadable(half: JpkiHalf): Promise<void> {
  await unlock(half);
  await jpki.selectEf(HALF[half].keyEf);
  const r = await jpki.readBinary(0, 256);
  await expectTrueStep(`READ BINARY of the ${HALF_LABEL[half]} private key (EF ${fid(HALF[half].keyEf)}) → refused, no data`, r.data.length === 0 && r.sw !== SW.OK,
    () => `${r.data.length} bytes, ${describeSw(r.sw)}`);
}

/**
 * ECDSA: each vector message hashed by the harness (P1 00) and by the card (P1 03), every signature verified with
 * @noble/curves under the public key that was certified. The two are over one hash: their r must differ, and every
 * r goes to the run's nonce ledger.
 */
async function checkEcdsaSignatures(half: JpkiHalf, certDer: Uint8Array, pub: CardPublicKey): Promise<void> {
  if (pub.kind !== 'ec') throw new Error('an EC check needs an EC key');
  const info = EC_CURVES[pub.curve];
  const ledger = nonceLedger();
  await checkCertificateServed(half, certDer);
  for (const d of vectors!.digestInfos.filter((x) => x.hash === 'sha256')) {
    await allure.step(`the ${HALF_LABEL[half]} key signs ${d.id} (${info.label}); the certified key verifies it; r is fresh`, async () => {
      await unlock(half);
      const h = createHash(info.hash).update(d.message).digest();
      const byHash = await jpki.signEcdsa(pub.curve, { hash: h }, { key: half });
      ledger.record(pub.curve, byHash, h, currentTest());
      expect(verifyEcdsa(pub.curve, pub.point, h, byHash), 'hash given').toBe(true);
      const byCard = await jpki.signEcdsa(pub.curve, { message: d.message }, { key: half, addressing: 'p2' });
      ledger.record(pub.curve, byCard, h, currentTest());
      expect(verifyEcdsa(pub.curve, pub.point, h, byCard), 'message hashed by the card').toBe(true);
      const n = info.fieldBytes;
      expect(hex(byCard.subarray(0, n)), 'two ECDSA signatures over one hash must differ in r').not.toBe(hex(byHash.subarray(0, n)));
    });
  }
  await checkKeyUnreadable(half);
}

/** RSA: each SHA-256 DigestInfo signed and recovered with the certificate's key; byte-exact when the key is known. */
async function checkRsaSignatures(half: JpkiHalf, certDer: Uint8Array, knownAnswers: boolean): Promise<void> {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(certDer)));
  await checkCertificateServed(half, certDer);
  const inputs = half === 'userAuth'
    ? vectors!.digestInfos.filter((x) => x.hash === 'sha256').map((d) => ({ id: d.id, di: d.digestInfo, want: vectors!.signatures.find((x) => x.digestInfoId === d.id)?.signature }))
    : vectors!.signingSignatures.map((v) => ({ id: v.id, di: v.digestInfo, want: v.signature }));
  for (const d of inputs) {
    await allure.step(`the ${HALF_LABEL[half]} key signs ${d.id}; the certificate verifies it`, async () => {
      await unlock(half);
      const sig = await jpki.sign(d.di, { key: half });
      expect(hex(rsaPublicOp(cert.publicKey as forge.pki.rsa.PublicKey, sig))).toBe(hex(emsaPkcs1v15(d.di, 256)));
      if (knownAnswers && d.want) expect(hex(sig), 'injected key: byte for byte the known answer').toBe(hex(d.want));
    });
  }
  await checkKeyUnreadable(half);
}

async function checkHalf(half: JpkiHalf, certDer: Uint8Array, pub: CardPublicKey, knownAnswers: boolean): Promise<void> {
  if (pub.kind === 'ec') await checkEcdsaSignatures(half, certDer, pub);
  else await checkRsaSignatures(half, certDer, knownAnswers);
}

/** The test CAs certify a half's public key: the user-authentication CA or the signing CA of vectors/jpki. */
async function certify(half: JpkiHalf, pub: CardPublicKey, subjectId: string, serial: string): Promise<Uint8Array> {
  return half === 'userAuth'
    ? issueUserAuthCertificate(await loadTestCa(vectors!.dir), pub, { subjectId, serial, notBefore })
    : issueSigningCertificate(await loadSigningTestCa(vectors!.dir), pub, { subjectId, serial, notBefore });
}

/** The EFs of a personalization: both certificates given, the CA certificates, token info and presence of the fixture. */
function efs(userAuthCert: Uint8Array, signingCert: Uint8Array): Map<string, Uint8Array> {
  const f = vectors!.files;
  return new Map([['000A', userAuthCert], ['000B', f.get('000B')!], ['0001', signingCert], ['0002', f.get('0002')!], ['0006', f.get('0006')!], ['0008', f.get('0008')!]]);
}

/**
 * The centrally generated key of one half for an injection: the fixture's RSA keys (NIST for user authentication,
 * Wycheproof for signing) or, for EC, the RFC 6979 test key for user authentication and a key the harness generates
 * now for signing (the two halves never share a key).
 */
function centralKey(half: JpkiHalf, alg: KeyAlgorithm): { injection: KeyInjection; pub: CardPublicKey } {
  if (!isEc(alg)) {
    const k = half === 'userAuth' ? vectors!.key : vectors!.signingKey;
    return { injection: { kind: 'rsa', key: k }, pub: { kind: 'rsa', n: k.n, e: k.e } };
  }
  const curve: EcCurve = alg;
  const d = half === 'userAuth' ? vectors!.ecKeys[curve].d : (curve === 'p256' ? p256 : p384).utils.randomSecretKey();
  return { injection: { kind: 'ec', d }, pub: { kind: 'ec', curve, point: publicPointOf(curve, d) } };
}

/** Timings are kept per run (mode and algorithm), so the side-by-side table compares like with like. */
const runName = (mode: string, alg: KeyAlgorithm): string => `${mode} ${alg}`;

/** What each mode and algorithm needs from the card, as ICS mnemonics (harness/profile/applicability.ts). */
const NEEDS: Record<'inject' | 'on-card', Record<KeyAlgorithm, string>> = {
  inject: { rsa2048: 'key_injection and rsa2048', p256: 'key_injection and ec_p256', p384: 'key_injection and ec_p384' },
  'on-card': { rsa2048: 'rsa2048_keygen', p256: 'ec_p256_keygen', p384: 'ec_p384_keygen' },
};

/** Each mode and algorithm's stable ID, and the clauses it verifies. */
const INJECT_CLAUSES = ['GPCS 11.5 INSTALL [for personalization]', 'GPCS 11.11 STORE DATA', 'JPKI Files of the JPKI AP', 'JPKI COMPUTE DIGITAL SIGNATURE'];
const ON_CARD_CLAUSES = ['ISO7816-8 GENERATE ASYMMETRIC KEY PAIR', 'JC-API KeyPair.genKeyPair', 'GPCS 11.11 STORE DATA', 'JPKI COMPUTE DIGITAL SIGNATURE'];
const MODE_REFS: Record<'inject' | 'on-card', Record<KeyAlgorithm, TestRef>> = {
  inject: {
    rsa2048: { id: 'PERS-001', clauses: INJECT_CLAUSES },
    p256: { id: 'PERS-002', clauses: INJECT_CLAUSES },
    p384: { id: 'PERS-003', clauses: INJECT_CLAUSES },
  },
  'on-card': {
    rsa2048: { id: 'PERS-004', clauses: ON_CARD_CLAUSES },
    p256: { id: 'PERS-005', clauses: ON_CARD_CLAUSES },
    p384: { id: 'PERS-006', clauses: ON_CARD_CLAUSES },
  },
};

function modeTest(mode: 'inject' | 'on-card', alg: KeyAlgorithm, body: () => Promise<void>): void {
  const name = `${mode === 'inject' ? 'injects a centrally generated' : 'generates on the card a'} ${alg} key`;
  // Each mode installs a fresh instance, as applet-install does first: if that failed, so would this (blocked).
  applicableTest(profile, SUITE, name, { ...MODE_REFS[mode][alg], when: NEEDS[mode][alg], routeLacks: noGp, skip: noVectors ?? noPassword, dependsOn: APPLET_INSTALLED }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('personalization');
    await allure.parameter('mode', mode);
    await allure.parameter('algorithm', alg);
    await allure.parameter('keys', `user-authentication (0017) and signing (001A), both ${alg}`);
    await onCard(ctx, SUITE, body);
    const t = timings[runName(mode, alg)] ?? {};
    await allure.attachment(`timings (${mode}, ${alg})`, Object.entries(t).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms`).join('\n'), { contentType: 'text/plain' });
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin, signingPin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`personalization — ${profile.name}`, () => {
  for (const alg of ['rsa2048', 'p256', 'p384'] as const) {
    modeTest('inject', alg, async () => {
      const run = runName('inject', alg);
      await freshInstance(run, alg);
      const keys = { userAuth: centralKey('userAuth', alg), signing: centralKey('signing', alg) };
      // The RSA fixture comes with its certificates; EC keys are certified by the test CAs here.
      const certs = isEc(alg)
        ? await timed(run, 'the test CAs certify the injected public keys', async () => ({
          userAuth: await certify('userAuth', keys.userAuth.pub, `SIMCERT-INJECT-${alg}`, '1001'),
          signing: await certify('signing', keys.signing.pub, `SIMCERT-INJECT-SIGN-${alg}`, '1002'),
        }))
        : { userAuth: vectors!.files.get('000A')!, signing: vectors!.files.get('0001')! };
      await timed(run, 'inject both keys, both PINs and the certificates (STORE DATA through the domain, key and PIN DGIs under the DEK)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        const p: JpkiPersonalization = {
          userAuth: { key: keys.userAuth.injection, pin, tryLimit: jp.pinTryLimit },
          signing: { key: keys.signing.injection, pin: signingPin!, tryLimit: jp.signingPinTryLimit },
          files: efs(certs.userAuth, certs.signing),
        };
        registerSecrets(ctx.card.session, p);
        await sendDgis(domainSender(ch), personalizationDgis(p), { final: true });
      });
      for (const half of HALVES) await checkHalf(half, certs[half], keys[half].pub, true);
    });

    modeTest('on-card', alg, async () => {
      const run = runName('on-card', alg);
      await freshInstance(run, alg);
      await timed(run, 'both PINs (STORE DATA through the domain, under the DEK)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        await sendDgis(domainSender(ch), [...pinDgis(pin, jp.pinTryLimit, 'userAuth'), ...pinDgis(signingPin!, jp.signingPinTryLimit, 'signing')], { final: false });
      });
      const pubs = {} as Record<JpkiHalf, CardPublicKey>;
      const certs = {} as Record<JpkiHalf, Uint8Array>;
      for (const half of HALVES) {
        const pub = await timed(run, `generate the ${HALF_LABEL[half]} key pair in the card (GENERATE ASYMMETRIC KEY PAIR) and read the public key`, async () => {
          await jpki.selectAp();
          return generateKeyOnCard(jpki, alg, half);
        });
        const keyBytes = pub.kind === 'rsa' ? pub.n : pub.point;
        await allure.parameter(`${HALF_LABEL[half]} public key SHA-256`, createHash('sha256').update(keyBytes).digest('hex'), { excluded: true });
        pubs[half] = pub;
        certs[half] = await timed(run, `the test CA certifies the ${HALF_LABEL[half]} public key`, () =>
          certify(half, pub, `SIMCERT-ONCARD-${half === 'signing' ? 'SIGN-' : ''}${hex(keyBytes.subarray(1, 5))}`, hex(keyBytes.subarray(1, 9))));
      }
      expect(hex(pubs.signing.kind === 'rsa' ? pubs.signing.n : pubs.signing.point), 'the card generated two different key pairs')
        .not.toBe(hex(pubs.userAuth.kind === 'rsa' ? pubs.userAuth.n : pubs.userAuth.point));
      await timed(run, 'write the certificates back (STORE DATA through the domain)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        await sendDgis(domainSender(ch), fileDgis(efs(certs.userAuth, certs.signing)), { final: true });
      });
      for (const half of HALVES) await checkHalf(half, certs[half], pubs[half], false);
    });
  }

  applicableTest(profile, SUITE, 'sets the two modes side by side', {
    id: 'PERS-007', clauses: ['GPCS 11.11 STORE DATA', 'ISO7816-8 GENERATE ASYMMETRIC KEY PAIR'], routeLacks: noGp, skip: noVectors, dependsOn: APPLET_INSTALLED }, async () => {
    await profileLabels(profile, SUITE); // the report and the matrix place it by profile, like every other test
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('personalization');
    const rows = Object.entries(timings).map(([run, steps]) => {
      const [mode, alg] = run.split(' ');
      const total = Object.values(steps).reduce((a, b) => a + b, 0);
      return `| ${alg} | ${mode} | ${Object.entries(steps).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms`).join('<br>')} | ${total.toFixed(1)} ms |`;
    }).sort();
    const table = ['| algorithm | mode | steps | total |', '|---|---|---|---|', ...rows].join('\n');
    await allure.attachment('inject vs on-card (one run, this card)', table, { contentType: 'text/markdown' });
    expect(Object.keys(timings).length).toBeGreaterThan(0);
  });
});
