// A broken card must give a clear error naming the command, never a hang or a crash: the simulator plays each
// hostile behaviour (lab/cardsim faults) after the first command, and the session is checked against it. The
// test runner's timeout is what would catch a hang; nothing here asserts on time.
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { startSimulator, type RunningSimulator, type SimSettings } from '../sim/launch.ts';
import { CardTimeoutError } from '../transport/transport.ts';
import { ApduProtocolError, CardError, CardSession } from './session.ts';
import { describeSw } from './status-words.ts';

const ISD = 'A000000151000000';
let sim: RunningSimulator | undefined;

async function hostileCard(mode: NonNullable<NonNullable<SimSettings['faults']>['hostile']>, apduMs = 30_000): Promise<CardSession> {
  sim = await startSimulator({ atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [],
    faults: { hostile: mode, hostileAfter: 1 } }, { connectTimeoutMs: 30_000, apduTimeoutMs: apduMs });
  await sim.transport.connect();
  const s = new CardSession(sim.transport, { extendedLength: false });
  // The first command is answered honestly: the card looks fine until it does not.
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(ISD) })).sw).toBe(0x9000);
  return s;
}

const getCplc = { cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x7f, le: 256 };

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('hostile cards', () => {
  it('a response without a status word is a protocol error naming the command', async () => {
    const s = await hostileCard('truncated');
    await expect(s.transmit(getCplc, { name: 'GET DATA CPLC' })).rejects.toThrow(new ApduProtocolError('GET DATA CPLC: card answered 1 bytes, no status word'));
  });

  it('a response longer than Le is refused', async () => {
    const s = await hostileCard('overlong');
    await expect(s.transmit({ ...getCplc, le: 45 }, { name: 'GET DATA CPLC' })).rejects.toThrow(/GET DATA CPLC: card answered 345 bytes, more than the 45 asked for \(Le\)/);
  });

  it('an unknown status word reaches the caller as a card error that says so', async () => {
    const s = await hostileCard('unknown-sw');
    const err = await s.send(getCplc, { name: 'GET DATA CPLC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardError);
    expect((err as Error).message).toContain(describeSw(0x6f42));
  });

  it('an endless 61xx chain is cut off', async () => {
    const s = await hostileCard('loop-61');
    await expect(s.transmit(getCplc, { name: 'GET DATA CPLC' })).rejects.toThrow(/GET DATA CPLC: card kept answering 61xx .*giving up/);
  });

  it('a repeated 6Cxx is a protocol error after one re-send', async () => {
    const s = await hostileCard('loop-6c');
    await expect(s.transmit(getCplc, { name: 'GET DATA CPLC' })).rejects.toThrow(/GET DATA CPLC: card answered 6Cxx twice/);
  });

  it('a card that goes silent times out with the profile\'s APDU timeout, naming the command', async () => {
    const s = await hostileCard('silence', 500);
    const err = await s.transmit(getCplc, { name: 'GET DATA CPLC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardTimeoutError);
    expect((err as Error).message).toContain('last command: GET DATA CPLC (80 CA 9F 7F)');
  });
});
