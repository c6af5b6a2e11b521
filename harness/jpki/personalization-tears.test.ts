// Tears during personalization: the simulator cuts the power at the 1st, 2nd, ... persistent write of the STORE
// DATA sequence, until one runs to the end. After each tear the card is inserted again and must be either not
// personalized (and then take a complete personalization and sign the known answers) or fully personalized;
// never half: no usable PIN or key with missing pieces, no refusal to personalize again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { deleteAid } from '../gp/content.ts';
import { openSecureChannel } from '../gp/secure-channel.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { CardGoneError } from '../transport/transport.ts';
import { JpkiClient, JPKI_AP_AID } from './client.ts';
import { createApplet, personalizeFixture } from './provision.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

const PIN = '1234';
let sim: RunningSimulator;
let s: CardSession;
let v: JpkiVectors;

async function freshApplet(): Promise<void> {
  // CREATE APPLET refuses an AID in use, so each round first deletes the previous instance through the ISD.
  const key = fromHex('404142434445464748494A4B4C4D4E4F');
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A000000151000000') })).sw).toBe(0x9000);
  const ch = await openSecureChannel(s, { enc: key, mac: key, dek: key }, { level: 0x01 });
  await deleteAid(ch, hex(JPKI_AP_AID));
  await createApplet(s, JPKI_AP_AID);
}

/** Both halves work: each key signs its known answer after its own PIN (NIST CAVP and Wycheproof signatures). */
async function signsKnownAnswer(jpki: JpkiClient): Promise<void> {
  await jpki.selectAp();
  expect(await jpki.verifyPin(PIN)).toEqual({ verified: true });
  const d = v.digestInfos[0]!;
  expect(hex(await jpki.sign(d.digestInfo))).toBe(hex(v.signatures.find((x) => x.digestInfoId === d.id)!.signature));
  const password = new TextEncoder().encode(v.signingPin);
  s.trace.registerSecret(password);
  expect((await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x9b, data: password }, { redact: 'command-data' })).sw).toBe(0x9000);
  const known = v.signingSignatures[0]!;
  const r = await s.transmit({ cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x9a, data: known.digestInfo, le: 256 }, { name: 'COMPUTE DIGITAL SIGNATURE (signing key)' });
  expect(hex(r.data)).toBe(hex(known.signature));
}

beforeAll(async () => {
  v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
  sim = await startSimulator({
    atr: '3BFA1800008131FE454A434F5033315632333298', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 1,
    applets: [{ aid: hex(JPKI_AP_AID), class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }],
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
});
afterAll(async () => {
  await sim?.stop();
});

describe('power cut at every persistent write of personalization', () => {
  it('leaves the applet unpersonalized or fully personalized, never in between', async () => {
    const outcomes: string[] = [];
    for (let write = 1; write <= 500; write++) {
      await freshApplet();
      const jpki = new JpkiClient(s);
      await jpki.selectAp();
      await sim.tearAtWrite(write);
      const torn = await personalizeFixture(s, v, PIN, 3).then(() => false, (e: unknown) => {
        if (!(e instanceof CardGoneError)) throw e;
        return true;
      });
      if (!torn) {
        // The tear point lies beyond the last write: personalization completed. Every earlier one was tested.
        await sim.tearAtWrite(0);
        await signsKnownAnswer(jpki);
        outcomes.push(`complete after ${write - 1} writes`);
        break;
      }
      const t = await sim.moveToNewReader();
      await t.connect();
      s.moveTo(t);
      await jpki.selectAp();
      const probe = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x98 }, { name: 'VERIFY (state after the tear)' });
      const signingProbe = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x9b }, { name: 'VERIFY signing (state after the tear)' });
      // Both halves come together or not at all.
      expect(signingProbe.sw === 0x6985, `tear at write ${write}`).toBe(probe.sw === 0x6985);
      if (probe.sw === 0x6985) {
        await personalizeFixture(s, v, PIN, 3);
        outcomes.push(`${write}: not personalized, then personalized`);
      } else {
        outcomes.push(`${write}: personalized`);
      }
      await signsKnownAnswer(jpki);
    }
    expect(outcomes[outcomes.length - 1]).toMatch(/^complete after \d+ writes$/);
    expect(outcomes.length).toBeGreaterThan(10);
    // Only the final commit can be the dividing line: a tear before it leaves nothing personalized.
    expect(outcomes.slice(0, -1).filter((o) => o.endsWith(': personalized'))).toEqual([]);
  }, 240_000);
});
