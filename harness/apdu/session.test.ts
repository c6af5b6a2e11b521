// The session's transmission rules, driven by a scripted card: each step checks the exact bytes the harness
// sent and answers what a T=0 card or a short-APDU card would (ISO/IEC 7816-3 12.2, ISO/IEC 7816-4 5.1.3).
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import type { Transport } from '../transport/transport.ts';
import { ApduProtocolError, CardError, CardSession } from './session.ts';

class ScriptedCard implements Transport {
  readonly reader = 'scripted';
  atr = fromHex('3B00');
  readonly sent: string[] = [];
  constructor(private readonly script: [expect: string, answer: string][]) {}
  async connect(): Promise<void> {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const step = this.script.shift();
    this.sent.push(hex(apdu));
    if (!step) throw new Error(`unexpected APDU ${hex(apdu)}`);
    expect(hex(apdu)).toBe(step[0]);
    return fromHex(step[1]);
  }
  async reset(): Promise<Uint8Array> {
    return this.atr;
  }
  async close(): Promise<void> {}
}

describe('CardSession', () => {
  it('collects 61xx responses with GET RESPONSE on the same channel', async () => {
    const card = new ScriptedCard([
      ['01B0000000', '6100'],
      ['01C0000000', `${'11'.repeat(256)}6104`],
      ['01C0000004', '222222229000'],
    ]);
    const s = new CardSession(card, { extendedLength: false });
    const r = await s.transmit({ cla: 0x01, ins: 0xb0, p1: 0, p2: 0, le: 256 });
    expect(r.sw).toBe(0x9000);
    expect(r.data.length).toBe(260);
    expect(s.trace.entries.map((e) => e.name)).toEqual(['01 B0 00 00', '01 B0 00 00 [GET RESPONSE]', '01 B0 00 00 [GET RESPONSE]']);
  });

  it('uses the interindustry class for GET RESPONSE after a proprietary command', async () => {
    const card = new ScriptedCard([
      ['802A008002AAAA00', '6102'],
      ['00C0000002', '01029000'],
    ]);
    const r = await new CardSession(card, { extendedLength: false }).transmit({ cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: fromHex('AAAA'), le: 256 });
    expect(hex(r.data)).toBe('0102');
  });

  it('re-sends once with the Le a 6Cxx names', async () => {
    const card = new ScriptedCard([
      ['00B0000000', '6C05'],
      ['00B0000005', '01020304059000'],
    ]);
    const r = await new CardSession(card, { extendedLength: false }).transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 });
    expect(hex(r.data)).toBe('0102030405');
  });

  it('stops a card that answers 6Cxx twice', async () => {
    const card = new ScriptedCard([
      ['00B0000000', '6C05'],
      ['00B0000005', '6C04'],
    ]);
    await expect(new CardSession(card, { extendedLength: false }).transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 })).rejects.toThrow(ApduProtocolError);
  });

  it('gives up on a card that never stops answering 61xx', async () => {
    const script: [string, string][] = [['00B0000000', '6101']];
    for (let i = 0; i < 400; i++) script.push(['00C0000001', '006101']);
    const s = new CardSession(new ScriptedCard(script), { extendedLength: false });
    await expect(s.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 })).rejects.toThrow(/kept answering 61xx/);
  });

  it('chains command data over 255 bytes with CLA bit 5 when extended length is off', async () => {
    const data = new Uint8Array(300).fill(0x5a);
    const card = new ScriptedCard([
      [`10DB3FFFFF${'5A'.repeat(255)}`, '9000'],
      [`00DB3FFF2D${'5A'.repeat(45)}`, '9000'],
    ]);
    const r = await new CardSession(card, { extendedLength: false }).transmit({ cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data }, { chain: true });
    expect(r.sw).toBe(0x9000);
  });

  it('send() throws a CardError naming the command, its header and the status word meaning', async () => {
    const card = new ScriptedCard([['00A4020C020017', '6A82']]);
    const s = new CardSession(card, { extendedLength: false });
    const err = await s.send({ cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: fromHex('0017') }, { name: 'SELECT EF 0017' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardError);
    expect((err as Error).message).toBe('SELECT EF 0017 (00 A4 02 0C) answered 6A82: file or application not found');
  });

  it('never records redacted command data or registered secrets in the trace', async () => {
    const card = new ScriptedCard([
      ['002000800431323334', '63C2'],
      ['00DA000006313233343536', '9000'],
    ]);
    const s = new CardSession(card, { extendedLength: false });
    s.trace.registerSecret(fromHex('31323334'));
    await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex('31323334') }, { redact: 'command-data' });
    // Not marked as secret by the caller, but it contains the registered PIN bytes.
    await s.transmit({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: fromHex('313233343536') });
    const text = s.trace.format();
    expect(text).not.toMatch(/31 32 33 34/);
    expect(text).toContain('00 20 00 80 04 ** ** ** **');
    expect(text).toContain('00 DA 00 00 06 ** ** ** ** 35 36');
  });

  it('masks every occurrence of a registered secret, overlapping ones included, in commands and answers', async () => {
    const card = new ScriptedCard([
      ['00DA000008AA111111BB111100', '9000'],
      ['00CA00FF00', 'CC1111DD9000'],
    ]);
    const s = new CardSession(card, { extendedLength: false });
    s.trace.registerSecret(fromHex('1111'));
    await s.transmit({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: fromHex('AA111111BB111100') });
    await s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xff, le: 256 });
    const text = s.trace.format();
    expect(text).toContain('00 DA 00 00 08 AA ** ** ** BB ** ** 00');
    expect(text).toContain('CC ** ** DD');
  });

  it('refuses to build an extended APDU for a card without extended length', async () => {
    const s = new CardSession(new ScriptedCard([]), { extendedLength: false });
    await expect(s.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 1024 })).rejects.toThrow(/extended-length/);
  });
});
