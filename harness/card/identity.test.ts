// EF ICCID decoding (ETSI TS 102 221 section 13.2: BCD, nibbles swapped per byte, F padding) and ATR matching.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { atrMatches } from './find-card.ts';
import { decodeIccid } from './identity.ts';

describe('ICCID from EF ICCID', () => {
  it('swaps the nibbles of each byte', () => {
    // 20 digits 8981 1000 0012 3456 7890: each pair of digits is stored low nibble first.
    expect(decodeIccid(fromHex('98180100002143658709'))).toBe('89811000001234567890');
  });

  it('drops the F padding of a 19-digit ICCID', () => {
    expect(decodeIccid(fromHex('981801000021436587F9'))).toBe('8981100000123456789');
  });
});

describe('ATR patterns', () => {
  const atr = fromHex('3BFA1800008131FE454A434F5033315632333298');
  it('matches exactly, or through a mask that ignores the bytes a card batch varies', () => {
    expect(atrMatches(atr, '3BFA1800008131FE454A434F5033315632333298')).toBe(true);
    expect(atrMatches(atr, '3BFA1800008131FE454A434F5033315632333200', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00')).toBe(true);
    expect(atrMatches(atr, '3BFA1800008131FE454A434F5033315632333200')).toBe(false);
    expect(atrMatches(atr.subarray(0, 10), '3BFA1800008131FE454A')).toBe(true);
    expect(atrMatches(atr, '3BFA1800008131FE454A')).toBe(false);
  });
});
