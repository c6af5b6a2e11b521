// Suite personalization: the key pair generated centrally and injected through the security domain, or generated
// inside the card and certified by the CA. Each mode and algorithm the profile claims is personalized into a fresh
// applet instance and checked the same way (certificate read back, signatures verified with it); the steps are
// timed and the timings attached, and the last test sets the two modes side by side. Timings are reported, never
// asserted: performance is measured by simcert bench.
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { hex } from '../harness/bytes.ts';
import { issueUserAuthCertificate, loadTestCa } from '../harness/ca/test-ca.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../harness/gp/content.ts';
import { EF } from '../harness/jpki/client.ts';
import { domainSender, ecFixtureDgis, fileDgis, fixtureDgis, generateKeyOnCard, pinDgis, sendDgis, type CardPublicKey } from '../harness/jpki/provision.ts';
import { verifyEcdsa } from '../harness/jpki/ecdsa-check.ts';
import { EC_CURVES, installParameters, isEc, type KeyAlgorithm } from '../harness/jpki/key-algorithm.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../harness/jpki/rsa-check.ts';
import { loadJpkiVectors, type JpkiVectors } from '../harness/jpki/vectors.ts';
import { loadSuiteProfile, onCard, openJpkiCard, profileLabels, type CardContext } from './support/card-context.ts';
import type { JpkiClient } from '../harness/jpki/client.ts';
import { jpkiInstallSpec, jpkiLoadFile, openDomain } from './support/gp.ts';
import { applicableTest } from './support/applicability.ts';
import { APPLET_INSTALLED } from './support/provision.ts';

const SUITE = 'personalization';
const profile = await loadSuiteProfile();
const jp = profile.ixit.jpki;
const aid = jp.aid.toUpperCase();
const vectors: JpkiVectors | undefined = jp.personalization.source === 'fixture' ? await loadJpkiVectors(jp.personalization.vectors) : undefined;
const noGp = profile.ixit.gp?.loadFile ? undefined : 'the profile gives no ixit.gp load file to install fresh instances from';
const noVectors = vectors ? undefined : 'the profile personalizes no test fixture (ixit.jpki.personalization)';

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
const timings: Record<string, Record<string, number>> = {};

async function timed<T>(mode: string, stepName: string, body: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const r = await allure.step(stepName, body);
  (timings[mode] ??= {})[stepName] = performance.now() - start;
  return r;
}

/**
 * A fresh, unpersonalized instance for the key type: the previous one deleted, the load file loaded if missing,
 * installed again with the applet's key-algorithm install parameter.
 */
async function freshInstance(run: string, alg: KeyAlgorithm): Promise<void> {
  await timed(run, 'install a fresh instance', async () => {
    const ch = await openDomain(ctx);
    await deleteAid(ch, aid);
    const lf = await jpkiLoadFile(profile);
    if (!(await getStatus(ch, 0x20)).some((f) => f.aid === lf.packageAid.toUpperCase())) await loadLoadFile(ch, lf.packageAid, lf.bytes);
    await installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid, installParameters(alg)));
  });
}

async function checkCertificateServed(certDer: Uint8Array): Promise<void> {
  await allure.step('the card serves the certificate it was given', async () => {
    await jpki.selectAp();
    expect(hex(await jpki.readEf(EF.USER_AUTH_CERT))).toBe(hex(certDer));
  });
}

async function checkKeyUnreadable(): Promise<void> {
  await allure.step('the private key cannot be read (READ BINARY of EF 0017)', async () => {
    await jpki.selectAp();
    await jpki.verifyPin(pin);
    await jpki.selectEf(EF.USER_AUTH_KEY);
    const r = await jpki.readBinary(0, 256);
    expect(r.data.length).toBe(0);
    expect(describeSw(r.sw)).not.toBe(describeSw(SW.OK));
  });
}

/**
 * ECDSA: each vector message hashed by the harness (P1 00) and by the card (P1 03), every signature verified with
 * @noble/curves under the public key that was certified (the RFC 6979 key when injected).
 */
async function checkEcdsaSignatures(certDer: Uint8Array, pub: CardPublicKey): Promise<void> {
  if (pub.kind !== 'ec') throw new Error('an EC check needs an EC key');
  const info = EC_CURVES[pub.curve];
  await checkCertificateServed(certDer);
  for (const d of vectors!.digestInfos.filter((x) => x.hash === 'sha256')) {
    await allure.step(`signs ${d.id} (${info.label}); the certified key verifies it`, async () => {
      await jpki.selectAp();
      expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
      const h = createHash(info.hash).update(d.message).digest();
      expect(verifyEcdsa(pub.curve, pub.point, h, await jpki.signEcdsa(pub.curve, { hash: h })), 'hash given').toBe(true);
      expect(verifyEcdsa(pub.curve, pub.point, h, await jpki.signEcdsa(pub.curve, { message: d.message })), 'message hashed by the card').toBe(true);
    });
  }
  await checkKeyUnreadable();
}

async function checkSignatures(certDer: Uint8Array, expected?: JpkiVectors): Promise<void> {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(certDer)));
  await checkCertificateServed(certDer);
  for (const d of vectors!.digestInfos.filter((x) => x.hash === 'sha256')) {
    await allure.step(`signs ${d.id}; the certificate verifies it`, async () => {
      await jpki.selectAp();
      expect(await jpki.verifyPin(pin)).toEqual({ verified: true });
      const sig = await jpki.sign(d.digestInfo);
      expect(hex(rsaPublicOp(cert.publicKey as forge.pki.rsa.PublicKey, sig))).toBe(hex(emsaPkcs1v15(d.digestInfo, 256)));
      const want = expected?.signatures.find((x) => x.digestInfoId === d.id);
      if (want) expect(hex(sig), 'injected key: byte for byte the known answer').toBe(hex(want.signature));
    });
  }
  await checkKeyUnreadable();
}

/** Timings are kept per run (mode and algorithm), so the side-by-side table compares like with like. */
const runName = (mode: string, alg: KeyAlgorithm): string => `${mode} ${alg}`;

/** What each mode and algorithm needs from the card, as ICS mnemonics (harness/profile/applicability.ts). */
const NEEDS: Record<'inject' | 'on-card', Record<KeyAlgorithm, string>> = {
  inject: { rsa2048: 'key_injection and rsa2048', p256: 'key_injection and ec_p256', p384: 'key_injection and ec_p384' },
  'on-card': { rsa2048: 'rsa2048_keygen', p256: 'ec_p256_keygen', p384: 'ec_p384_keygen' },
};

function modeTest(mode: 'inject' | 'on-card', alg: KeyAlgorithm, body: () => Promise<void>): void {
  const name = `${mode === 'inject' ? 'injects a centrally generated' : 'generates on the card a'} ${alg} key`;
  // Each mode installs a fresh instance, as applet-install does first: if that failed, so would this (blocked).
  applicableTest(profile, SUITE, name, { when: NEEDS[mode][alg], routeLacks: noGp, skip: noVectors, dependsOn: APPLET_INSTALLED }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('personalization');
    await allure.parameter('mode', mode);
    await allure.parameter('algorithm', alg);
    await onCard(ctx, SUITE, body);
    const t = timings[runName(mode, alg)] ?? {};
    await allure.attachment(`timings (${mode}, ${alg})`, Object.entries(t).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms`).join('\n'), { contentType: 'text/plain' });
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`personalization — ${profile.name}`, () => {
  for (const alg of ['rsa2048', 'p256', 'p384'] as const) {
    modeTest('inject', alg, async () => {
      const run = runName('inject', alg);
      await freshInstance(run, alg);
      const ecKey = isEc(alg) ? vectors!.ecKeys[alg] : undefined;
      // The RSA fixture comes with its certificate; an EC test key (RFC 6979) is certified by the test CA here.
      const certDer = ecKey
        ? await timed(run, 'the test CA certifies the injected public key', async () =>
          issueUserAuthCertificate(await loadTestCa(vectors!.dir), { kind: 'ec', curve: ecKey.curve, point: ecKey.point },
            { subjectId: `SIMCERT-INJECT-${alg}`, serial: '1001', notBefore: new Date(Date.UTC(2026, 0, 1)) }))
        : vectors!.files.get('000A')!;
      await timed(run, 'inject key, PIN and certificates (STORE DATA through the domain, key DGIs under the DEK)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        if (ecKey) ctx.card.session.trace.registerSecret(ecKey.d);
        const dgis = ecKey
          ? ecFixtureDgis(ecKey.d, pin, jp.pinTryLimit, new Map([['000A', certDer], ['000B', vectors!.files.get('000B')!], ['0006', vectors!.files.get('0006')!]]))
          : fixtureDgis(vectors!, pin, jp.pinTryLimit);
        await sendDgis(domainSender(ch), dgis, { final: true });
      });
      if (ecKey) await checkEcdsaSignatures(certDer, { kind: 'ec', curve: ecKey.curve, point: ecKey.point });
      else await checkSignatures(certDer, vectors);
    });

    modeTest('on-card', alg, async () => {
      const run = runName('on-card', alg);
      await freshInstance(run, alg);
      await timed(run, 'PIN (STORE DATA through the domain, under the DEK)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        await sendDgis(domainSender(ch), pinDgis(pin, jp.pinTryLimit), { final: false });
      });
      const pub = await timed(run, 'generate the key pair in the card (GENERATE ASYMMETRIC KEY PAIR) and read the public key', async () => {
        await jpki.selectAp();
        return generateKeyOnCard(jpki, alg);
      });
      const keyBytes = pub.kind === 'rsa' ? pub.n : pub.point;
      await allure.parameter('public key SHA-256', createHash('sha256').update(keyBytes).digest('hex'), { excluded: true });
      const certDer = await timed(run, 'the test CA certifies the public key', async () =>
        issueUserAuthCertificate(await loadTestCa(vectors!.dir), pub,
          { subjectId: `SIMCERT-ONCARD-${hex(keyBytes.subarray(1, 5))}`, serial: hex(keyBytes.subarray(1, 9)), notBefore: new Date(Date.UTC(2026, 0, 1)) }));
      await timed(run, 'write the certificates back (STORE DATA through the domain)', async () => {
        const ch = await openDomain(ctx);
        await installForPersonalization(ch, aid);
        const files = new Map([['000A', certDer], ['000B', vectors!.files.get('000B')!], ['0006', vectors!.files.get('0006')!]]);
        await sendDgis(domainSender(ch), fileDgis(files), { final: true });
      });
      if (pub.kind === 'ec') await checkEcdsaSignatures(certDer, pub);
      else await checkSignatures(certDer);
    });
  }

  applicableTest(profile, SUITE, 'sets the two modes side by side', { routeLacks: noGp, skip: noVectors, dependsOn: APPLET_INSTALLED }, async () => {
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
