// The OTA layer's own rules beyond the published vectors (ota-vectors.test.ts): SPI coding both ways and its
// reserved values, the minimum-security-level order, PoRs the card sends unsecured (status 06 and header errors),
// altered or truncated packets, and the masking of checksums in what the reports show.
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { maskedTpdu } from './ota-client.ts';
import { POR_STATUS, describePorStatus } from './por.ts';
import { buildCommandPacket, buildResponsePacket, openCommandPacket, openResponsePacket, type OtaKeys } from './secured-packet.ts';
import { commandPacketUserData, encodeSmsDeliver, SIM_DATA_DOWNLOAD, smsPpDownloadEnvelope } from './sms-pp.ts';
import { decodeSpi, encodeSpi, meetsMinimumSecurityLevel, SpiError, type Spi } from './spi.ts';

const AES: OtaKeys = {
  cipher: { kvn: 2, algorithm: 'aes-cbc', key: fromHex('200102030405060708090A0B0C0D0E0F') },
  checksum: { kvn: 2, algorithm: 'aes-cmac', key: fromHex('201102030405060708090A0B0C0D0E0F') },
};
const TDES: OtaKeys = {
  cipher: { kvn: 1, algorithm: '3des-2key', key: fromHex('2233445566778899AABBCCDDEEFF0011') },
  checksum: { kvn: 1, algorithm: '3des-2key', key: fromHex('456789ABCDEF012356789ABCDEF01234') },
};
const SPI: Spi = { checksum: 'cc', ciphered: true, counter: 'higher', por: 'required', porChecksum: 'cc', porCiphered: true, porViaSubmit: false };

describe('SPI (TS 102 225 5.1.1)', () => {
  it('encodes the pySim and onomondo examples and decodes them back', () => {
    expect(hex(encodeSpi({ ...SPI, counter: 'none' }))).toBe('0619');
    expect(hex(encodeSpi({ ...SPI, porViaSubmit: true }))).toBe('1639');
    for (const h of ['0619', '1639', '1E19', '0E00', '1535', '0000']) expect(hex(encodeSpi(decodeSpi(fromHex(h))))).toBe(h);
  });

  it('refuses reserved bits and the reserved PoR coding', () => {
    for (const h of ['2619', '0659', '0603', '06']) expect(() => decodeSpi(fromHex(h))).toThrow(SpiError);
  });

  it('orders security levels: a weaker checksum, no ciphering or a laxer counter is below the MSL', () => {
    expect(meetsMinimumSecurityLevel(0x16, 0x16)).toBe(true);
    expect(meetsMinimumSecurityLevel(0x1e, 0x16)).toBe(true);
    expect(meetsMinimumSecurityLevel(0x12, 0x16)).toBe(false); // not ciphered
    expect(meetsMinimumSecurityLevel(0x0e, 0x16)).toBe(false); // counter without check
    expect(meetsMinimumSecurityLevel(0x15, 0x16)).toBe(false); // RC instead of CC
    expect(meetsMinimumSecurityLevel(0x00, 0x00)).toBe(true);
  });
});

describe('response packets', () => {
  for (const [name, keys] of [['AES', AES], ['3DES', TDES]] as const) {
    it(`${name}: a ciphered, signed PoR opens to its status and data; one altered octet is refused`, () => {
      const por = buildResponsePacket({ spi: SPI, tar: fromHex('000000'), counter: 7n, status: 0, data: fromHex('019000E012'), keys });
      const r = openResponsePacket(por, SPI, keys);
      expect([r.status, hex(r.data), r.counter, r.secured]).toEqual([0, '019000E012', 7n, true]);
      const bad = por.slice();
      bad[bad.length - 1]! ^= 0x01;
      expect(() => openResponsePacket(bad, SPI, keys)).toThrow(/does not verify/);
    });
  }

  it('takes a PoR the card sent unsecured (RHL 0A, status 06) and says so', () => {
    const por = buildResponsePacket({ spi: SPI, tar: fromHex('B00011'), counter: 0n, status: 0x06, data: new Uint8Array(0), keys: AES, unsecured: true });
    // RPL 000B: RHL, TAR (3), CNTR (5), PCNTR, status; pySim's plain PoR with 3 data octets has 000E.
    expect(hex(por)).toBe('027100000B0AB0001100000000000006');
    const r = openResponsePacket(por, SPI, AES);
    expect([r.status, r.secured]).toEqual([0x06, false]);
  });

  it('refuses a PoR without its RPI header, or with a length that does not match', () => {
    expect(() => openResponsePacket(fromHex('0270000E0AB0001100000000000006'), SPI, AES)).toThrow(/02 71 00/);
    expect(() => openResponsePacket(fromHex('027100000F0AB0001100000000000006'), SPI, AES)).toThrow(/RPL/);
  });

  it('names every status of table 5.5', () => {
    expect(describePorStatus(POR_STATUS.insufficientSecurityLevel)).toBe('0A (insufficient security level)');
    expect(describePorStatus(0xc5)).toBe('C5 (proprietary)');
    expect(describePorStatus(0x20)).toBe('20 (reserved for future use)');
  });
});

describe('command packets', () => {
  it('refuses a truncated packet or a CPL that does not match with status 06', () => {
    const p = buildCommandPacket({ spi: SPI, tar: fromHex('000000'), counter: 1n, keys: AES, data: fromHex('80F24000024F00') });
    expect(() => openCommandPacket(p.subarray(0, p.length - 1), AES)).toThrow(expect.objectContaining({ status: 0x06 }));
    expect(() => openCommandPacket(p.subarray(0, 10), AES)).toThrow(expect.objectContaining({ status: 0x06 }));
  });

  it('pads a ciphered packet to the cipher block and leaves an unciphered one unpadded', () => {
    const data = fromHex('80F24000024F00');
    const ciphered = buildCommandPacket({ spi: SPI, tar: fromHex('000000'), counter: 1n, keys: AES, data });
    expect((ciphered.length - 10) % 16).toBe(0);
    const clear = buildCommandPacket({ spi: { ...SPI, ciphered: false }, tar: fromHex('000000'), counter: 1n, keys: AES, data });
    expect(clear.length).toBe(10 + 6 + 8 + data.length);
    expect(openCommandPacket(clear, AES).paddingCount).toBe(0);
  });
});

describe('what reports show', () => {
  it('masks the checksum of a packet sent in clear in its TPDU', () => {
    const spi = { ...SPI, ciphered: false };
    const packet = buildCommandPacket({ spi, tar: fromHex('000000'), counter: 1n, keys: AES, data: fromHex('80F24000024F00') });
    const cc = hex(packet.subarray(16, 24));
    const [ud] = commandPacketUserData(packet);
    const env = smsPpDownloadEnvelope(encodeSmsDeliver({ firstOctet: 0x40, originator: { digits: '1234', toa: 0x81 }, ...SIM_DATA_DOWNLOAD, scts: new Uint8Array(7), userData: ud! }));
    const shown = maskedTpdu(env.data, spi, 8);
    expect(shown).not.toContain(cc);
    expect(shown).toContain('*'.repeat(16));
    expect(shown.replace('*'.repeat(16), cc)).toBe(hex(encodeSmsDeliver({ firstOctet: 0x40, originator: { digits: '1234', toa: 0x81 }, ...SIM_DATA_DOWNLOAD, scts: new Uint8Array(7), userData: ud! })));
  });
});
