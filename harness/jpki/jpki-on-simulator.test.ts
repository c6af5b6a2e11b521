// The JPKI client, the fixture personalization and the APDU layer against the real simulator and reference
// applet (lab/), over the vpcd socket: once as a T=1 card with extended length, once as a T=0 card with short
// APDUs only, where every response must come through GET RESPONSE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { startSimulator, type RunningSimulator, type SimSettings } from '../sim/launch.ts';
import { EF, JpkiClient, JPKI_AP_AID, PinSafetyError } from './client.ts';
import { createApplet, personalizeFixture } from './provision.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

const PIN = '1234';
const base: Omit<SimSettings, 'protocol' | 'extendedLength' | 'apduBufferSize'> = {
  atr: '3B9F96801FC78031E073FE211B633A204E8300900031',
  logicalChannels: 4,
  applets: [{ aid: hex(JPKI_AP_AID), class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }],
};

const variants: { name: string; sim: SimSettings }[] = [
  { name: 'T=1, extended length', sim: { ...base, protocol: 'T=1', extendedLength: true, apduBufferSize: 2048 } },
  { name: 'T=0, short APDUs only', sim: { ...base, protocol: 'T=0', extendedLength: false, apduBufferSize: 261 } },
];

let vectors: JpkiVectors;
beforeAll(async () => {
  vectors = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
});

for (const variant of variants) {
  describe(`JPKI applet on the simulator (${variant.name})`, () => {
    let sim: RunningSimulator;
    let session: CardSession;
    let jpki: JpkiClient;

    beforeAll(async () => {
      sim = await startSimulator(variant.sim, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
      await sim.transport.connect();
      session = new CardSession(sim.transport, { extendedLength: variant.sim.extendedLength });
      jpki = new JpkiClient(session);
      await createApplet(session, JPKI_AP_AID);
      await jpki.selectAp();
      await personalizeFixture(session, vectors, PIN, 3);
    });
    afterAll(async () => {
      await sim?.stop();
    });

    it('serves the personalized certificate byte for byte, across 256-byte READ BINARY chunks', async () => {
      await jpki.selectAp();
      const cert = await jpki.readEf(EF.USER_AUTH_CERT);
      expect(cert.length).toBeGreaterThan(256);
      expect(hex(cert)).toBe(hex(vectors.files.get('000A')!));
      if (!variant.sim.extendedLength) {
        expect(session.trace.entries.every((e) => e.command.replace(/\s/g, '').length / 2 <= 261), 'short APDUs only').toBe(true);
      }
    });

    it('answers a READ BINARY that asks for more than is left with the rest (T=0: 6Cxx, then the re-sent command)', async () => {
      await jpki.selectAp();
      const size = vectors.files.get('000A')!.length;
      await jpki.selectEf(EF.USER_AUTH_CERT);
      const from = session.trace.entries.length;
      const r = await jpki.readBinary(size - 3, 256);
      expect(r.sw).toBe(0x9000);
      expect(hex(r.data)).toBe(hex(vectors.files.get('000A')!.subarray(size - 3)));
      const resent = session.trace.entries.slice(from).some((e) => e.name.endsWith('[Le=3]'));
      expect(resent).toBe(variant.sim.protocol === 'T=0');
      expect((await jpki.readBinary(size, 1)).sw).toBe(0x6b00);
    });

    it('signs every DigestInfo vector to the expected signature', async () => {
      for (const v of vectors.digestInfos) {
        await jpki.selectAp();
        expect(await jpki.verifyPin(PIN)).toEqual({ verified: true });
        const expected = vectors.signatures.find((s) => s.digestInfoId === v.id)!;
        expect(hex(await jpki.sign(v.digestInfo)), v.id).toBe(hex(expected.signature));
      }
      // T=0 has no room for a 256-byte answer in the command exchange: it must come through GET RESPONSE.
      const viaGetResponse = session.trace.entries.some((e) => e.name === 'COMPUTE DIGITAL SIGNATURE [GET RESPONSE]');
      expect(viaGetResponse).toBe(variant.sim.protocol === 'T=0');
    });

    it('refuses a second personalization once PERSONALIZED', async () => {
      await jpki.selectAp();
      const r = await session.transmit({ cla: 0x80, ins: 0xe2, p1: 0x88, p2: 0x00, data: Uint8Array.of(0x80, 0x10, 0x04, 0x39, 0x39, 0x39, 0x39) },
        { redact: 'command-data' });
      expect(r.sw).toBe(0x6985);
      expect(await jpki.verifyPin(PIN)).toEqual({ verified: true }); // the PIN did not change
    });

    it('never returns the private key', async () => {
      await jpki.selectAp();
      await jpki.verifyPin(PIN);
      await jpki.selectEf(EF.USER_AUTH_KEY);
      const r = await jpki.readBinary(0, 256);
      expect(r.sw).not.toBe(0x9000);
      expect(r.data.length).toBe(0);
    });

    it('does not spend the last PIN try, and a reset keeps the try counter', async () => {
      await jpki.selectAp();
      expect(await jpki.verifyPin('0000')).toEqual({ verified: false, triesLeft: 2 });
      expect(await jpki.verifyPin('0001')).toEqual({ verified: false, triesLeft: 1 });
      await expect(jpki.verifyPin('0002')).rejects.toBeInstanceOf(PinSafetyError);
      await sim.transport.reset('cold');
      await jpki.selectAp();
      expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: 1 });
      expect(await jpki.verifyPin(PIN, { allowLastTry: true })).toEqual({ verified: true });
      await jpki.selectAp();
      expect(await jpki.pinState()).toEqual({ verified: false, triesLeft: 3 });
    });

    it('keeps the PIN and key material out of the trace', () => {
      const text = session.trace.format();
      expect(text).not.toContain('31 32 33 34');
      for (const part of [vectors.key.p, vectors.key.q, vectors.key.dp]) {
        expect(text).not.toContain(hex(part.subarray(0, 8), ' '));
      }
    });
  });
}
