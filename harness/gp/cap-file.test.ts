// CAP reading. No published CAP file could be stored here, so the test CAP is assembled from published component
// bytes: the Header and Applet components of GlobalPlatformPro's tests/Empty_0102030405_8d5ac9e2_2.2.1.cap as
// quoted in ../shared/reference/globalplatform.md 4.1, plus small components of the right shape for the others.
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, hex } from '../bytes.ts';
import { CapFileError, readCapFile } from './cap-file.ts';

const HEADER = fromHex('01000FDECAFFED0102040000050102030405');
const APPLET = fromHex('03000C010801020304050607080013');
const component = (tag: number, body: string): Uint8Array => {
  const b = fromHex(body);
  return concat(Uint8Array.of(tag, b.length >> 8, b.length & 0xff), b);
};

function cap(extra: Record<string, Uint8Array> = {}): Uint8Array {
  const dir = 'empty/javacard/';
  return zipSync({
    'META-INF/MANIFEST.MF': strToU8('Manifest-Version: 1.0\n'),
    [`${dir}Header.cap`]: HEADER,
    [`${dir}Applet.cap`]: APPLET,
    [`${dir}Directory.cap`]: component(2, 'AA'),
    [`${dir}Import.cap`]: component(4, '01'),
    [`${dir}Method.cap`]: component(7, '0102'),
    [`${dir}Class.cap`]: component(6, '03'),
    [`${dir}ConstantPool.cap`]: component(5, '04'),
    [`${dir}RefLocation.cap`]: component(9, '05'),
    [`${dir}StaticField.cap`]: component(8, '06'),
    [`${dir}Descriptor.cap`]: component(11, 'DD'),
    [`${dir}Debug.cap`]: component(12, 'EE'),
    ...extra,
  });
}

describe('CAP files', () => {
  it('reads the package and applet AIDs from the Header and Applet components', () => {
    const c = readCapFile(cap());
    expect(c.packageAid).toBe('0102030405');
    expect(c.packageVersion).toBe('0.0');
    expect(c.appletAids).toEqual(['0102030405060708']);
  });

  it('puts the components in GlobalPlatformPro\'s load order and leaves Descriptor and Debug out', () => {
    const c = readCapFile(cap());
    expect(hex(c.loadFileDataBlock)).toBe(hex(concat(HEADER, component(2, 'AA'), component(4, '01'), APPLET, component(6, '03'),
      component(7, '0102'), component(8, '06'), component(5, '04'), component(9, '05'))));
  });

  it('refuses what is not a CAP file, with the reason', () => {
    expect(() => readCapFile(strToU8('not a zip'))).toThrow(CapFileError);
    expect(() => readCapFile(strToU8('not a zip'))).toThrow(/9 bytes, shorter than a ZIP end record/);
    // An empty archive is exactly its 22-byte end record: a ZIP, but without a Header.cap.
    expect(() => readCapFile(zipSync({}))).toThrow(/no Header.cap/);
    expect(() => readCapFile(zipSync({ 'a.txt': strToU8('x') }))).toThrow(/no Header.cap/);
    expect(() => readCapFile(cap({ 'empty/javacard/Class.cap': fromHex('060005AA') }))).toThrow(/Class.cap says 5 bytes/);
  });
});
