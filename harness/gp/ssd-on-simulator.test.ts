// The carrier / service-provider split on the simulator: with the issuer domain's keys the carrier creates a
// supplementary security domain and puts the service provider's key set into it; with only those keys the
// service provider installs the JPKI applet through its domain, cannot load into another domain, and cannot open
// the issuer domain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { concat, fromHex, hex } from '../bytes.ts';
import { buildLab } from '../sim/build.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { getStatus } from './card-content.ts';
import { installAndMakeSelectable, loadLoadFile } from './content.ts';
import { buildJarLoadFile } from './load-file.ts';
import { putKeyCommand } from './put-key.ts';
import { openSecureChannel, WrongKeysError, type SecureChannel } from './secure-channel.ts';

const ISD = 'A000000151000000';
const SSD = 'F0534D434552545353440001';
const PKG = 'D392F0002601';
const JPKI = 'D392F000260100000001';
const ISD_KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const isdKeys = { enc: ISD_KEY, mac: ISD_KEY, dek: ISD_KEY, kvn: 0x30 };
// The service provider's key set: pySim's AES-128 test keys, whose KCVs are published (vectors/gp/scp03.json).
const spKeys = { enc: fromHex('000102030405060708090a0b0c0d0e0f'), mac: fromHex('101112131415161718191a1b1c1d1e1f'), dek: fromHex('202122232425262728292a2b2c2d2e2f'), kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;

async function open(sd: string, keys: typeof isdKeys): Promise<SecureChannel> {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(sd) })).sw).toBe(0x9000);
  return openSecureChannel(s, keys, { level: 0x03, sdAid: sd });
}

beforeAll(async () => {
  sim = await startSimulator({ atr: '3B00', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 1, applets: [] },
    { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
});
afterAll(async () => {
  await sim?.stop();
});

describe('carrier and service provider', () => {
  it('the carrier creates the service provider\'s domain with the issuer keys', async () => {
    const isd = await open(ISD, isdKeys);
    await installAndMakeSelectable(isd, { loadFileAid: 'A0000001515350', moduleAid: 'A000000151535041', instanceAid: SSD, privileges: '80' });
    expect(await getStatus(isd, 0x40)).toContainEqual({ aid: SSD, lifeCycle: 0x07, privileges: '80' });
  });

  it('the carrier puts the service provider\'s key set into it (PUT KEY, answered with the new KCVs)', async () => {
    const ssd = await open(SSD, isdKeys);
    const r = await ssd.send(putKeyCommand(isdKeys.dek, spKeys, 0x30, 0x30), 'PUT KEY');
    expect(hex(r.data)).toBe('30C35280013808840DE5');
    await expect(open(SSD, isdKeys)).rejects.toThrow(WrongKeysError);
  });

  it('the service provider, with only its keys, loads and installs the applet through its domain', async () => {
    const lab = await buildLab();
    const lf = await buildJarLoadFile({ classesDir: lab.applets.jpki!, packageAid: PKG, applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet' }] });
    const ssd = await open(SSD, spKeys);
    await loadLoadFile(ssd, PKG, lf, { sdAid: SSD });
    await installAndMakeSelectable(ssd, { loadFileAid: PKG, moduleAid: JPKI, instanceAid: JPKI });
    expect((await getStatus(ssd, 0x40)).map((e) => e.aid)).toContain(JPKI);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x9000);
  });

  it('the service provider cannot load into the issuer domain, nor open it', async () => {
    const ssd = await open(SSD, spKeys);
    const lv = (h: string) => concat(Uint8Array.of(h.length / 2), fromHex(h));
    const r = await ssd.transmit({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0, data: concat(lv('D392F0002602'), lv(ISD), lv(''), lv(''), lv('')), le: 256 });
    expect(hex(Uint8Array.of(r.sw >> 8, r.sw & 0xff))).toBe('6A88');
    await expect(open(ISD, spKeys)).rejects.toThrow(WrongKeysError);
  });

  it('the service provider moves its domain to an AES-192 key set (PUT KEY), and opens it with those keys only', async () => {
    // pySim's AES-192 keyset; the KCVs in the answer are the ones openssl computes (vectors/gp/put-key.json aes192).
    const aes192 = { enc: fromHex('000102030405060708090a0b0c0d0e0f0001020304050607'), mac: fromHex('101112131415161718191a1b1c1d1e1f1011121314151617'),
      dek: fromHex('202122232425262728292a2b2c2d2e2f2021222324252627'), kvn: 0x31 };
    const ssd = await open(SSD, spKeys);
    const r = await ssd.send(putKeyCommand(spKeys.dek, aes192, 0x31, 0x30), 'PUT KEY (AES-192)');
    expect(hex(r.data)).toBe('3142D79DDC4F0E9C71C6');
    await expect(open(SSD, { ...spKeys, kvn: 0x31 })).rejects.toThrow(WrongKeysError);
    const renewed = await open(SSD, aes192);
    expect((await getStatus(renewed, 0x40)).map((e) => e.aid)).toContain(JPKI);
  });
});
