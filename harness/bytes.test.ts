// The hex helpers every layer uses: upper case, two digits per byte, an optional separator between bytes only.
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from './bytes.ts';

describe('hex', () => {
  it('gives two upper-case digits per byte, leading zeros kept', () => {
    expect(hex(Uint8Array.of(0x00, 0x0a, 0x9f, 0xff))).toBe('000A9FFF');
  });

  it('puts the separator between bytes, not around them', () => {
    expect(hex(Uint8Array.of(0x90, 0x00), ' ')).toBe('90 00');
    expect(hex(Uint8Array.of(0x6a), ':')).toBe('6A');
  });

  it('gives an empty string for no bytes', () => {
    expect(hex(new Uint8Array(0), ' ')).toBe('');
  });

  it('reads only the view it is given, not the whole buffer behind it', () => {
    const all = Uint8Array.of(1, 2, 3, 4, 5);
    expect(hex(all.subarray(1, 3))).toBe('0203');
  });

  it('round-trips every byte value through fromHex', () => {
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(hex(every, ' '))).toEqual(every);
  });
});
