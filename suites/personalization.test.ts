// Suite personalization: the key pair generated centrally and injected through the security domain, or generated
// inside the card and certified by the CA. Each mode and algorithm the profile claims is personalized into a fresh
// applet instance and checked the same way (certificate read back, signatures verified with it); the steps are
// timed and the timings attached, and the last test sets the two modes side by side. Timings are reported, never
// asserted: performance is measured by simcert bench.
import { createHash } from 'node:crypto';
import * as allure from 'allure-js-commons';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SW, describeSw } from '../harness/apdu/status-words.ts';
import { hex } from '../harness/bytes.ts';
import { issueUserAuthCertificate, loadTestCa } from '../harness/ca/test-ca.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../harness/gp/content.ts';
import { EF } from '../harness/jpki/client.ts';
import { domainSender, fileDgis, fixtureDgis, generateKeyOnCard, pinDgis, sendDgis } from '../harness/jpki/provision.ts';
import { emsaPkcs1v15, rsaPublicOp } from '../harness/jpki/rsa-check.ts';
import { loadJpkiVectors, type JpkiVectors } from '../harness/jpki/vectors.ts';
import { loadSuiteProfile, onCard, openJpkiCard, type CardContext } from './support/card-context.ts';
import type { JpkiClient } from '../harness/jpki/client.ts';
import { jpkiLoadFile, openDomain } from './support/gp.ts';

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

/** A fresh, unpersonalized instance: the previous one deleted, the load file loaded if missing, installed again. */
async function freshInstance(mode: string): Promise<void> {
  await timed(mode, 'install a fresh instance', async () => {
    const ch = await openDomain(ctx);
    await deleteAid(ch, aid);
    const lf = await jpkiLoadFile(profile);
    if (!(await getStatus(ch, 0x20)).some((f) => f.aid === lf.packageAid.toUpperCase())) await loadLoadFile(ch, lf.packageAid, lf.bytes);
    await installAndMakeSelectable(ch, { loadFileAid: lf.packageAid, moduleAid: aid, instanceAid: aid });
  });
}

async function checkSignatures(certDer: Uint8Array, expected?: JpkiVectors): Promise<void> {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(certDer)));
  await allure.step('the card serves the certificate it was given', async () => {
    await jpki.selectAp();
    expect(hex(await jpki.readEf(EF.USER_AUTH_CERT))).toBe(hex(certDer));
  });
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
  await allure.step('the private key cannot be read (READ BINARY of EF 0017)', async () => {
    await jpki.selectAp();
    await jpki.verifyPin(pin);
    await jpki.selectEf(EF.USER_AUTH_KEY);
    const r = await jpki.readBinary(0, 256);
    expect(r.data.length).toBe(0);
    expect(describeSw(r.sw)).not.toBe(describeSw(SW.OK));
  });
}

function modeTest(mode: 'inject' | 'on-card', alg: 'rsa2048' | 'p256' | 'p384', body: () => Promise<void>): void {
  const claimed = mode === 'inject' ? profile.ics.keyInjection : profile.ics.onCardKeyGeneration;
  const algClaimed = alg === 'rsa2048' ? profile.ics.rsa2048 : alg === 'p256' ? profile.ics.ecP256 : profile.ics.ecP384;
  const why = noGp ?? noVectors ?? (!claimed ? `the profile's ICS does not claim ${mode === 'inject' ? 'keyInjection' : 'onCardKeyGeneration'}`
    : !algClaimed ? `the profile's ICS does not claim ${alg === 'p256' ? 'ecP256' : alg === 'p384' ? 'ecP384' : 'rsa2048'}` : undefined);
  const name = `${mode === 'inject' ? 'injects a centrally generated' : 'generates on the card a'} ${alg} key`;
  if (why) {
    it.skip(`${name} — skipped: ${why}`, () => undefined);
    return;
  }
  it(name, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('personalization');
    await allure.parameter('mode', mode);
    await allure.parameter('algorithm', alg);
    await onCard(ctx, SUITE, body);
    const t = timings[mode] ?? {};
    await allure.attachment(`timings (${mode})`, Object.entries(t).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms`).join('\n'), { contentType: 'text/plain' });
  });
}

beforeAll(async () => {
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
});

afterAll(async () => {
  await ctx?.card.close();
});

describe(`personalization — ${profile.name}`, () => {
  modeTest('inject', 'rsa2048', async () => {
    await freshInstance('inject');
    await timed('inject', 'inject key, PIN and certificates (STORE DATA through the domain, key DGIs under the DEK)', async () => {
      const ch = await openDomain(ctx);
      await installForPersonalization(ch, aid);
      await sendDgis(domainSender(ch), fixtureDgis(vectors!, pin, jp.pinTryLimit), { final: true });
    });
    await checkSignatures(vectors!.files.get('000A')!, vectors);
  });

  modeTest('on-card', 'rsa2048', async () => {
    await freshInstance('on-card');
    await timed('on-card', 'PIN (STORE DATA through the domain, under the DEK)', async () => {
      const ch = await openDomain(ctx);
      await installForPersonalization(ch, aid);
      await sendDgis(domainSender(ch), pinDgis(pin, jp.pinTryLimit), { final: false });
    });
    const pub = await timed('on-card', 'generate the key pair in the card (GENERATE ASYMMETRIC KEY PAIR) and read the public key', async () => {
      await jpki.selectAp();
      return generateKeyOnCard(jpki);
    });
    await allure.parameter('public key SHA-256', createHash('sha256').update(pub.n).digest('hex'), { excluded: true });
    const certDer = await timed('on-card', 'the test CA certifies the public key', async () =>
      issueUserAuthCertificate(await loadTestCa(vectors!.dir), pub,
        { subjectId: `SIMCERT-ONCARD-${hex(pub.n.subarray(0, 4))}`, serial: hex(pub.n.subarray(0, 8)), notBefore: new Date(Date.UTC(2026, 0, 1)) }));
    await timed('on-card', 'write the certificates back (STORE DATA through the domain)', async () => {
      const ch = await openDomain(ctx);
      await installForPersonalization(ch, aid);
      const files = new Map([['000A', certDer], ['000B', vectors!.files.get('000B')!], ['0006', vectors!.files.get('0006')!]]);
      await sendDgis(domainSender(ch), fileDgis(files), { final: true });
    });
    await checkSignatures(certDer);
  });

  for (const alg of ['p256', 'p384'] as const) {
    modeTest('inject', alg, async () => undefined);
    modeTest('on-card', alg, async () => undefined);
  }

  (noGp || noVectors ? it.skip : it)('sets the two modes side by side', async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('personalization');
    const rows = Object.entries(timings).map(([mode, steps]) => {
      const total = Object.values(steps).reduce((a, b) => a + b, 0);
      return `| ${mode} | ${Object.entries(steps).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms`).join('<br>')} | ${total.toFixed(1)} ms |`;
    });
    const table = ['| mode | steps | total |', '|---|---|---|', ...rows].join('\n');
    await allure.attachment('inject vs on-card (one run, this card)', table, { contentType: 'text/markdown' });
    expect(Object.keys(timings).length).toBeGreaterThan(0);
  });
});
