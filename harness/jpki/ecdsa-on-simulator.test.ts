// ECDSA P-256 and P-384 in the reference applet on the simulator, through the security domain as a TSM would do
// it: an instance installed for the curve, then either the RFC 6979 test key injected (DGI 8301 under the DEK)
// or a key generated in the card and certified by the test CA. Every signature is checked with @noble/curves
// against the public key the certificate holds; the private key never comes out.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { issueUserAuthCertificate, loadTestCa } from '../ca/test-ca.ts';
import { deleteAid, installAndMakeSelectable, installCommand, installForPersonalization, loadLoadFile } from '../gp/content.ts';
import { buildJarLoadFile } from '../gp/load-file.ts';
import { openSecureChannel } from '../gp/secure-channel.ts';
import { repoRoot } from '../paths.ts';
import { buildLab } from '../sim/build.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { EF, JpkiClient } from './client.ts';
import { verifyEcdsa } from './ecdsa-check.ts';
import { installParameters, type EcCurve } from './key-algorithm.ts';
import { DGI, domainSender, ecFixtureDgis, fileDgis, generateKeyOnCard, pinDgis, sendDgis } from './provision.ts';
import { encodeDgi } from '../tlv/dgi.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

const ISD = 'A000000151000000';
const PKG = 'D392F0002601';
const JPKI = 'D392F000260100000001';
const KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const VECTORS = join(repoRoot, 'vectors', 'jpki');
const PIN = '1234';

let sim: RunningSimulator;
let s: CardSession;
let jpki: JpkiClient;
let v: JpkiVectors;

async function domain() {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
  return openSecureChannel(s, { enc: KEY, mac: KEY, dek: KEY }, { level: 0x03 });
}

async function freshInstance(curve: EcCurve): Promise<void> {
  const ch = await domain();
  await deleteAid(ch, JPKI);
  await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI, applicationData: installParameters(curve) });
}

/** All six EFs of the fixture with the user-auth certificate replaced (the signing half keeps the fixture's EFs). */
async function certificateFiles(der: Uint8Array): Promise<Map<string, Uint8Array>> {
  return new Map([...v.files, ['000A', der]]);
}

beforeAll(async () => {
  v = await loadJpkiVectors(VECTORS);
  const lab = await buildLab();
  const lf = await buildJarLoadFile({ classesDir: lab.applets.jpki!, packageAid: PKG, applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet' }] });
  sim = await startSimulator({ atr: '3B00', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 1, applets: [] },
    { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
  jpki = new JpkiClient(s);
  await loadLoadFile(await domain(), PKG, lf);
});
afterAll(async () => {
  await sim?.stop();
});

describe.each(['p256', 'p384'] as const)('ECDSA %s in the reference applet', (curve) => {
  const key = () => v.ecKeys[curve];
  const hashOf = (m: Uint8Array): Uint8Array => createHash(key().hash).update(m).digest();
  const n = curve === 'p256' ? 32 : 48;

  it('injected key: signs hashes and messages that the RFC 6979 public key verifies', async () => {
    await freshInstance(curve);
    const cert = issueUserAuthCertificate(await loadTestCa(VECTORS), { kind: 'ec', curve, point: key().point },
      { subjectId: `SIMCERT-INJECT-${curve}`, serial: '5001', notBefore: new Date(Date.UTC(2026, 0, 1)) });
    const ch = await domain();
    await installForPersonalization(ch, JPKI);
    await sendDgis(domainSender(ch), ecFixtureDgis(key().d, PIN, 3, await certificateFiles(cert)), { final: true });

    await jpki.selectAp();
    expect(hex(await jpki.readEf(EF.USER_AUTH_CERT))).toBe(hex(cert));
    await jpki.verifyPin(PIN);
    const byHash = await jpki.signEcdsa(curve, { hash: hashOf(key().message) });
    expect(verifyEcdsa(curve, key().point, hashOf(key().message), byHash)).toBe(true);
    const byMessage = await jpki.signEcdsa(curve, { message: key().message });
    expect(verifyEcdsa(curve, key().point, hashOf(key().message), byMessage)).toBe(true);
    // ECDSA nonces are random in the card: two signatures of the same hash differ (a repeated nonce leaks the key).
    expect(hex(byHash.subarray(0, n))).not.toBe(hex(byMessage.subarray(0, n)));
    for (const d of v.digestInfos.filter((x) => x.hash === 'sha256')) {
      const sig = await jpki.signEcdsa(curve, { message: d.message });
      expect(verifyEcdsa(curve, key().point, hashOf(d.message), sig)).toBe(true);
    }
  });

  it('refuses RSA-only forms and wrong lengths, and never gives out the scalar', async () => {
    await jpki.selectAp();
    await jpki.verifyPin(PIN);
    await jpki.selectEf(EF.USER_AUTH_KEY);
    expect(await jpki.trySign(new Uint8Array(32).fill(1), 0x02)).toBe(0x6a86); // P1 02 wraps a SHA-256 DigestInfo: RSA only
    expect(await jpki.trySign(new Uint8Array(n + 1).fill(1), 0x00)).toBe(0x6700);
    expect((await jpki.readBinary(0, 256)).sw).toBe(0x6981);
    expect((await s.transmit({ cla: 0, ins: 0x46, p1: 0, p2: 0 })).sw).toBe(0x6985);
  });

  it('on-card key: GENERATE exports a point on the curve; the certified key verifies the signatures', async () => {
    await freshInstance(curve);
    let ch = await domain();
    await installForPersonalization(ch, JPKI);
    await sendDgis(domainSender(ch), [...pinDgis(PIN, 3), ...pinDgis(v.signingPin, 5, 'signing')], { final: false });
    await jpki.selectAp();
    const pub = await generateKeyOnCard(jpki, curve);
    const signingPub = await generateKeyOnCard(jpki, curve, 'signing');
    if (signingPub.kind !== 'ec') throw new Error('expected an EC key');
    expect(hex(signingPub.point)).not.toBe(hex(pub.kind === 'ec' ? pub.point : new Uint8Array(0)));
    if (pub.kind !== 'ec') throw new Error('expected an EC key');
    expect(pub.point.length).toBe(1 + 2 * n);
    expect(hex(pub.point)).not.toBe(hex(key().point));
    const cert = issueUserAuthCertificate(await loadTestCa(VECTORS), pub,
      { subjectId: `SIMCERT-ONCARD-${curve}`, serial: '5002', notBefore: new Date(Date.UTC(2026, 0, 1)) });
    ch = await domain();
    await installForPersonalization(ch, JPKI);
    await sendDgis(domainSender(ch), fileDgis(await certificateFiles(cert)), { final: true });

    await jpki.selectAp();
    expect(hex(await jpki.readEf(EF.USER_AUTH_CERT))).toBe(hex(cert));
    await jpki.verifyPin(PIN);
    const h = hashOf(key().message);
    expect(verifyEcdsa(curve, pub.point, h, await jpki.signEcdsa(curve, { hash: h }))).toBe(true);
    expect(verifyEcdsa(curve, key().point, h, await jpki.signEcdsa(curve, { hash: h }))).toBe(false);
  });

  it('takes no key of the other type: RSA DGIs answer 6A80, and an RSA instance refuses DGI 8301', async () => {
    await freshInstance(curve);
    await jpki.selectAp();
    const rsa = encodeDgi({ id: DGI.RSA_P, data: v.key.p });
    expect((await s.transmit({ cla: 0x80, ins: 0xe2, p1: 0x08, p2: 0x00, data: rsa }, { redact: 'command-data' })).sw).toBe(0x6a80);
    const ch = await domain();
    await deleteAid(ch, JPKI);
    await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI });
    await jpki.selectAp();
    const ec = encodeDgi({ id: DGI.EC_PRIVATE, data: key().d });
    expect((await s.transmit({ cla: 0x80, ins: 0xe2, p1: 0x08, p2: 0x00, data: ec }, { redact: 'command-data' })).sw).toBe(0x6a80);
  });
});

describe('install parameters', () => {
  it('an unknown key algorithm fails the INSTALL and leaves no instance', async () => {
    const ch = await domain();
    await deleteAid(ch, JPKI);
    const r = await ch.transmit(installCommand({ loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI, applicationData: fromHex('800109') }),
      'INSTALL with a bad key algorithm');
    expect(r.sw).not.toBe(0x9000);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x6a82);
  });
});
