// The simulator's issuer security domain against the harness's GlobalPlatform client: an SCP03 channel at every
// security level, GET STATUS and CPLC, and the safety rules on the card side (a bad host cryptogram costs an
// attempt, the domain blocks after the configured number, a MAC error ends the session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { getStatus, readCardRecognition, readCplc } from './card-content.ts';
import { diversify } from './diversify.ts';
import { openSecureChannel, WrongKeysError } from './secure-channel.ts';

const ISD = 'A000000151000000';
const JPKI = 'D392F000260100000001';
const TEST_KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const keys = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;

async function selectIsd(): Promise<void> {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
}

beforeAll(async () => {
  sim = await startSimulator({
    atr: '3BFA1800008131FE454A434F5033315632333298', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4,
    applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }],
    isd: { maxAuthFailures: 3, cplc: '479052000000000000000000DEADBEEF0001000000000000000000000000000000000000000000000000' },
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
  const aid = fromHex(JPKI);
  expect((await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(aid.length, ...aid, 0, 0) })).sw).toBe(0x9000);
});
afterAll(async () => {
  await sim?.stop();
});

describe('issuer security domain of the simulator', () => {
  it('tells its GlobalPlatform version and secure channel protocol in the card recognition data', async () => {
    await selectIsd();
    expect(await readCardRecognition(s)).toEqual({ gpVersion: '2.3.1', scp: { version: 3, i: 0x70 } });
  });

  it('serves the CPLC without a secure channel', async () => {
    await selectIsd();
    const cplc = await readCplc(s);
    expect(cplc?.icFabricator).toBe('4790');
    expect(cplc?.icSerialNumber).toBe('DEADBEEF');
  });

  for (const level of [0x01, 0x03, 0x11, 0x13, 0x33]) {
    it(`opens an SCP03 channel at security level ${level.toString(16).padStart(2, '0')} and lists the domain and the applications`, async () => {
      await selectIsd();
      const ch = await openSecureChannel(s, keys, { level });
      expect(ch.scp).toBe(3);
      expect(await getStatus(ch, 0x80)).toEqual([{ aid: ISD, lifeCycle: 0x0f, privileges: '9EFE80' }]);
      expect(await getStatus(ch, 0x40)).toEqual([{ aid: JPKI, lifeCycle: 0x07, privileges: '000000' }]);
    });
  }

  it('refuses GET STATUS outside a secure channel', async () => {
    await selectIsd();
    expect((await s.transmit({ cla: 0x80, ins: 0xf2, p1: 0x40, p2: 0x02, data: fromHex('4F00'), le: 256 })).sw).toBe(0x6982);
  });

  it('ends the session on a MAC error', async () => {
    await selectIsd();
    const ch = await openSecureChannel(s, keys, { level: 0x01 });
    expect((await ch.transmit({ cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F00'), le: 256 })).sw).toBe(0x9000);
    // A command with a forged MAC, sent around the wrapper.
    expect((await s.transmit({ cla: 0x84, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F000000000000000000'), le: 256 })).sw).toBe(0x6982);
    expect((await ch.transmit({ cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F00'), le: 256 })).sw).toBe(0x6982);
  });

  it('with wrong keys, stops at the card cryptogram: no attempt spent, the domain stays open', async () => {
    const wrong = { ...keys, mac: fromHex('000102030405060708090A0B0C0D0E0F') };
    for (let i = 0; i < 5; i++) {
      await selectIsd();
      await expect(openSecureChannel(s, wrong, { level: 0x01 })).rejects.toThrow(WrongKeysError);
    }
    await selectIsd();
    await openSecureChannel(s, keys, { level: 0x01 });
  });

  it('counts refused EXTERNAL AUTHENTICATEs and blocks the domain after the configured number', async () => {
    for (let i = 0; i < 3; i++) {
      await selectIsd();
      const iu = await s.transmit({ cla: 0x80, ins: 0x50, p1: 0x30, p2: 0, data: new Uint8Array(8), le: 256 });
      expect(iu.sw).toBe(0x9000);
      const ea = await s.transmit({ cla: 0x84, ins: 0x82, p1: 0x01, p2: 0, data: new Uint8Array(16) });
      expect(hex(Uint8Array.of(ea.sw >> 8, ea.sw & 0xff))).toBe('6300');
    }
    await selectIsd();
    expect((await s.transmit({ cla: 0x80, ins: 0x50, p1: 0x30, p2: 0, data: new Uint8Array(8), le: 256 })).sw).toBe(0x6983);
  });
});

describe('a card whose keys are diversified from a master key', () => {
  it('is opened with the master key and kdf3, the KDD coming from the card', async () => {
    const master = fromHex('404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F');
    const cplc = '4790520000000000000000000A0B0C0D0001000000000000000000000000000000000000000000000000';
    // The simulator reports KDD = 00 x 6 || CPLC IC serial number (lab/cardsim CardManager).
    const perCard = diversify({ enc: master, mac: master, dek: master }, fromHex('0000000000000A0B0C0D'), 'kdf3');
    const card = await startSimulator({
      atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [],
      isd: { enc: hex(perCard.enc), mac: hex(perCard.mac), dek: hex(perCard.dek), cplc },
    }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
    try {
      await card.transport.connect();
      const cs = new CardSession(card.transport, { extendedLength: false });
      expect((await cs.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
      await expect(openSecureChannel(cs, { enc: master, mac: master, dek: master }, { level: 0x03 })).rejects.toThrow(WrongKeysError);
      expect((await cs.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
      const ch = await openSecureChannel(cs, { enc: master, mac: master, dek: master }, { level: 0x03, diversification: 'kdf3' });
      expect(hex(ch.kdd)).toBe('0000000000000A0B0C0D');
    } finally {
      await card.stop();
    }
  });
});

describe('an SCP02 security domain', () => {
  for (const level of [0x01, 0x03]) {
    it(`is opened by the harness at level ${level.toString(16).padStart(2, '0')} and answers GET STATUS`, async () => {
      const k = fromHex('404142434445464748494A4B4C4D4E4F');
      const card = await startSimulator({
        atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [], isd: { scp: '02', kvn: 0x20 },
      }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
      try {
        await card.transport.connect();
        const cs = new CardSession(card.transport, { extendedLength: false });
        expect((await cs.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
        const ch = await openSecureChannel(cs, { enc: k, mac: k, dek: k, kvn: 0x20 }, { level });
        expect(ch.scp).toBe(2);
        expect(await getStatus(ch, 0x80)).toEqual([{ aid: ISD, lifeCycle: 0x0f, privileges: '9EFE80' }]);
        // A second session: the sequence counter moved after the first one authenticated.
        expect((await cs.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
        const iu = await cs.transmit({ cla: 0x80, ins: 0x50, p1: 0x20, p2: 0, data: new Uint8Array(8), le: 256 });
        expect(hex(iu.data.subarray(12, 14))).toBe('0001');
      } finally {
        await card.stop();
      }
    });
  }
});
