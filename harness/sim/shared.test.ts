// The cards a process opens share one JVM (harness/sim/launch.ts, lab/cardsim CardHost), and each is a card of its
// own, exactly as with a process of its own: two cards open at once keep apart what they store, start in their
// factory state, and answer with their own configuration's capabilities. A card whose reader address is fixed
// (jCardSim's way in) is a process of its own. A test run's one JVM for all its processes (CardHost --listen, named
// in CARD_HOST_ENV) gives each process a session of its own: the same card IDs in two sessions are two cards, and
// a session that closes takes its cards out and leaves the others, and the host, running.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { processAlive } from '../process-alive.ts';
import { startListeningHost } from '../testing/card-host.ts';
import { freePort } from '../testing/free-port.ts';
import { VpcdListener, type VpcdTransport } from '../transport/vpcd.ts';
import { buildLab } from './build.ts';
import { CARD_HOST_ENV, simulatorConfig, startSimulator, stopSharedSimulators, type RunningSimulator, type SimSettings } from './launch.ts';

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

afterAll(async () => {
  await stopSharedSimulators();
});

describe('one JVM for the cards a process opens', () => {
  // npm test names a run-wide host (harness/testing/card-host.ts): these tests are about a JVM of the process's own.
  let named: string | undefined;
  beforeAll(async () => {
    await stopSharedSimulators();
    named = process.env[CARD_HOST_ENV];
    delete process.env[CARD_HOST_ENV];
  });
  afterAll(async () => {
    await stopSharedSimulators();
    if (named !== undefined) process.env[CARD_HOST_ENV] = named;
  });

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

describe('one JVM for a whole test run (CardHost --listen, named in ' + CARD_HOST_ENV + ')', () => {
  let host: ChildProcess;
  let port: number;
  let classes: string;
  let applets: string;
  let dir: string;
  let named: string | undefined;

  beforeAll(async () => {
    await stopSharedSimulators();
    const lab = await buildLab();
    classes = lab.cardsimClasses;
    applets = [lab.applets['runtime-probe']!, lab.applets['capability-probe']!].join(delimiter);
    dir = await mkdtemp(join(tmpdir(), 'simcert-card-host-'));
    ({ child: host, port } = await startListeningHost(classes));
    named = process.env[CARD_HOST_ENV];
  });

  afterAll(async () => {
    await stopSharedSimulators();
    if (named === undefined) delete process.env[CARD_HOST_ENV];
    else process.env[CARD_HOST_ENV] = named;
    host?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A session of its own on the host, as another process would have: a raw connection and the host's lines on it. */
  async function session(): Promise<{ socket: Socket; lines: string[] }> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const lines: string[] = [];
    let pending = '';
    socket.on('data', (c: Buffer) => {
      pending += c.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        lines.push(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    return { socket, lines };
  }

  /** Resolves once `done()` holds (the host's lines arrive on their own time). */
  const until = (done: () => boolean): Promise<void> => new Promise((resolve) => {
    const check = (): void => (done() ? resolve() : void setTimeout(check, 20));
    check();
  });

  /** Card `id` of a session, in a reader of this test's own. */
  async function insert(on: Socket, id: string, name: string): Promise<{ s: CardSession; t: VpcdTransport; listener: VpcdListener }> {
    const listener = await VpcdListener.listen({ host: '127.0.0.1', port: 0 });
    const cfg = join(dir, `${name}.cfg`);
    await writeFile(cfg, simulatorConfig(SETTINGS, listener.host, listener.port));
    on.write(`card ${id} ${cfg} ${applets}\n`);
    const t = await listener.accept(30_000);
    t.timeoutMs = 30_000;
    await t.connect();
    return { s: new CardSession(t, { extendedLength: true }), t, listener };
  }

  it('keeps two sessions\' cards apart, the same ID in each; a closed session takes its cards out, the other goes on', async () => {
    const one = await session();
    const two = await session();
    const a = await insert(one.socket, '1', 'a');
    const b = await insert(two.socket, '1', 'b');
    try {
      expect(await create(a.s, PROBE)).toBe(0x9000);
      expect(await create(b.s, PROBE)).toBe(0x9000);
      expect(await select(a.s, PROBE)).toBe(0x9000);
      expect(await select(b.s, PROBE)).toBe(0x9000);
      expect((await a.s.transmit({ cla: 0x80, ins: 0x16, p1: 0x22, p2: 0 })).sw).toBe(0x9000);
      expect(await persistentByte(a.s)).toBe(0x22);
      expect(await persistentByte(b.s)).not.toBe(0x22);

      // Session one ends (its process let go, or died): its card leaves its reader; session two's card answers on.
      one.socket.end();
      await until(() => !a.t.connected);
      await expect(a.s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 })).rejects.toThrow(/went away|no card|closed/);
      expect(await persistentByte(b.s)).not.toBe(0x22);
      expect(processAlive(host.pid!)).toBe(true);
      two.socket.write('1 end\n');
      await until(() => !b.t.connected);
      await expect(b.s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 })).rejects.toThrow(/went away|no card|closed/);
      await until(() => two.lines.includes('cardsim[1]: out'));
      expect(two.lines).toContain('cardsim[1]: out');
      expect(two.lines.some((l) => l.startsWith('cardsim[1]: failed'))).toBe(false);
    } finally {
      one.socket.destroy();
      two.socket.destroy();
      await a.listener.close();
      await b.listener.close();
    }
  });

  it('is where a sharing process opens its cards when the environment names it, and outlives that process\'s session', async () => {
    process.env[CARD_HOST_ENV] = JSON.stringify({ port, pid: host.pid, classes });
    const a = await open();
    try {
      expect(a.sim.pid).toBe(host.pid);
      expect(await create(a.s, PROBE)).toBe(0x9000);
      expect(await select(a.s, PROBE)).toBe(0x9000);
    } finally {
      await a.sim.stop();
    }
    await stopSharedSimulators();
    expect(processAlive(host.pid!)).toBe(true);
    const b = await open();
    try {
      expect(b.sim.pid).toBe(host.pid);
      expect(await create(b.s, PROBE)).toBe(0x9000); // a fresh card: no instance from the card before
    } finally {
      await b.sim.stop();
    }
  });

  it('is not used for simulator classes other than its own: those get a JVM of the process\'s own', async () => {
    process.env[CARD_HOST_ENV] = JSON.stringify({ port, pid: host.pid, classes: join(dir, 'other-classes') });
    await stopSharedSimulators();
    const a = await open();
    try {
      expect(a.sim.pid).not.toBe(host.pid);
    } finally {
      await a.sim.stop();
      await stopSharedSimulators();
    }
  });
});
