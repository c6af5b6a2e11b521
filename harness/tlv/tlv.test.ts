import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { derObjectSize, parseTlvs, readTlv, TlvError } from './ber.ts';
import { decodeDgis, encodeDgi, splitIntoBlocks } from './dgi.ts';

describe('BER-TLV', () => {
  // Tag and length forms per ITU-T X.690 8.1.2 / 8.1.3 and ISO/IEC 7816-4 5.2.
  it('reads multi-byte tags and long-form lengths', () => {
    const t = readTlv(fromHex('9F7F03010203'));
    expect(t.tag).toBe('9F7F');
    expect(hex(t.value)).toBe('010203');
    const big = readTlv(fromHex(`7F49820100${'AB'.repeat(256)}`));
    expect(big.tag).toBe('7F49');
    expect(big.constructed).toBe(true);
    expect(big.length).toBe(256);
  });

  it('skips 00/FF padding between objects', () => {
    expect(parseTlvs(fromHex('00FF8001AA00')).map((t) => t.tag)).toEqual(['80']);
  });

  it.each([
    ['truncated value', '8005AABB'],
    ['truncated length', '9F7F'],
    ['indefinite length', '3080'],
    ['length of 5 bytes', '80850000000001'],
  ])('rejects %s', (_name, input) => {
    expect(() => parseTlvs(fromHex(input))).toThrow(TlvError);
  });

  it('sizes a DER certificate from its header (30 82 HH LL -> HHLL + 4)', () => {
    expect(derObjectSize(fromHex('308204D2'))).toBe(0x04d2 + 4);
    expect(derObjectSize(fromHex('30819F'))).toBe(0x9f + 3);
    expect(derObjectSize(fromHex('3010'))).toBe(0x12);
  });
});

describe('DGI (EMV CPS v1.1 5.3)', () => {
  it('uses a one-byte length below 255 and FF + two bytes from 255 up', () => {
    expect(hex(encodeDgi({ id: 0x8201, data: new Uint8Array(128).fill(1) })).slice(0, 6)).toBe('820180');
    expect(hex(encodeDgi({ id: 0xa00a, data: new Uint8Array(254) })).slice(0, 6)).toBe('A00AFE');
    expect(hex(encodeDgi({ id: 0xa00a, data: new Uint8Array(255) })).slice(0, 10)).toBe('A00AFF00FF');
    expect(hex(encodeDgi({ id: 0xa00a, data: new Uint8Array(1234) })).slice(0, 10)).toBe('A00AFF04D2');
  });

  it('decodes what it encodes across block splits', () => {
    const dgis = [
      { id: 0x8010, data: fromHex('31323334') },
      { id: 0x9010, data: fromHex('0303') },
      { id: 0xa00a, data: new Uint8Array(700).map((_, i) => i & 0xff) },
    ];
    const stream = Uint8Array.from(dgis.flatMap((d) => [...encodeDgi(d)]));
    const blocks = splitIntoBlocks(stream, 255);
    expect(blocks.every((b) => b.length <= 255)).toBe(true);
    const back = decodeDgis(Uint8Array.from(blocks.flatMap((b) => [...b])));
    expect(back.map((d) => [d.id, hex(d.data)])).toEqual(dgis.map((d) => [d.id, hex(d.data)]));
  });

  it('rejects a DGI whose length runs past the data', () => {
    expect(() => decodeDgis(fromHex('8201100102'))).toThrow(/says 16 bytes/);
  });
});
