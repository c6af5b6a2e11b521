// The Java Card 3.0.5 API rules the bundled simulator enforces, one probe case per rule (lab/applets/runtime-probe,
// README there): the APDU state machine (javacard.framework.APDU: ILLEGAL_USE / BAD_LENGTH / BUFFER_BOUNDS as each
// method documents them, T=0's Ne and block sizes), transactions (JCSystem: abort rolls back at once; IN_PROGRESS /
// NOT_IN_PROGRESS), and transient memory (CLEAR_ON_RESET at power-up, reset and a move to another reader;
// CLEAR_ON_DESELECT at deselection). An applet that breaks one of these rules fails on a card; it must fail here too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { startSimulator, type RunningSimulator } from './launch.ts';

const PROBE = 'F053494D43455254500101';
const OTHER_PROBE = 'F053494D43455254500102';
const PROBE_CLASS = 'org.simcert.applets.probe.RuntimeProbe';

// Constant values of the Java Card 3.0.5 API (Oracle, "Constant Field Values"): APDU.STATE_*, APDUException and
// TransactionException reason codes, APDU.PROTOCOL_T0/T1.
const STATE = { INITIAL: 0, FULL_INCOMING: 2, OUTGOING: 3, OUTGOING_LENGTH_KNOWN: 4, PARTIAL_OUTGOING: 5, FULL_OUTGOING: 6 };
const APDU_EXC = { ILLEGAL_USE: 1, BUFFER_BOUNDS: 2, BAD_LENGTH: 3 };
const TX_EXC = { IN_PROGRESS: 1, NOT_IN_PROGRESS: 2 };
// How the probe records what it saw (lab/applets/runtime-probe/README.md).
const KIND = { NONE: 0, APDU_EXCEPTION: 1, TRANSACTION_EXCEPTION: 2, OTHER_EXCEPTION: 3 };

interface Outcome { kind: number; reason: number; state: number; value: number }

interface Card { sim: RunningSimulator; s: CardSession }

async function start(protocol: 'T=0' | 'T=1'): Promise<Card> {
  const sim = await startSimulator({
    atr: '3B8080010101', protocol, extendedLength: false, apduBufferSize: 261, logicalChannels: 4,
    applets: [
      { aid: PROBE, class: PROBE_CLASS, codebase: 'runtime-probe' },
      { aid: OTHER_PROBE, class: PROBE_CLASS, codebase: 'runtime-probe' },
    ],
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  const s = new CardSession(sim.transport, { extendedLength: false });
  for (const aid of [PROBE, OTHER_PROBE]) {
    const a = fromHex(aid);
    const r = await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: Uint8Array.of(a.length, ...a, 0, 0) });
    expect(r.sw).toBe(0x9000);
  }
  return { sim, s };
}

async function select(s: CardSession, aid: string, cla = 0x00): Promise<void> {
  expect((await s.transmit({ cla, ins: 0xa4, p1: 0x04, p2: 0, data: fromHex(aid) })).sw).toBe(0x9000);
}

/** Runs a probe case (INS 40 APDU rules, 44 transaction rules) and reads back what the probe saw (INS 42). */
async function probe(s: CardSession, ins: number, p1: number, cmd: { data?: string; le?: number } = {}): Promise<Outcome & { data: string; sw: number }> {
  const r = await s.transmit({ cla: 0x80, ins, p1, p2: 0, ...(cmd.data ? { data: fromHex(cmd.data) } : {}), ...(cmd.le !== undefined ? { le: cmd.le } : {}) });
  const o = await s.transmit({ cla: 0x80, ins: 0x42, p1: 0, p2: 0, le: 6 });
  expect(o.sw).toBe(0x9000);
  const d = o.data;
  return { kind: d[0]!, reason: (d[1]! << 8) | d[2]!, state: d[3]!, value: (d[4]! << 8) | d[5]!, data: hex(r.data), sw: r.sw };
}
const rule = (s: CardSession, p1: number, cmd?: { data?: string; le?: number }): ReturnType<typeof probe> => probe(s, 0x40, p1, cmd);
const illegalUse = { kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.ILLEGAL_USE };

async function transients(s: CardSession): Promise<{ cor: number; cod: number }> {
  const r = await s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 });
  expect(r.sw).toBe(0x9000);
  return { cor: r.data[2]!, cod: r.data[3]! };
}
async function fillTransients(s: CardSession, v: number, cla = 0x80): Promise<void> {
  expect((await s.transmit({ cla, ins: 0x18, p1: v, p2: 0 })).sw).toBe(0x9000);
}

describe('strict runtime, T=1', () => {
  let card: Card;
  beforeAll(async () => {
    card = await start('T=1');
    await select(card.s, PROBE);
  });
  afterAll(async () => {
    await card?.sim.stop();
  });

  describe('APDU: incoming data', () => {
    it('getIncomingLength before setIncomingAndReceive: APDUException ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x01, { data: '0102' })).toMatchObject({ ...illegalUse, state: STATE.INITIAL });
    });
    it('getOffsetCdata before setIncomingAndReceive: APDUException ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x02, { data: '0102' })).toMatchObject({ ...illegalUse, state: STATE.INITIAL });
    });
    it('after setIncomingAndReceive, getIncomingLength gives Lc and getOffsetCdata 5', async () => {
      expect(await rule(card.s, 0x03, { data: '010203' })).toMatchObject({ kind: KIND.NONE, value: 3, state: STATE.FULL_INCOMING });
      expect(await rule(card.s, 0x04, { data: '010203' })).toMatchObject({ kind: KIND.NONE, value: 5 });
    });
    it('setIncomingAndReceive a second time: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x05, { data: '01' })).toMatchObject({ ...illegalUse, state: STATE.FULL_INCOMING });
    });
    it('setIncomingAndReceive after setOutgoing: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x06, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
    });
    it('getIncomingLength after setOutgoing: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x07, { data: '01', le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
    });
    it('receiveBytes before setIncomingAndReceive, or after setOutgoing: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x08, { data: '01' })).toMatchObject({ ...illegalUse, state: STATE.INITIAL });
      expect(await rule(card.s, 0x09, { data: '01', le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
    });
    it('receiveBytes at a negative offset: BUFFER_BOUNDS', async () => {
      expect(await rule(card.s, 0x0a, { data: '01' })).toMatchObject({ kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.BUFFER_BOUNDS });
    });
  });

  describe('APDU: outgoing data', () => {
    it('setOutgoing, or setOutgoingNoChaining, after setOutgoing: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x0b, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
      expect(await rule(card.s, 0x0c, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
    });
    it('setOutgoingLength before setOutgoing, or a second time: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x0d, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.INITIAL });
      expect(await rule(card.s, 0x0e, { le: 2 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING_LENGTH_KNOWN });
    });
    it('setOutgoingLength over 256 without ExtendedLength, or negative: BAD_LENGTH', async () => {
      expect(await rule(card.s, 0x0f)).toMatchObject({ kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.BAD_LENGTH, state: STATE.OUTGOING });
      expect(await rule(card.s, 0x10)).toMatchObject({ kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.BAD_LENGTH, state: STATE.OUTGOING });
    });
    it('without block chaining in T=1, setOutgoingLength over IFSD - 2 (252): BAD_LENGTH', async () => {
      expect(await rule(card.s, 0x11)).toMatchObject({ kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.BAD_LENGTH, state: STATE.OUTGOING });
    });
    it('sendBytes before setOutgoingLength, or beyond the promised length: ILLEGAL_USE', async () => {
      expect(await rule(card.s, 0x12, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
      expect(await rule(card.s, 0x13, { le: 3 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING_LENGTH_KNOWN });
    });
    it('sendBytes past the end of the APDU buffer: BUFFER_BOUNDS', async () => {
      expect(await rule(card.s, 0x14, { le: 2 })).toMatchObject({ kind: KIND.APDU_EXCEPTION, reason: APDU_EXC.BUFFER_BOUNDS, state: STATE.OUTGOING_LENGTH_KNOWN });
    });
    it('sendBytesLong past the end of its array: an array index exception, not an APDUException', async () => {
      expect(await rule(card.s, 0x15, { le: 2 })).toMatchObject({ kind: KIND.OTHER_EXCEPTION, state: STATE.OUTGOING_LENGTH_KNOWN });
    });
    it('sendBytes after setOutgoingAndSend, and setOutgoingAndSend after setOutgoing: ILLEGAL_USE', async () => {
      const r = await rule(card.s, 0x16, { le: 1 });
      expect(r).toMatchObject({ ...illegalUse, state: STATE.FULL_OUTGOING });
      expect(r.data).toBe('80'); // the one byte setOutgoingAndSend sent: the buffer's CLA
      expect(await rule(card.s, 0x17, { le: 1 })).toMatchObject({ ...illegalUse, state: STATE.OUTGOING });
    });
    it('setOutgoing gives Ne: the Le of the command in T=1', async () => {
      expect(await rule(card.s, 0x18, { data: '01', le: 0x10 })).toMatchObject({ kind: KIND.NONE, value: 0x10 });
    });
    it('an applet that sends fewer bytes than it promised: the runtime completes them with zeros, then the status word', async () => {
      const r = await rule(card.s, 0x19, { le: 4 });
      expect(r).toMatchObject({ kind: KIND.NONE, state: STATE.PARTIAL_OUTGOING });
      expect({ data: r.data, sw: r.sw }).toEqual({ data: 'AABB0000', sw: 0x9000 });
    });
    it('getCurrentState follows INITIAL, FULL_INCOMING, OUTGOING, OUTGOING_LENGTH_KNOWN, FULL_OUTGOING; getProtocol is T=1', async () => {
      const r = await rule(card.s, 0x1b, { data: '01', le: 5 });
      expect(r.sw).toBe(0x9000);
      expect(r.data).toBe('0002030406');
      expect(await rule(card.s, 0x1a)).toMatchObject({ kind: KIND.NONE, value: 1 });
    });
  });

  describe('transactions', () => {
    it('abortTransaction rolls back at once: the applet reads the old values in the same process()', async () => {
      expect((await card.s.transmit({ cla: 0x80, ins: 0x16, p1: 0x11, p2: 0 })).sw).toBe(0x9000); // committed
      expect(await probe(card.s, 0x44, 0x01)).toMatchObject({ kind: KIND.NONE, value: 0x1111 });
    });
    it('beginTransaction inside a transaction: TransactionException IN_PROGRESS', async () => {
      expect(await probe(card.s, 0x44, 0x02)).toMatchObject({ kind: KIND.TRANSACTION_EXCEPTION, reason: TX_EXC.IN_PROGRESS });
    });
    it('commitTransaction or abortTransaction with none open: TransactionException NOT_IN_PROGRESS', async () => {
      expect(await probe(card.s, 0x44, 0x03)).toMatchObject({ kind: KIND.TRANSACTION_EXCEPTION, reason: TX_EXC.NOT_IN_PROGRESS });
      expect(await probe(card.s, 0x44, 0x04)).toMatchObject({ kind: KIND.TRANSACTION_EXCEPTION, reason: TX_EXC.NOT_IN_PROGRESS });
    });
  });

  describe('transient memory', () => {
    it('keeps both kinds while the applet stays selected', async () => {
      await fillTransients(card.s, 0x66);
      expect(await transients(card.s)).toEqual({ cor: 0x66, cod: 0x66 });
    });
    it('clears CLEAR_ON_DESELECT when the applet is deselected, and keeps CLEAR_ON_RESET', async () => {
      await fillTransients(card.s, 0x66);
      await select(card.s, OTHER_PROBE);
      await select(card.s, PROBE);
      expect(await transients(card.s)).toEqual({ cor: 0x66, cod: 0 });
    });
    it('clears CLEAR_ON_DESELECT when the channel the applet was selected on closes', async () => {
      await select(card.s, OTHER_PROBE);
      const open = await card.s.transmit({ cla: 0x00, ins: 0x70, p1: 0, p2: 0, le: 1 });
      expect(open.sw).toBe(0x9000);
      const ch = open.data[0]!;
      await select(card.s, PROBE, ch);
      await fillTransients(card.s, 0x77, 0x80 | ch);
      expect((await card.s.transmit({ cla: 0x00, ins: 0x70, p1: 0x80, p2: ch })).sw).toBe(0x9000);
      await select(card.s, PROBE);
      expect(await transients(card.s)).toEqual({ cor: 0x77, cod: 0 });
    });
    it.each(['warm', 'cold'] as const)('clears CLEAR_ON_RESET and CLEAR_ON_DESELECT at a %s reset', async (kind) => {
      await select(card.s, PROBE);
      await fillTransients(card.s, 0x66);
      await card.sim.transport.reset(kind);
      await select(card.s, PROBE);
      expect(await transients(card.s)).toEqual({ cor: 0, cod: 0 });
    });
    it('clears CLEAR_ON_RESET when the card moves to another reader (a handset swap), keeping persistent data', async () => {
      await select(card.s, PROBE);
      expect((await card.s.transmit({ cla: 0x80, ins: 0x16, p1: 0x21, p2: 0 })).sw).toBe(0x9000);
      await fillTransients(card.s, 0x66);
      const t = await card.sim.moveToNewReader();
      await t.connect();
      card.s.moveTo(t);
      await select(card.s, PROBE);
      const r = await card.s.transmit({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, le: 6 });
      expect({ persistent: r.data[0], cor: r.data[2], cod: r.data[3] }).toEqual({ persistent: 0x21, cor: 0, cod: 0 });
    });
  });
});

describe('strict runtime, T=0', () => {
  let card: Card;
  beforeAll(async () => {
    card = await start('T=0');
    await select(card.s, PROBE);
  });
  afterAll(async () => {
    await card?.sim.stop();
  });

  it('getProtocol is T=0', async () => {
    expect(await rule(card.s, 0x1a)).toMatchObject({ kind: KIND.NONE, value: 0 });
  });
  it('setOutgoing gives 256 for a case 4 command, whatever Le the terminal had in mind', async () => {
    expect(await rule(card.s, 0x18, { data: '01', le: 0x10 })).toMatchObject({ kind: KIND.NONE, value: 256 });
  });
  it('without chaining, 253 bytes are allowed (the T=0 limit is 256) and the out block size is 258', async () => {
    expect(await rule(card.s, 0x11)).toMatchObject({ kind: KIND.NONE, value: 258, state: STATE.OUTGOING_LENGTH_KNOWN });
  });
  it('getIncomingLength before setIncomingAndReceive: ILLEGAL_USE, as in T=1', async () => {
    expect(await rule(card.s, 0x01, { data: '0102' })).toMatchObject({ ...illegalUse, state: STATE.INITIAL });
  });
  it('a response completed with zeros reaches the terminal through GET RESPONSE', async () => {
    const r = await rule(card.s, 0x19, { le: 4 });
    expect({ data: r.data, sw: r.sw }).toEqual({ data: 'AABB0000', sw: 0x9000 });
  });
});
