// Both halves of the reference JPKI AP on the simulator, with raw APDUs as a card reader would send them: the
// signing certificate EF 0001 refused before the signing password and served after it, signatures with the signing
// key (001A / P2 9A) verified against the key of the certificate read from the card (node-forge for RSA,
// @noble/curves for ECDSA), tries left and blocking for both PINs, the one PIN never unlocking the other's key,
// CHANGE REFERENCE DATA and the format checks. Four cards: RSA-2048 and ECDSA P-384 signing keys, each injected
// (published keys) and generated on the card (then certified by the test CAs); on a T=1 card with extended length
// and on a T=0 card with short APDUs only.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { issueSigningCertificate, issueUserAuthCertificate, loadSigningTestCa, loadTestCa } from '../ca/test-ca.ts';
import { deleteAid } from '../gp/content.ts';
import { openSecureChannel } from '../gp/secure-channel.ts';
import { repoRoot } from '../paths.ts';
import { startSimulator, type RunningSimulator, type SimSettings } from '../sim/launch.ts';
import { JpkiClient, JPKI_AP_AID } from './client.ts';
import { verifyEcdsa } from './ecdsa-check.ts';
import type { EcCurve, KeyAlgorithm } from './key-algorithm.ts';
import {
  createApplet, directSender, fileDgis, fixturePersonalization, generateKeyOnCard, personalize, pinDgis, sendDgis,
  type CardPublicKey, type JpkiPersonalization,
} from './provision.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

const VECTORS = join(repoRoot, 'vectors', 'jpki');
const AUTH_PIN = '1234';
const SIGNING_PIN = 'SIMCERT1';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

let sim: RunningSimulator;
let s: CardSession;
let jpki: JpkiClient;
let v: JpkiVectors;

const base: Omit<SimSettings, 'protocol' | 'extendedLength' | 'apduBufferSize'> = {
  atr: '3BFA1800008131FE454A434F5033315632333298', logicalChannels: 1,
  applets: [{ aid: hex(JPKI_AP_AID), class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }],
};
const VARIANTS: { name: string; sim: SimSettings }[] = [
  { name: 'T=1, extended length', sim: { ...base, protocol: 'T=1', extendedLength: true, apduBufferSize: 2048 } },
  { name: 'T=0, short APDUs only', sim: { ...base, protocol: 'T=0', extendedLength: false, apduBufferSize: 261 } },
];

beforeAll(async () => {
  v = await loadJpkiVectors(VECTORS);
});

/** A new instance of the applet (CREATE APPLET refuses an AID in use, so the old one is deleted through the ISD). */
async function freshApplet(auth: KeyAlgorithm, signing: KeyAlgorithm): Promise<void> {
  const key = fromHex('404142434445464748494A4B4C4D4E4F');
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A000000151000000') })).sw).toBe(0x9000);
  const ch = await openSecureChannel(s, { enc: key, mac: key, dek: key }, { level: 0x01 });
  await deleteAid(ch, hex(JPKI_AP_AID));
  await createApplet(s, JPKI_AP_AID, auth, signing);
}

async function sw(cla: number, ins: number, p1: number, p2: number, data?: Uint8Array, le?: number, secret = false): Promise<number> {
  return (await s.transmit({ cla, ins, p1, p2, data, le }, { redact: secret ? 'command-data' : undefined })).sw;
}
const selectAp = () => jpki.selectAp();
const selectEf = (fid: number) => sw(0x00, 0xa4, 0x02, 0x0c, Uint8Array.of(fid >> 8, fid & 0xff));
/** VERIFY by short EF identifier: P2 98 the user-auth PIN, 9B the signing password; no value = tries left. */
const verify = (p2: number, pin?: string) => sw(0x00, 0x20, 0x00, p2, pin === undefined ? undefined : enc(pin), undefined, true);
const change = (p2: number, pin: string) => sw(0x00, 0x24, 0x01, p2, enc(pin), undefined, true);
const readBinary = (offset: number) => s.transmit({ cla: 0x00, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, le: 256 });
async function sign(p1: number, p2: number, data: Uint8Array): Promise<{ sw: number; data: Uint8Array }> {
  return s.transmit({ cla: 0x80, ins: 0x2a, p1, p2, data, le: 256 });
}

interface Card {
  signing: KeyAlgorithm;
  signingPublic: CardPublicKey;
  userAuthPublic: CardPublicKey;
  files: Map<string, Uint8Array>;
}

function ecKeyOf(curve: EcCurve): CardPublicKey {
  return { kind: 'ec', curve, point: v.ecKeys[curve].point };
}

async function certificates(userAuth: CardPublicKey, signing: CardPublicKey): Promise<Map<string, Uint8Array>> {
  const notBefore = new Date(Date.UTC(2026, 0, 1));
  const files = new Map(v.files);
  files.set('000A', issueUserAuthCertificate(await loadTestCa(VECTORS), userAuth, { subjectId: 'SIMCERT-AUTH-T1', serial: '6001', notBefore }));
  files.set('0001', issueSigningCertificate(await loadSigningTestCa(VECTORS), signing, { subjectId: 'SIMCERT-SIGN-T1', serial: '6002', notBefore }));
  return files;
}

/** Installs and personalizes one card of the matrix; returns what the tests check it against. */
async function provision(signing: KeyAlgorithm, mode: 'inject' | 'on-card'): Promise<Card> {
  // The injected EC card pairs the two published EC keys (RFC 6979 P-256 for user authentication, P-384 for
  // signing), so the two halves hold different keys and the mixed install parameters `80 01 02 81 01 03` are used.
  const auth: KeyAlgorithm = signing === 'rsa2048' ? 'rsa2048' : mode === 'inject' ? 'p256' : signing;
  await freshApplet(auth, signing);
  await selectAp();
  if (mode === 'inject') {
    if (signing === 'rsa2048') {
      const p = fixturePersonalization(v, AUTH_PIN, 3, SIGNING_PIN, 5);
      await personalize(s, p);
      return { signing, files: v.files, userAuthPublic: { kind: 'rsa', n: v.key.n, e: v.key.e }, signingPublic: { kind: 'rsa', n: v.signingKey.n, e: v.signingKey.e } };
    }
    const userAuthPublic = ecKeyOf('p256');
    const signingPublic = ecKeyOf(signing as EcCurve);
    const files = await certificates(userAuthPublic, signingPublic);
    const p: JpkiPersonalization = {
      userAuth: { key: { kind: 'ec', d: v.ecKeys.p256.d }, pin: AUTH_PIN, tryLimit: 3 },
      signing: { key: { kind: 'ec', d: v.ecKeys[signing as EcCurve].d }, pin: SIGNING_PIN, tryLimit: 5 },
      files,
    };
    await personalize(s, p);
    return { signing, files, userAuthPublic, signingPublic };
  }
  await sendDgis(directSender(s), [...pinDgis(AUTH_PIN, 3), ...pinDgis(SIGNING_PIN, 5, 'signing')], { final: false });
  const userAuthPublic = await generateKeyOnCard(jpki, auth, 'userAuth');
  const signingPublic = await generateKeyOnCard(jpki, signing, 'signing');
  expect(hex(signingPublic.kind === 'rsa' ? signingPublic.n : signingPublic.point))
    .not.toBe(hex(userAuthPublic.kind === 'rsa' ? userAuthPublic.n : userAuthPublic.point));
  const files = await certificates(userAuthPublic, signingPublic);
  await sendDgis(directSender(s), fileDgis(files), { final: true });
  return { signing, files, userAuthPublic, signingPublic };
}

/** Checks a signature over `message` (SHA-256 DigestInfo for RSA, the curve's hash for EC) under the certificate's key. */
function verifies(card: Card, certDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (card.signing === 'rsa2048') {
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(certDer)));
    const md = forge.md.sha256.create();
    md.update(forge.util.binary.raw.encode(message));
    return (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().bytes(), forge.util.binary.raw.encode(signature));
  }
  // node-forge reads no EC certificates: the key is the one certified (the harness built the certificate from it
  // and checks below that EF 0001 holds that certificate byte for byte).
  const curve = card.signing as EcCurve;
  const point = (card.signingPublic as { point: Uint8Array }).point;
  return verifyEcdsa(curve, point, createHash(curve === 'p256' ? 'sha256' : 'sha384').update(message).digest(), signature);
}

/** The data COMPUTE DIGITAL SIGNATURE P1 00 takes for a message: the DigestInfo (RSA) or the hash (EC). */
function toBeSigned(card: Card, message: Uint8Array): Uint8Array {
  if (card.signing === 'rsa2048') {
    return Uint8Array.from([...fromHex('3031300d060960864801650304020105000420'), ...createHash('sha256').update(message).digest()]);
  }
  return createHash(card.signing === 'p256' ? 'sha256' : 'sha384').update(message).digest();
}

for (const variant of VARIANTS) {
  describe(`both JPKI halves on the simulator (${variant.name})`, () => {
    beforeAll(async () => {
      sim = await startSimulator(variant.sim, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
      await sim.transport.connect();
      s = new CardSession(sim.transport, { extendedLength: variant.sim.extendedLength });
      jpki = new JpkiClient(s);
      s.trace.registerSecret(enc(AUTH_PIN));
      s.trace.registerSecret(enc(SIGNING_PIN));
    });
    afterAll(async () => {
      await sim?.stop();
    });

    const MATRIX = [
      { signing: 'rsa2048', mode: 'inject' }, { signing: 'rsa2048', mode: 'on-card' },
      { signing: 'p384', mode: 'inject' }, { signing: 'p384', mode: 'on-card' },
    ] as const;

    describe.each(MATRIX)('JPKI AP, $signing signing key, $mode', ({ signing, mode }) => {
      let card: Card;
      beforeAll(async () => {
        card = await provision(signing, mode);
      }, 120_000);

      it('refuses EF 0001 before the signing password (also after the user-auth PIN), serves it after; 0002 and 0008 are free', async () => {
        await selectAp();
        expect(await selectEf(0x0001)).toBe(0x9000);
        const before = await readBinary(0);
        expect(before.sw).toBe(0x6982);
        expect(before.data.length).toBe(0);
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
        expect(await selectEf(0x0001)).toBe(0x9000);
        expect((await readBinary(0)).sw).toBe(0x6982);
        expect(hex(await jpki.readEf(0x0002))).toBe(hex(v.files.get('0002')!));
        expect(hex(await jpki.readEf(0x0008))).toBe('8F8F00');
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000);
        expect(hex(await jpki.readEf(0x0001))).toBe(hex(card.files.get('0001')!));
        await selectAp(); // re-selecting the AP forgets the password
        expect(await selectEf(0x0001)).toBe(0x9000);
        expect((await readBinary(0)).sw).toBe(0x6982);
      });

      it('signs with the signing key (P2 9A and SELECT 001A + P2 80) only after the signing password; the certificate read verifies it', async () => {
        await selectAp();
        const message = v.signingSignatures[1]!.message;
        expect((await sign(0x00, 0x9a, toBeSigned(card, message))).sw).toBe(0x6982);
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
        expect((await sign(0x00, 0x9a, toBeSigned(card, message))).sw).toBe(0x6982); // the auth PIN does not unlock 001A
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000);
        const cert = await jpki.readEf(0x0001);
        const byRef = await sign(0x00, 0x9a, toBeSigned(card, message));
        expect(byRef.sw).toBe(0x9000);
        expect(verifies(card, cert, message, byRef.data)).toBe(true);
        expect(await selectEf(0x001a)).toBe(0x9000);
        const bySelect = await sign(0x03, 0x80, message); // P1 03: the card hashes the message
        expect(bySelect.sw).toBe(0x9000);
        expect(verifies(card, cert, message, bySelect.data)).toBe(true);
        expect(verifies(card, cert, enc('another message'), bySelect.data)).toBe(false);
        if (card.signing === 'rsa2048') {
          if (mode === 'inject') {
            // The Wycheproof key: the card's RSASSA-PKCS1-v1_5 signatures equal the published ones, byte for byte.
            for (const known of v.signingSignatures) {
              const r = await sign(0x00, 0x9a, known.digestInfo);
              expect(hex(r.data), known.id).toBe(hex(known.signature));
            }
          }
        } else {
          // A random nonce: two signatures of the same hash differ in r (a repeated r would leak the private key).
          const n = 48;
          expect(hex(byRef.data.subarray(0, n))).not.toBe(hex(bySelect.data.subarray(0, n)));
        }
      });

      it('the signing password does not unlock the user-auth key, nor the reverse', async () => {
        await selectAp();
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000);
        const authInput = card.userAuthPublic.kind === 'rsa' ? v.digestInfos[0]!.digestInfo
          : createHash(card.userAuthPublic.curve === 'p256' ? 'sha256' : 'sha384').update(enc('x')).digest();
        expect((await sign(0x00, 0x97, authInput)).sw).toBe(0x6982);
        expect(await selectEf(0x0017)).toBe(0x9000);
        expect((await sign(0x00, 0x80, authInput)).sw).toBe(0x6982);
        await selectAp();
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
        expect((await sign(0x00, 0x97, authInput)).sw).toBe(0x9000);
        expect(await verify(0x9b)).toBe(0x63c5); // the signing password is still not verified
      });

      it('reports the tries left of both PINs with a bare VERIFY, by SFI and after SELECT of the PIN EF', async () => {
        await selectAp();
        expect(await verify(0x98)).toBe(0x63c3);
        expect(await verify(0x9b)).toBe(0x63c5);
        expect(await selectEf(0x001b)).toBe(0x9000);
        expect(await sw(0x00, 0x20, 0x00, 0x80)).toBe(0x63c5);
        expect(await selectEf(0x0018)).toBe(0x9000);
        expect(await sw(0x00, 0x20, 0x00, 0x80)).toBe(0x63c3);
        expect(await verify(0x9b, 'WRONG1')).toBe(0x63c4);
        expect(await verify(0x98)).toBe(0x63c3); // the other counter is untouched
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000); // the right password restores the tries
        expect(await verify(0x9b)).toBe(0x9000);
        await selectAp();
        expect(await verify(0x9b)).toBe(0x63c5);
      });

      it('changes both PINs after VERIFY only, to well-formed values only, keeping the try limit', async () => {
        await selectAp();
        expect(await change(0x9b, 'NEWPASS2')).toBe(0x6982);
        expect(await change(0x98, '5678')).toBe(0x6982);
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000);
        for (const bad of ['newpass2', 'ABC12', 'ABCDEFGHIJKLMNOPQ', 'NEW-PASS']) expect(await change(0x9b, bad), bad).toBe(0x6a80);
        expect(await change(0x9b, 'NEWPASS2')).toBe(0x9000);
        expect(await verify(0x9b)).toBe(0x63c5); // the new value must be verified again; the limit is still 5
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x63c4);
        expect(await selectEf(0x001b)).toBe(0x9000);
        expect(await sw(0x00, 0x20, 0x00, 0x80, enc('NEWPASS2'), undefined, true)).toBe(0x9000);
        expect(await sw(0x00, 0x24, 0x01, 0x80, enc(SIGNING_PIN), undefined, true)).toBe(0x9000); // current EF 001B
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
        for (const bad of ['12a4', '12345', '123']) expect(await change(0x98, bad), bad).toBe(0x6a80);
        expect(await change(0x98, '5678')).toBe(0x9000);
        expect(await verify(0x98, '5678')).toBe(0x9000);
        expect(await change(0x98, AUTH_PIN)).toBe(0x9000);
        expect(await verify(0x98)).toBe(0x63c3);
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x9000);
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
      });

      it('checks formats: Lc > 16 (no try spent), P1/P2, no PIN or key selected, key EFs unreadable, no GENERATE once personalized', async () => {
        await selectAp();
        expect(await verify(0x9b, 'A'.repeat(17))).toBe(0x6700);
        expect(await verify(0x9b)).toBe(0x63c5);
        expect(await sw(0x00, 0x20, 0x01, 0x9b, enc(SIGNING_PIN), undefined, true)).toBe(0x6a86);
        expect(await sw(0x00, 0x20, 0x00, 0x99, enc(SIGNING_PIN), undefined, true)).toBe(0x6a86);
        expect(await sw(0x00, 0x20, 0x00, 0x80)).toBe(0x6986); // no PIN EF selected
        expect((await sign(0x00, 0x9b, new Uint8Array(32))).sw).toBe(0x6a86);
        expect((await sign(0x00, 0x80, new Uint8Array(32))).sw).toBe(0x6986); // no key EF selected
        expect(await selectEf(0x001a)).toBe(0x9000);
        expect((await readBinary(0)).sw).toBe(0x6981);
        expect(await sw(0x00, 0x46, 0x00, 0x9a)).toBe(0x6985);
        expect(await sw(0x00, 0x46, 0x00, 0x00)).toBe(0x6985);
      });

      it('runs the signing password down 5 tries to 63C0 (wrong values of any format), then 6984; the user-auth half keeps working', async () => {
        await selectAp();
        const wrong = ['WRONG1', '1234', 'abcdef', 'ZZZZZZZZZZZZZZZZ', 'YYYYYY'];
        const answers: number[] = [];
        for (const w of wrong) answers.push(await verify(0x9b, w));
        expect(answers.map((x) => x.toString(16))).toEqual(['63c4', '63c3', '63c2', '63c1', '63c0']);
        expect(await verify(0x9b)).toBe(0x6984);
        expect(await verify(0x9b, SIGNING_PIN)).toBe(0x6984);
        expect((await sign(0x00, 0x9a, toBeSigned(card, enc('m')))).sw).toBe(0x6982);
        expect(await verify(0x98, AUTH_PIN)).toBe(0x9000);
        expect(await verify(0x98)).toBe(0x9000);
      });

      it('runs the user-auth PIN down 3 tries to 63C0, then 6984', async () => {
        await selectAp();
        const answers = [await verify(0x98, '0000'), await verify(0x98, 'ABCD'), await verify(0x98, '00000')];
        expect(answers.map((x) => x.toString(16))).toEqual(['63c2', '63c1', '63c0']);
        expect(await verify(0x98)).toBe(0x6984);
        expect(await verify(0x98, AUTH_PIN)).toBe(0x6984);
      });
    });

    describe('install parameters of the two keys', () => {
      it('refuses an unknown signing-key algorithm or a repeated tag, and leaves no instance', async () => {
        for (const params of ['810109', '800101800101', '820101']) {
          const key = fromHex('404142434445464748494A4B4C4D4E4F');
          expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A000000151000000') })).sw).toBe(0x9000);
          const ch = await openSecureChannel(s, { enc: key, mac: key, dek: key }, { level: 0x01 });
          await deleteAid(ch, hex(JPKI_AP_AID)).catch(() => 0);
          const aid = JPKI_AP_AID;
          const p = fromHex(params);
          const data = Uint8Array.from([aid.length, ...aid, 0x00, p.length, ...p]);
          const r = await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data }, { name: `CREATE APPLET ${params}` });
          expect(r.sw, params).not.toBe(0x9000);
          expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: JPKI_AP_AID })).sw).toBe(0x6a82);
        }
        await createApplet(s, JPKI_AP_AID, 'rsa2048', 'p384'); // and leaves the AID usable
      });

      it('keeps PINs and key material out of the trace', () => {
        const text = s.trace.format();
        expect(text).not.toContain(hex(enc(SIGNING_PIN), ' '));
        for (const part of [v.signingKey.p, v.signingKey.q, v.ecKeys.p384.d]) expect(text).not.toContain(hex(part.subarray(0, 8), ' '));
      });
    });
  });
}
