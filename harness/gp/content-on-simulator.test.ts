// Card content management on the simulator, end to end: the JPKI applet, which is not on the simulator's class
// path, is loaded as a load file through an SCP03 channel, installed, personalized and made to sign byte for
// byte, deleted, and installed again; GET STATUS follows every step.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { JpkiClient } from '../jpki/client.ts';
import { personalizeThroughDomain } from '../jpki/provision.ts';
import { loadJpkiVectors, type JpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { buildLab } from '../sim/build.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { getStatus, getStatusLegacy } from './card-content.ts';
import { deleteAid, installAndMakeSelectable, installCommand, installForPersonalization, loadLoadFile, setApplicationLocked, setCardLocked } from './content.ts';
import { buildJarLoadFile } from './load-file.ts';
import { openSecureChannel, type SecureChannel } from './secure-channel.ts';

const ISD = 'A000000151000000';
const PKG = 'D392F0002601';
const JPKI = 'D392F000260100000001';
const TEST_KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const keys = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;
let lfdb: Uint8Array;
let vectors: JpkiVectors;

async function channel(level = 0x03): Promise<SecureChannel> {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
  return openSecureChannel(s, keys, { level });
}

beforeAll(async () => {
  const lab = await buildLab();
  lfdb = await buildJarLoadFile({ classesDir: lab.applets.jpki!, packageAid: PKG, applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet' }] });
  vectors = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
  sim = await startSimulator({ atr: '3BFA1800008131FE454A434F5033315632333298', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4, applets: [] },
    { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
});
afterAll(async () => {
  await sim?.stop();
});

describe('load, install and delete on the simulator', () => {
  it('knows no JPKI applet before the load file arrives', async () => {
    expect((await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(10, ...fromHex(JPKI), 0, 0) })).sw).toBe(0x6444);
    const ch = await channel();
    expect(await getStatus(ch, 0x40)).toEqual([]);
  });

  it('loads the load file in LOAD blocks and lists it as LOADED', async () => {
    const ch = await channel();
    const blocks = await loadLoadFile(ch, PKG, lfdb);
    expect(blocks).toBeGreaterThan(1);
    expect(await getStatus(ch, 0x20)).toEqual([{ aid: PKG, lifeCycle: 0x01, privileges: '' }]);
  });

  it('installs and makes selectable an instance, listed SELECTABLE with its privileges', async () => {
    const ch = await channel();
    await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI, privileges: '00' });
    expect(await getStatus(ch, 0x40)).toEqual([{ aid: JPKI, lifeCycle: 0x07, privileges: '00' }]);
  });

  it('locks and unlocks the instance with SET STATUS; a locked applet cannot be selected', async () => {
    const ch = await channel();
    expect(await setApplicationLocked(ch, JPKI, true)).toBe(0x9000);
    expect(await getStatus(ch, 0x40)).toEqual([{ aid: JPKI, lifeCycle: 0x87, privileges: '00' }]);
    expect(await getStatusLegacy(ch, 0x40)).toEqual([{ aid: JPKI, lifeCycle: 0x87, privileges: '00' }]);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x6999);
    const again = await channel();
    expect(await setApplicationLocked(again, JPKI, false)).toBe(0x9000);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x9000);
  });

  it('locks the card: only the issuer domain can then be selected, until it unlocks the card', async () => {
    let ch = await channel();
    expect(await setCardLocked(ch, true)).toBe(0x9000);
    expect(await getStatus(ch, 0x80)).toEqual([{ aid: ISD, lifeCycle: 0x7f, privileges: '9EFE80' }]);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x6a82);
    ch = await channel();
    expect(await setCardLocked(ch, false)).toBe(0x9000);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x9000);
  });

  it('refuses a second instance with the same AID (6985)', async () => {
    const ch = await channel();
    expect((await ch.transmit(installCommand({ loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI }))).sw).toBe(0x6985);
  });

  it('refuses encrypted DGIs sent straight to the applet, without its security domain', async () => {
    const jpki = new JpkiClient(s);
    await jpki.selectAp();
    expect((await s.transmit({ cla: 0x80, ins: 0xe2, p1: 0xe8, p2: 0, data: new Uint8Array(19) }, { redact: 'command-data' })).sw).toBe(0x6a86);
  });

  it('personalizes the applet through its security domain, key DGIs encrypted under the DEK, and it signs byte for byte', async () => {
    const ch = await channel(0x03);
    await installForPersonalization(ch, JPKI);
    const blocks = await personalizeThroughDomain(ch, vectors, '1234', 3);
    expect(blocks).toBeGreaterThan(6);
    expect(await getStatus(ch, 0x40)).toEqual([{ aid: JPKI, lifeCycle: 0x0f, privileges: '00' }]);
    const trace = s.trace.format();
    expect(trace).not.toContain(hex(vectors.key.p.subarray(0, 8), ' '));
    const jpki = new JpkiClient(s);
    const v = vectors.digestInfos[0]!;
    await jpki.selectAp();
    await jpki.verifyPin('1234');
    expect(hex(await jpki.sign(v.digestInfo))).toBe(hex(vectors.signatures.find((x) => x.digestInfoId === v.id)!.signature));
  });

  it('deletes the instance, keeps the load file, and installs a fresh instance from it', async () => {
    let ch = await channel();
    expect(await deleteAid(ch, JPKI)).toBe(0x9000);
    expect(await getStatus(ch, 0x40)).toEqual([]);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x6a82);
    ch = await channel();
    await installAndMakeSelectable(ch, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI });
    // A fresh instance is not personalized: it takes STORE DATA again and refuses to sign.
    const jpki = new JpkiClient(s);
    await jpki.selectAp();
    expect((await s.transmit({ cla: 0x80, ins: 0x2a, p1: 0, p2: 0x97, data: new Uint8Array(51), le: 256 })).sw).toBe(0x6985);
  });

  it('refuses to delete a load file that still has instances, unless asked to delete them too', async () => {
    const ch = await channel();
    expect(await deleteAid(ch, PKG)).toBe(0x6985);
    expect(await deleteAid(ch, PKG, { related: true })).toBe(0x9000);
    expect(await getStatus(ch, 0x20)).toEqual([]);
    expect(await getStatus(ch, 0x40)).toEqual([]);
    expect(await deleteAid(ch, ISD)).toBe(0x6985);
  });

  it('refuses content management outside a secure channel', async () => {
    await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) });
    expect((await s.transmit(installCommand({ loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI }))).sw).toBe(0x6982);
  });
});
