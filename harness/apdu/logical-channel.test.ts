// The class byte of a command on a logical channel, per ISO/IEC 7816-4 section 5.4.1 (table 2 and 3): the values
// below are read off the standard's bit layout, not computed by the code under test.
import { describe, expect, it } from 'vitest';
import { claForChannel } from './logical-channel.ts';

describe('CLA on a logical channel', () => {
  it.each([
    [0x00, 0, 0x00], [0x00, 1, 0x01], [0x00, 3, 0x03],
    [0x00, 4, 0x40], [0x00, 5, 0x41], [0x00, 19, 0x4f],
    [0x80, 2, 0x82], [0x80, 4, 0xc0], [0x80, 19, 0xcf], // GlobalPlatform's proprietary class keeps b8
    [0x10, 1, 0x11], [0x10, 6, 0x52], // command chaining (b5) kept
    [0x03, 0, 0x00], [0x41, 2, 0x02], // an existing channel number is replaced
  ])('CLA %i on channel %i is %i', (cla, n, want) => {
    expect(claForChannel(cla, n)).toBe(want);
  });

  it('refuses channel numbers ISO/IEC 7816-4 does not have', () => {
    expect(() => claForChannel(0, 20)).toThrow(RangeError);
    expect(() => claForChannel(0, -1)).toThrow(RangeError);
  });
});
