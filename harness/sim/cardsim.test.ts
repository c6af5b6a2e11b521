// What the bundled simulator promises beyond jCardSim, checked through the vpcd socket with the runtime-probe
// applet (lab/applets/runtime-probe): transactions that really roll back, transient memory that clears when the
// specification says, PIN try counters outside transactions, logical channels, and CREATE APPLET's failure modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { CardGoneError } from '../transport/transport.ts';
import { startSimulator, type RunningSimulator } from './launch.ts';

const PROBE = 'F053494D43455254500101';
const JPKI = 'D392F000260100000001';

let sim: RunningSimulator;
let s: CardSession;

async function sw(cla: number, ins: number, p1 = 0, data?: Uint8Array): Promise<number> {
  return (await s.transmit({ cla, ins, p1, p2: 0, ...(data ? { data } : {}) })).sw;
}
async function probeState(cla = 0x80): Promise<{ persistent: number; field: number; cor: number; cod: number; nonAtomic: number; tries: number }> {
  const r = await s.transmit({ cla, ins: 0x14, p1: 0, p2: 0, le: 6 });
  expect(r.sw).toBe(0x9000);
  const [persistent, field, cor, cod, nonAtomic, tries] = [...r.data] as [number, number, number, number, number, number];
  return { persistent, field, cor, cod, nonAtomic, tries };
}
async function createApplet(aid: string): Promise<{ sw: number; data: string }> {
  const a = fromHex(aid);
  const r = await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(a.length, ...a, 0, 0) });
  return { sw: r.sw, data: hex(r.data) };
}
async function select(aid: string, cla = 0x00): Promise<number> {
  return sw(cla, 0xa4, 0x04, fromHex(aid));
}

beforeAll(async () => {
  sim = await startSimulator({
    atr: '3B8080010101', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4,
    applets: [
      { aid: PROBE, class: 'org.simcert.applets.probe.RuntimeProbe', codebase: 'runtime-probe' },
      { aid: JPKI, class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' },
    ],
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
  expect(await createApplet(PROBE)).toEqual({ sw: 0x9000, data: PROBE });
  expect(await createApplet(JPKI)).toEqual({ sw: 0x9000, data: JPKI });
});
afterAll(async () => {
  await sim?.stop();
});

describe('cardsim runtime', () => {
  it('answers the ATR it was configured with', () => {
    expect(hex(sim.transport.atr)).toBe('3B8080010101');
  });

  it('refuses CREATE APPLET for an AID that is not loaded or already installed (6444, as jCardSim)', async () => {
    expect((await createApplet('F00000000001')).sw).toBe(0x6444);
    expect((await createApplet(PROBE)).sw).toBe(0x6444);
  });

  it('rolls back an aborted transaction, field and array alike, and keeps a committed one', async () => {
    expect(await select(PROBE)).toBe(0x9000);
    expect(await sw(0x80, 0x16, 0x11)).toBe(0x9000);
    expect(await sw(0x80, 0x10, 0x22)).toBe(0x9000);
    expect(await probeState()).toMatchObject({ persistent: 0x11, field: 0x11 });
  });

  it('rolls back a transaction the applet leaves open, whether it throws or returns', async () => {
    expect(await sw(0x80, 0x12, 0x33)).toBe(0x6a80);
    expect(await probeState()).toMatchObject({ persistent: 0x11, field: 0x11 });
    expect(await sw(0x80, 0x24, 0x44)).toBe(0x9000);
    expect(await probeState()).toMatchObject({ persistent: 0x11, field: 0x11 });
  });

  it('does not give back a PIN try when the transaction around the check is aborted', async () => {
    const before = (await probeState()).tries;
    expect(await sw(0x80, 0x1c)).toBe(0x9000);
    expect((await probeState()).tries).toBe(before - 1);
  });

  it('keeps what arrayCopyNonAtomic wrote inside an aborted transaction', async () => {
    expect(await sw(0x80, 0x22, 0x55)).toBe(0x9000);
    expect((await probeState()).nonAtomic).toBe(0x55);
  });

  it('clears CLEAR_ON_DESELECT memory on reselection and CLEAR_ON_RESET memory on reset, keeping persistent data', async () => {
    expect(await sw(0x80, 0x18, 0x66)).toBe(0x9000);
    expect(await probeState()).toMatchObject({ cor: 0x66, cod: 0x66 });
    expect(await select(JPKI)).toBe(0x9000);
    expect(await select(PROBE)).toBe(0x9000);
    expect(await probeState()).toMatchObject({ cor: 0x66, cod: 0 });
    await sim.transport.reset('cold');
    expect(await sw(0x80, 0x14)).toBe(0x6a82); // nothing is selected after a reset
    expect(await select(PROBE)).toBe(0x9000);
    expect(await probeState()).toMatchObject({ persistent: 0x11, field: 0x11, cor: 0, cod: 0, nonAtomic: 0x55 });
  });

  it('draws fresh random bytes each time', async () => {
    const a = await s.transmit({ cla: 0x80, ins: 0x1e, p1: 0, p2: 0, le: 16 });
    const b = await s.transmit({ cla: 0x80, ins: 0x1e, p1: 0, p2: 0, le: 16 });
    expect(a.data.length).toBe(16);
    expect(hex(a.data)).not.toBe(hex(b.data));
  });

  it('opens, uses and closes logical channels, each with its own selected applet', async () => {
    const open = await s.transmit({ cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 });
    expect(open.sw).toBe(0x9000);
    const ch = open.data[0]!;
    expect(ch).toBe(1);
    expect(await sw(0x80 | ch, 0x14)).toBe(0x6a82); // a new channel has nothing selected
    expect(await select(PROBE, ch)).toBe(0x9000);
    expect(hex((await s.transmit({ cla: 0x80 | ch, ins: 0x20, p1: 0, p2: 0, le: 1 })).data)).toBe('01');
    expect(hex((await s.transmit({ cla: 0x80, ins: 0x20, p1: 0, p2: 0, le: 1 })).data)).toBe('00');
    expect(await sw(0x00, 0x70, 0x80, undefined)).toBe(0x6a86); // the basic channel cannot be closed
    expect((await s.transmit({ cla: 0x00, ins: 0x70, p1: 0x80, p2: ch })).sw).toBe(0x9000);
    expect(await sw(0x80 | ch, 0x14)).toBe(0x6881);
  });

  it('answers 6F00 for an exception the applet does not catch, and 6700 for extended APDUs it did not ask for', async () => {
    expect(await sw(0x80, 0x26)).toBe(0x6f00);
    const r = await s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, data: new Uint8Array(300) });
    expect(r.sw).toBe(0x6700);
  });

  it('reports a card that goes away with the command that was lost, without its data', async () => {
    await sim.stop();
    const err = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex('31323334') }, { name: 'VERIFY user-auth PIN', redact: 'command-data' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardGoneError);
    expect((err as Error).message).toMatch(/last command: VERIFY user-auth PIN \(00 20 00 80, 4 data bytes\)$/);
  });
});
