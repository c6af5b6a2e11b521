import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { ApduFormatError, decodeCommand, decodeResponse, encodeCommand, type CommandApdu } from './apdu.ts';
import { describeSw } from './status-words.ts';

// The four cases and their short/extended encodings, written out by hand from ISO/IEC 7816-3:2006 12.1.3
// (Lc, Le and their extended forms), not produced by the encoder.
const cases: { name: string; cmd: CommandApdu; wire: string; extended?: boolean }[] = [
  { name: 'case 1', cmd: { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00 }, wire: '00A40400' },
  { name: 'case 2S, Ne=256 is Le=00', cmd: { cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 256 }, wire: '00B0000000' },
  { name: 'case 2S, Ne=255', cmd: { cla: 0x00, ins: 0xb0, p1: 0, p2: 0x10, le: 255 }, wire: '00B00010FF' },
  { name: 'case 3S', cmd: { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: fromHex('000A') }, wire: '00A4020C02000A' },
  { name: 'case 4S', cmd: { cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: fromHex('0102'), le: 256 }, wire: '802A0080020102' + '00' },
  { name: 'case 2E, Ne=65536 is 000000', cmd: { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 65536 }, wire: '00B00000000000' },
  { name: 'case 2E, Ne=257', cmd: { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 257 }, wire: '00B00000000101' },
  { name: 'case 3E', cmd: { cla: 0, ins: 0xda, p1: 1, p2: 2, data: new Uint8Array(256).fill(0xaa) }, wire: `00DA0102000100${'AA'.repeat(256)}` },
  { name: 'case 4E', cmd: { cla: 0, ins: 0x2a, p1: 0x9e, p2: 0x9a, data: fromHex('11'), le: 512 }, wire: '002A9E9A000001110200', extended: true },
];

describe('command APDU encoding (ISO/IEC 7816-3 12.1.3)', () => {
  for (const c of cases) {
    it(`encodes and decodes ${c.name}`, () => {
      const wire = encodeCommand(c.cmd, c.extended ? { extended: true } : {});
      expect(hex(wire)).toBe(c.wire);
      const back = decodeCommand(fromHex(c.wire));
      expect(back.cla).toBe(c.cmd.cla);
      expect(back.le).toBe(c.cmd.le);
      expect(hex(back.data ?? new Uint8Array())).toBe(hex(c.cmd.data ?? new Uint8Array()));
    });
  }

  it('refuses a command that needs extended length when it is switched off', () => {
    expect(() => encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 300 }, { extended: false })).toThrow(ApduFormatError);
  });

  it('rejects out-of-range header bytes and Le', () => {
    expect(() => encodeCommand({ cla: 0x100, ins: 0, p1: 0, p2: 0 })).toThrow(/CLA must be a byte/);
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, le: 0 })).toThrow(/Le must be 1..65536/);
  });

  it('rejects a command whose Lc disagrees with its length', () => {
    expect(() => decodeCommand(fromHex('00A4040C0AD392'))).toThrow(/Lc=10/);
    expect(() => decodeCommand(fromHex('00A4'))).toThrow(/shorter than its 4-byte header/);
  });
});

describe('response APDUs and status words', () => {
  it('splits data and status word', () => {
    const r = decodeResponse(fromHex('0102039000'));
    expect(hex(r.data)).toBe('010203');
    expect(r.sw).toBe(0x9000);
  });

  it('rejects a response without a status word', () => {
    expect(() => decodeResponse(fromHex('90'))).toThrow(/no status word/);
  });

  // Meanings from ISO/IEC 7816-4:2013 5.6 tables 5 and 6.
  it.each([
    [0x9000, '9000: normal processing'],
    [0x63c2, '63C2: verification failed, 2 tries left'],
    [0x63c1, '63C1: verification failed, 1 try left'],
    [0x6982, '6982: security status not satisfied'],
    [0x6984, '6984: reference data not usable (blocked)'],
    [0x6a82, '6A82: file or application not found'],
    [0x6110, '6110: 16 response bytes still available (GET RESPONSE)'],
    [0x6c20, '6C20: wrong Le; exact length is 32'],
    [0x6b00, '6B00: wrong parameters P1-P2 (offset outside the EF)'],
    [0x9f10, '9F10: unknown status word'],
  ])('describes %s', (sw, text) => {
    expect(describeSw(sw)).toBe(text);
  });
});
