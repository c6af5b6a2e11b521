// The cards a process opens share one JVM (harness/sim/launch.ts, lab/cardsim CardHost), and each is a card of its
// own, exactly as with a process of its own: two cards open at once keep apart what they store, start in their
// factory state, and answer with their own configuration's capabilities. A card whose reader address is fixed
// (jCardSim's way in) is a process of its own.
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { processAlive } from '../process-alive.ts';
import { startSimulator, stopSharedSimulators, type RunningSimulator, type SimSettings } from './launch.ts';

const PROBE = 'F053494D43455254500101';
const CAPABILITIES = 'F053494D43455254500201';
const SETTINGS: SimSettings = {
  atr: '3B8080010101', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4,
  applets: [
    { aid: PROBE, class: 'org.simcert.applets.probe.RuntimeProbe', codebase: 'runtime-probe' },
    { aid: CAPABILITIES, class: 'org.simcert.applets.capability.CapabilityProbe', codebase: 'capability-probe' },
  ],
};
const TIMEOUTS = { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 };

async function open(settings: SimSettings = SETTINGS, listen?: { host: string; port: number }): Promise<{ sim: RunningSimulator; s: CardSession }> {
  const sim = await startSimulator(settings, { ...TIMEOUTS, ...(listen ? { listen } : {}) });
  await sim.transport.connect();
  return { sim, s: new CardSession(sim.transport, { extendedLength: true }) };
}

/** jCardSim's CREATE APPLET: 9000 on a card that has no instance of the applet yet, 6444 on one that has. */
async function create(s: CardSession, aid: string): Promise<number> {
  const a = fromHex(aid);
  return (await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(a.length, ...a, 0, 0) })).sw;
}

async function select(s: CardSession, aid: string): Promise<number> {
  return (await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid) })).sw;
}

/** The runtime probe's persistent byte (lab/applets/runtime-probe: INS 14 reads it, INS 16 writes it). */
async function persistentByte(s: CardSession): Promise<number> {
  const r = await s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 });
  expect(r.sw).toBe(0x9000);
  return r.data[0]!;
}

/** The capability probe's support mask (lab/applets/capability-probe: INS 10, bytes 2-3 of its answer). */
async function capabilities(s: CardSession): Promise<number> {
  expect(await create(s, CAPABILITIES)).toBe(0x9000);
  expect(await select(s, CAPABILITIES)).toBe(0x9000);
  const r = await s.transmit({ cla: 0x80, ins: 0x10, p1: 0, p2: 0, le: 256 });
  expect(r.sw).toBe(0x9000);
  return (r.data[2]! << 8) | r.data[3]!;
}

/** A loopback port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

afterAll(async () => {
  await stopSharedSimulators();
});

describe('one JVM for the cards a process opens', () => {
  it('serves two cards at once, each its own: what one stores the other never sees', async () => {
    const a = await open();
    const b = await open();
    try {
      expect(b.sim.pid).toBe(a.sim.pid);
      const factory = await a.sim.stateImage();
      expect(await b.sim.stateImage()).toBe(factory);
      expect(await create(a.s, PROBE)).toBe(0x9000);
      expect(await select(a.s, PROBE)).toBe(0x9000);
      expect((await a.s.transmit({ cla: 0x80, ins: 0x16, p1: 0x11, p2: 0 })).sw).toBe(0x9000);
      expect(await persistentByte(a.s)).toBe(0x11);
      expect(await a.sim.stateImage()).not.toBe(factory);
      // B has no instance of the applet A created (it can be created, 6444 were it there), and its own holds 0.
      expect(await b.sim.stateImage()).toBe(factory);
      expect(await create(b.s, PROBE)).toBe(0x9000);
      expect(await select(b.s, PROBE)).toBe(0x9000);
      expect(await persistentByte(b.s)).toBe(0);
      expect(await persistentByte(a.s)).toBe(0x11);
    } finally {
      await a.sim.stop();
      await b.sim.stop();
    }
  });

  it('gives each card its own configuration: a card without RSA and EC beside one with both', async () => {
    const full = await open();
    const bare = await open({ ...SETTINGS, atr: '3B8080010102', rsa: false, ec: false });
    try {
      expect(bare.sim.pid).toBe(full.sim.pid);
      expect(hex(bare.sim.transport.atr)).toBe('3B8080010102');
      expect(hex(full.sim.transport.atr)).toBe('3B8080010101');
      // Bit 0 RSA-2048, bit 2 P-256 key generation (CapabilityProbe's BIT_ constants).
      const withBoth = await capabilities(full.s);
      const without = await capabilities(bare.s);
      expect(withBoth & 0x0005).toBe(0x0005);
      expect(without & 0x0005).toBe(0);
    } finally {
      await full.sim.stop();
      await bare.sim.stop();
    }
  });

  it('takes a torn card out when it stops, and the next card is served as ever', async () => {
    const torn = await open();
    await torn.sim.tearAtWrite(1); // the next persistent write, in the applet's install(), cuts the power
    await expect(create(torn.s, PROBE)).rejects.toThrow(/went away/);
    await torn.sim.stop();
    const next = await open();
    try {
      expect(next.sim.pid).toBe(torn.sim.pid);
      expect(await create(next.s, PROBE)).toBe(0x9000);
    } finally {
      await next.sim.stop();
    }
  });

  it('starts a process of its own for a card at a fixed reader address (jCardSim\'s way in)', async () => {
    const shared = await open();
    const fixed = await open(SETTINGS, { host: '127.0.0.1', port: await freePort() });
    try {
      expect(fixed.sim.pid).not.toBe(shared.sim.pid);
    } finally {
      await fixed.sim.stop();
      await shared.sim.stop();
    }
    expect(processAlive(fixed.sim.pid!)).toBe(false);
  });

  it('ends the shared JVM when asked (a test file ends, the process exits)', async () => {
    const a = await open();
    await a.sim.stop();
    expect(processAlive(a.sim.pid!)).toBe(true);
    await stopSharedSimulators();
    expect(processAlive(a.sim.pid!)).toBe(false);
    const b = await open();
    try {
      expect(b.sim.pid).not.toBe(a.sim.pid);
    } finally {
      await b.sim.stop();
    }
  });
});
