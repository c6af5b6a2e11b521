// sim.globalPlatform: false makes the bundled simulator behave as jCardSim does, which has no GlobalPlatform card
// manager: the issuer security domain's AID selects nothing, INITIALIZE UPDATE reaches no domain, and applets come
// only from CREATE APPLET. The same simulator with the card manager (the default) answers the same SELECT with 9000,
// so the test tells the two apart.
import { afterEach, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex } from '../bytes.ts';
import { createAppletInstance } from './create-applet.ts';
import { startSimulator, type RunningSimulator, type SimSettings } from './launch.ts';

const ISD = 'A000000151000000';
const JPKI = 'D392F000260100000001';

let sim: RunningSimulator | undefined;

async function card(globalPlatform?: boolean): Promise<CardSession> {
  const settings: SimSettings = {
    atr: '3BFA1800008131FE454A434F5033315632333298', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 1,
    applets: [{ aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' }],
    ...(globalPlatform === undefined ? {} : { globalPlatform }),
  };
  sim = await startSimulator(settings, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  return new CardSession(sim.transport, { extendedLength: true });
}

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('the simulator in jCardSim mode (sim.globalPlatform: false)', () => {
  it('has no issuer security domain to select or authenticate to', async () => {
    const s = await card(false);
    expect((await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(ISD), le: 256 })).sw).toBe(0x6a82);
    const iu = await s.transmit({ cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: new Uint8Array(8), le: 256 });
    expect(iu.sw, 'INITIALIZE UPDATE must reach no domain').not.toBe(0x9000);
  });

  it('creates the applet with CREATE APPLET, which is then selectable', async () => {
    const s = await card(false);
    await createAppletInstance(s, fromHex(JPKI));
    expect((await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: fromHex(JPKI) })).sw).toBe(0x9000);
  });

  it('keeps its card manager by default', async () => {
    const s = await card();
    expect((await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(ISD), le: 256 })).sw).toBe(0x9000);
  });
});
