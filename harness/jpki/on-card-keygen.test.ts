// The on-card generation path on the simulator, through the security domain: both PINs first, then the card
// generates both key pairs (user authentication, then signing with P2 9A) and exports only the public keys, the
// test CAs certify them, the certificates are written back, and each key signs what its certificate verifies.
// The private keys are never readable.
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { issueSigningCertificate, issueUserAuthCertificate, loadSigningTestCa, loadTestCa } from '../ca/test-ca.ts';
import { installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../gp/content.ts';
import { buildJarLoadFile } from '../gp/load-file.ts';
import { openSecureChannel } from '../gp/secure-channel.ts';
import { repoRoot } from '../paths.ts';
import { buildLab } from '../sim/build.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { EF, JpkiClient } from './client.ts';
import { emsaPkcs1v15, rsaPublicOp } from './rsa-check.ts';
import { domainSender, fileDgis, generateKeyOnCard, pinDgis, sendDgis } from './provision.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

const ISD = 'A000000151000000';
const PKG = 'D392F0002601';
const JPKI = 'D392F000260100000001';
const KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const VECTORS = join(repoRoot, 'vectors', 'jpki');

let sim: RunningSimulator;
let s: CardSession;
let jpki: JpkiClient;
let v: JpkiVectors;

async function domain() {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
  return openSecureChannel(s, { enc: KEY, mac: KEY, dek: KEY }, { level: 0x03 });
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
  const ch = await domain();
  await loadLoadFile(ch, PKG, lf);
  await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI });
});
afterAll(async () => {
  await sim?.stop();
});

describe('on-card key generation', () => {
  let certDer: Uint8Array;
  let signingCertDer: Uint8Array;
  let userAuthN: Uint8Array;

  it('generates the key pair in the card, and the CA certifies the exported public key', async () => {
    let ch = await domain();
    await installForPersonalization(ch, JPKI);
    await sendDgis(domainSender(ch), [...pinDgis('1234', 3), ...pinDgis(v.signingPin, 5, 'signing')], { final: false });
    await jpki.selectAp();
    const pub = await generateKeyOnCard(jpki);
    if (pub.kind !== 'rsa') throw new Error('expected an RSA key');
    expect(pub.n.length).toBe(256);
    expect(hex(pub.e)).toBe('010001');
    const signingPub = await generateKeyOnCard(jpki, 'rsa2048', 'signing');
    if (signingPub.kind !== 'rsa') throw new Error('expected an RSA key');
    expect(hex(signingPub.n)).not.toBe(hex(pub.n)); // two key pairs, not one exported twice
    userAuthN = pub.n;
    const notBefore = new Date(Date.UTC(2026, 0, 1));
    certDer = issueUserAuthCertificate(await loadTestCa(VECTORS), pub, { subjectId: 'SIMCERT-ONCARD-0001', serial: '3001', notBefore });
    signingCertDer = issueSigningCertificate(await loadSigningTestCa(VECTORS), signingPub, { subjectId: 'SIMCERT-ONCARD-SIGN-0001', serial: '3002', notBefore });
    ch = await domain();
    await installForPersonalization(ch, JPKI);
    const files = new Map([...v.files, ['000A', certDer], ['0001', signingCertDer]]);
    await sendDgis(domainSender(ch), fileDgis(files), { final: true });
  });

  it('serves the certificate and signs what it verifies', async () => {
    await jpki.selectAp();
    expect(hex(await jpki.readEf(EF.USER_AUTH_CERT))).toBe(hex(certDer));
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(certDer)));
    for (const d of v.digestInfos.filter((x) => x.hash === 'sha256')) {
      await jpki.selectAp();
      await jpki.verifyPin('1234');
      const sig = await jpki.sign(d.digestInfo);
      expect(hex(rsaPublicOp(cert.publicKey as forge.pki.rsa.PublicKey, sig))).toBe(hex(emsaPkcs1v15(d.digestInfo, 256)));
    }
  });

  it('the generated signing key signs (P2 9A, after the signing password) what the signing certificate verifies', async () => {
    await jpki.selectAp();
    const password = new TextEncoder().encode(v.signingPin);
    s.trace.registerSecret(password);
    expect((await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x9b, data: password }, { redact: 'command-data' })).sw).toBe(0x9000);
    expect(hex(await jpki.readEf(0x0001))).toBe(hex(signingCertDer));
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(signingCertDer)));
    const d = v.digestInfos.find((x) => x.hash === 'sha256')!;
    const r = await s.transmit({ cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x9a, data: d.digestInfo, le: 256 });
    expect(r.sw).toBe(0x9000);
    expect(hex(rsaPublicOp(cert.publicKey as forge.pki.rsa.PublicKey, r.data))).toBe(hex(emsaPkcs1v15(d.digestInfo, 256)));
    // and not under the user-auth key. The signing key's signature is a number below the signing modulus, which is
    // above the user-auth modulus whenever that one is the smaller and the number falls between them (both keys are
    // random; CI met it once): RFC 8017 8.2.2 rejects that as out of range before any arithmetic, which is a
    // failure to verify all the same.
    const authKey = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger(hex(userAuthN), 16), new forge.jsbn.BigInteger('10001', 16));
    let underAuthKey: string;
    try {
      underAuthKey = hex(rsaPublicOp(authKey, r.data));
    } catch (err) {
      expect((err as Error).message).toBe('signature representative out of range (s >= n)');
      underAuthKey = 'out of range';
    }
    expect(underAuthKey).not.toBe(hex(emsaPkcs1v15(d.digestInfo, 256)));
  });

  it('never gives out the private key, and refuses to generate again once personalized', async () => {
    await jpki.selectAp();
    await jpki.verifyPin('1234');
    await jpki.selectEf(EF.USER_AUTH_KEY);
    expect((await jpki.readBinary(0, 256)).sw).toBe(0x6981);
    expect((await s.transmit({ cla: 0, ins: 0x46, p1: 0, p2: 0 })).sw).toBe(0x6985);
    expect((await s.transmit({ cla: 0, ins: 0x46, p1: 0, p2: 0x9a })).sw).toBe(0x6985);
    await jpki.selectEf(0x001a);
    expect((await jpki.readBinary(0, 256)).sw).toBe(0x6981);
  });
});
