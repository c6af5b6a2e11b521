// The simulator's issuer security domain against the harness's GlobalPlatform client: an SCP03 channel at every
// security level, GET STATUS and CPLC, and the safety rules on the card side (a bad host cryptogram costs an
// attempt, the domain blocks after the configured number, a MAC error ends the session). The C-MAC and host
// cryptogram checks are each probed alone: a forged C-MAC at level 01 (no C-DECRYPTION that could refuse the
// command first) and a wrong host cryptogram under a valid C-MAC; a deliberately broken card manager that skips
// one of them (sim.faults.skipCmacCheck, skipHostCryptogramCheck) shows that each probe catches exactly its check.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandApdu } from '../apdu/apdu.ts';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { startSimulator, type RunningSimulator, type SimSettings } from '../sim/launch.ts';
import { getStatus, readCardRecognition, readCplc } from './card-content.ts';
import { diversify } from './diversify.ts';
import type { StaticKeys } from './keys.ts';
import { scp02Cryptograms, scp02SessionKeys, Scp02Wrapper } from './scp02.ts';
import { scp03Cryptograms, scp03SessionKeys, Scp03Wrapper } from './scp03.ts';
import { CardChallengeMismatchError, openSecureChannel, parseInitializeUpdate, WrongKeysError } from './secure-channel.ts';

const ISD = 'A000000151000000';
const JPKI = 'D392F000260100000001';
const TEST_KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const keys = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;

async function selectIsd(cs: CardSession = s): Promise<void> {
  expect((await cs.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
}

const GET_STATUS_ISD: CommandApdu = { cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F00'), le: 256 };

/**
 * In a session at level 01 (C-MAC only), GET STATUS with a C-MAC of zeros instead of the right one, sent around the
 * channel's wrapper: the status word the card gives it (nothing but the MAC check can refuse it here), and the one
 * it gives the next command, wrapped right.
 */
async function forgedCmacAtLevel01(cs: CardSession, k: StaticKeys = keys): Promise<{ forged: number; next: number }> {
  await selectIsd(cs);
  const ch = await openSecureChannel(cs, k, { level: 0x01 });
  expect((await ch.transmit(GET_STATUS_ISD)).sw).toBe(0x9000);
  const forged = (await cs.transmit({ ...GET_STATUS_ISD, cla: 0x84, data: fromHex('4F000000000000000000') })).sw;
  return { forged, next: (await ch.transmit(GET_STATUS_ISD)).sw };
}

/**
 * INITIALIZE UPDATE with the right keys (the card cryptogram is checked first), then EXTERNAL AUTHENTICATE at level
 * 01 whose host cryptogram has one bit flipped and whose C-MAC is right for it: the status word the card gives it.
 * Nothing but the host cryptogram check can refuse it. Costs one of the domain's authentication attempts.
 */
async function wrongHostCryptogramUnderValidCmac(cs: CardSession, k: StaticKeys = keys): Promise<number> {
  await selectIsd(cs);
  const host = new Uint8Array(randomBytes(8));
  const iu = await cs.transmit({ cla: 0x80, ins: 0x50, p1: k.kvn ?? 0, p2: 0, data: host, le: 256 });
  expect(iu.sw).toBe(0x9000);
  const r = parseInitializeUpdate(iu.data);
  let c: { card: Uint8Array; host: Uint8Array };
  let wrapper: Scp02Wrapper | Scp03Wrapper;
  if (r.scp === 3) {
    const sk = scp03SessionKeys(k, host, r.cardChallenge);
    c = scp03Cryptograms(sk.mac, host, r.cardChallenge);
    wrapper = new Scp03Wrapper(sk, 0x01);
  } else {
    const sk = scp02SessionKeys(k, r.sequenceCounter);
    c = scp02Cryptograms(sk.enc, host, r.sequenceCounter, r.cardChallenge);
    wrapper = new Scp02Wrapper(sk, 0x01);
  }
  expect(hex(c.card), 'the keys are right: only the host cryptogram will be wrong').toBe(hex(r.cardCryptogram));
  const wrong = Uint8Array.from(c.host);
  wrong[0]! ^= 0x01;
  return (await cs.transmit(wrapper.externalAuthenticate(wrong))).sw;
}

const BARE_CARD: SimSettings = { atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [] };

/** A fresh simulated card with the given settings, its session, and its end. */
async function withCard(settings: SimSettings, body: (cs: CardSession) => Promise<void>): Promise<void> {
  const card = await startSimulator(settings, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  try {
    await card.transport.connect();
    await body(new CardSession(card.transport, { extendedLength: settings.extendedLength }));
  } finally {
    await card.stop();
  }
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

  it('refuses a forged C-MAC at level 01 with 6982, and ends the session', async () => {
    // The session is over: the next command, rightly MACed, is refused too.
    expect(await forgedCmacAtLevel01(s)).toEqual({ forged: 0x6982, next: 0x6982 });
  });

  it('refuses a wrong host cryptogram under a valid C-MAC with 6300, and the right one then opens the domain', async () => {
    expect(await wrongHostCryptogramUnderValidCmac(s)).toBe(0x6300);
    await selectIsd();
    const ch = await openSecureChannel(s, keys, { level: 0x01 });
    expect((await ch.transmit(GET_STATUS_ISD)).sw).toBe(0x9000);
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

describe('a deliberately broken card manager fails the probes above, each its own', () => {
  it('one that skips the C-MAC check takes the forged C-MAC, and still refuses a wrong host cryptogram', async () => {
    await withCard({ ...BARE_CARD, faults: { skipCmacCheck: true } }, async (cs) => {
      expect((await forgedCmacAtLevel01(cs)).forged).toBe(0x9000);
      expect(await wrongHostCryptogramUnderValidCmac(cs)).toBe(0x6300);
    });
  });

  it('one that skips the host cryptogram check takes the wrong cryptogram, and still refuses a forged C-MAC', async () => {
    await withCard({ ...BARE_CARD, faults: { skipHostCryptogramCheck: true } }, async (cs) => {
      expect(await wrongHostCryptogramUnderValidCmac(cs)).toBe(0x9000);
      expect(await forgedCmacAtLevel01(cs)).toEqual({ forged: 0x6982, next: 0x6982 });
    });
  });

  it('one that claims a pseudo-random card challenge (i 70) but sends a random one is refused before EXTERNAL AUTHENTICATE', async () => {
    await withCard(BARE_CARD, async (cs) => {
      await selectIsd(cs);
      expect((await openSecureChannel(cs, keys, { level: 0x01 })).scp).toBe(3);
    });
    await withCard({ ...BARE_CARD, faults: { randomCardChallenge: true } }, async (cs) => {
      await selectIsd(cs);
      await expect(openSecureChannel(cs, keys, { level: 0x01 })).rejects.toThrow(CardChallengeMismatchError);
      expect(cs.trace.format()).toContain('INITIALIZE UPDATE');
      expect(cs.trace.format()).not.toContain('EXTERNAL AUTHENTICATE');
    });
  });

  it('an SCP02 one that skips either check is caught the same way', async () => {
    const k = { ...keys, kvn: 0x20 };
    await withCard({ ...BARE_CARD, isd: { scp: '02', kvn: 0x20 } }, async (cs) => {
      expect(await forgedCmacAtLevel01(cs, k)).toEqual({ forged: 0x6982, next: 0x6982 });
      expect(await wrongHostCryptogramUnderValidCmac(cs, k)).toBe(0x6300);
    });
    await withCard({ ...BARE_CARD, isd: { scp: '02', kvn: 0x20 }, faults: { skipCmacCheck: true } }, async (cs) => {
      expect((await forgedCmacAtLevel01(cs, k)).forged).toBe(0x9000);
    });
    await withCard({ ...BARE_CARD, isd: { scp: '02', kvn: 0x20 }, faults: { skipHostCryptogramCheck: true } }, async (cs) => {
      expect(await wrongHostCryptogramUnderValidCmac(cs, k)).toBe(0x9000);
    });
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
  // 11 and 13 add an R-MAC to every answer (GPCS E.4.5), which the harness checks and strips: GET STATUS reads the same.
  for (const level of [0x01, 0x03, 0x11, 0x13]) {
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

  it('at level 11, an answer altered on the way (its last byte flipped, as a hostile card does) fails the R-MAC check', async () => {
    const k = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x20 };
    const scp02Card: SimSettings = { ...BARE_CARD, isd: { scp: '02', kvn: 0x20 }, faults: { hostile: 'corrupt-data', hostileCommand: '84F2' } };
    await withCard(scp02Card, async (cs) => {
      await selectIsd(cs);
      await expect(getStatus(await openSecureChannel(cs, k, { level: 0x11 }), 0x80)).rejects.toThrow('R-MAC of the response does not verify');
    });
  });
});

describe('an SCP03 security domain in S16 mode (i 71)', () => {
  it('is opened by the harness from its 6700 to an 8-byte challenge, at levels 01 and 33, and answers GET STATUS', async () => {
    await withCard({ ...BARE_CARD, isd: { s16: true } }, async (cs) => {
      await selectIsd(cs);
      expect(await readCardRecognition(cs)).toEqual({ gpVersion: '2.3.1', scp: { version: 3, i: 0x71 } });
      for (const level of [0x01, 0x33]) {
        await selectIsd(cs);
        const ch = await openSecureChannel(cs, keys, { level });
        expect(await getStatus(ch, 0x80)).toEqual([{ aid: ISD, lifeCycle: 0x0f, privileges: '9EFE80' }]);
      }
      // 16-byte cryptogram and C-MAC: EXTERNAL AUTHENTICATE carries 32 bytes (Lc 20).
      expect(cs.trace.format()).toMatch(/> 84 82 33 00 20 /);
    });
  });
});
