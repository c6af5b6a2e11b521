// A simulator process serves one card after another of the same configuration (harness/sim/launch.ts: parked
// simulators, lab/cardsim VSmartCard `park` and `renew`), and each card it serves is new: nothing the last card
// stored survives, exactly as with a process of its own. A card whose history fault injection touched, or of
// another configuration, gets a process of its own.
import { afterAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { processAlive } from '../process-alive.ts';
import { startSimulator, stopParkedSimulators, type RunningSimulator, type SimSettings } from './launch.ts';

const PROBE = 'F053494D43455254500101';
const SETTINGS: SimSettings = {
  atr: '3B8080010101', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4,
  applets: [{ aid: PROBE, class: 'org.simcert.applets.probe.RuntimeProbe', codebase: 'runtime-probe' }],
};
const TIMEOUTS = { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 };

async function open(settings: SimSettings = SETTINGS): Promise<{ sim: RunningSimulator; s: CardSession }> {
  const sim = await startSimulator(settings, TIMEOUTS);
  await sim.transport.connect();
  return { sim, s: new CardSession(sim.transport, { extendedLength: true }) };
}

/** jCardSim's CREATE APPLET: 9000 on a card that has no instance of the applet yet, 6444 on one that has. */
async function createProbe(s: CardSession): Promise<number> {
  const a = fromHex(PROBE);
  return (await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(a.length, ...a, 0, 0) })).sw;
}

/** The runtime probe's persistent byte (lab/applets/runtime-probe: INS 14 reads it, INS 16 writes it). */
async function persistentByte(s: CardSession): Promise<number> {
  const r = await s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 });
  expect(r.sw).toBe(0x9000);
  return r.data[0]!;
}

afterAll(async () => {
  await stopParkedSimulators();
});

describe('one simulator process for consecutive cards of one configuration', () => {
  it('gives the next card the same process, in its factory state: what the last card stored is gone', async () => {
    const first = await open();
    const factory = await first.sim.stateImage();
    expect(await createProbe(first.s)).toBe(0x9000);
    expect((await first.s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(PROBE) })).sw).toBe(0x9000);
    expect((await first.s.transmit({ cla: 0x80, ins: 0x16, p1: 0x11, p2: 0 })).sw).toBe(0x9000);
    expect(await persistentByte(first.s)).toBe(0x11);
    expect(await first.sim.stateImage()).not.toBe(factory);
    await first.sim.stop();
    expect(processAlive(first.sim.pid!)).toBe(true);

    const next = await open();
    try {
      expect(next.sim.pid).toBe(first.sim.pid);
      expect(await next.sim.stateImage()).toBe(factory);
      expect(hex(next.sim.transport.atr)).toBe('3B8080010101');
      // The instance the first card had is not there: it can be created again, and holds its initial value.
      expect(await createProbe(next.s)).toBe(0x9000);
      expect((await next.s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(PROBE) })).sw).toBe(0x9000);
      expect(await persistentByte(next.s)).toBe(0);
    } finally {
      await next.sim.stop();
    }
  });

  it('starts a process of its own for a card of another configuration', async () => {
    const a = await open();
    await a.sim.stop();
    const b = await open({ ...SETTINGS, atr: '3B8080010102' });
    try {
      expect(b.sim.pid).not.toBe(a.sim.pid);
      expect(hex(b.sim.transport.atr)).toBe('3B8080010102');
    } finally {
      await b.sim.stop();
    }
  });

  it('does not keep a card that fault injection has touched: the next card gets a new process', async () => {
    const torn = await open();
    await torn.sim.tearAtWrite(1000); // armed, never reached: the card's history is no longer a plain one
    await torn.sim.stop();
    expect(processAlive(torn.sim.pid!)).toBe(false);
    const next = await open();
    try {
      expect(next.sim.pid).not.toBe(torn.sim.pid);
    } finally {
      await next.sim.stop();
    }
  });

  it('ends the parked processes when asked (a test file ends, the process exits)', async () => {
    const a = await open();
    await a.sim.stop();
    expect(processAlive(a.sim.pid!)).toBe(true);
    await stopParkedSimulators();
    expect(processAlive(a.sim.pid!)).toBe(false);
    const b = await open();
    try {
      expect(b.sim.pid).not.toBe(a.sim.pid);
    } finally {
      await b.sim.stop();
    }
  });
});
