// The Security Parameter Indicator of ETSI TS 102 225 clause 5.1.1 (two octets), with the TS 31.115 SMS bit: which
// protections a secured packet carries and which its Proof of Receipt must carry. Typed both ways so that no caller
// ever assembles SPI bits by hand.

/** SPI1 b2b1 / SPI2 b4b3: what integrity protection a packet carries. */
export type ChecksumKind = 'none' | 'rc' | 'cc' | 'ds';
/** SPI1 b5b4: 00 none, 01 counter present without check, 10 higher than the card's, 11 exactly one higher. */
export type CounterMode = 'none' | 'available' | 'higher' | 'one-higher';
/** SPI2 b2b1: 00 no PoR, 01 PoR required, 10 PoR only on error. */
export type PorRequest = 'none' | 'required' | 'on-error';

export interface Spi {
  checksum: ChecksumKind;
  ciphered: boolean;
  counter: CounterMode;
  por: PorRequest;
  porChecksum: ChecksumKind;
  porCiphered: boolean;
  /** SPI2 b6 (TS 31.115): PoR sent by SMS-SUBMIT (true) or in the SMS-DELIVER-REPORT, i.e. the ENVELOPE reply. */
  porViaSubmit: boolean;
}

export class SpiError extends Error {}

const CHECKSUMS: ChecksumKind[] = ['none', 'rc', 'cc', 'ds'];
const COUNTERS: CounterMode[] = ['none', 'available', 'higher', 'one-higher'];
const PORS: PorRequest[] = ['none', 'required', 'on-error'];

export function encodeSpi(spi: Spi): Uint8Array {
  const spi1 = CHECKSUMS.indexOf(spi.checksum) | (spi.ciphered ? 0x04 : 0) | (COUNTERS.indexOf(spi.counter) << 3);
  const spi2 = PORS.indexOf(spi.por) | (CHECKSUMS.indexOf(spi.porChecksum) << 2) | (spi.porCiphered ? 0x10 : 0) |
    (spi.porViaSubmit ? 0x20 : 0);
  return Uint8Array.of(spi1, spi2);
}

/** Decodes two SPI octets; reserved bits set (SPI1 b8-b6, SPI2 b8b7, PoR 11) are refused, as the header is then not interpretable. */
export function decodeSpi(bytes: Uint8Array): Spi {
  if (bytes.length !== 2) throw new SpiError(`SPI is two octets, got ${bytes.length}`);
  const [spi1, spi2] = [bytes[0]!, bytes[1]!];
  if (spi1 & 0xe0) throw new SpiError(`SPI1 ${hex2(spi1)}: reserved bits b8-b6 set (TS 102 225 5.1.1)`);
  if (spi2 & 0xc0) throw new SpiError(`SPI2 ${hex2(spi2)}: reserved bits b8-b7 set (TS 102 225 5.1.1)`);
  if ((spi2 & 0x03) === 0x03) throw new SpiError(`SPI2 ${hex2(spi2)}: PoR coding 11 is reserved (TS 102 225 5.1.1)`);
  return {
    checksum: CHECKSUMS[spi1 & 0x03]!,
    ciphered: (spi1 & 0x04) !== 0,
    counter: COUNTERS[(spi1 >> 3) & 0x03]!,
    por: PORS[spi2 & 0x03]!,
    porChecksum: CHECKSUMS[(spi2 >> 2) & 0x03]!,
    porCiphered: (spi2 & 0x10) !== 0,
    porViaSubmit: (spi2 & 0x20) !== 0,
  };
}

/**
 * The first SPI octet as the minimum security level (MSL) a TAR demands is compared with it (TS 102 226 8.2.1.3.2.1:
 * the MSL is coded like SPI1). A packet meets an MSL when its checksum, ciphering and counter are each at least as strong.
 */
export function meetsMinimumSecurityLevel(spi1: number, msl: number): boolean {
  const checksumRank = (b: number): number => [0, 1, 2, 3][b & 0x03]!;
  return checksumRank(spi1) >= checksumRank(msl) && ((msl & 0x04) === 0 || (spi1 & 0x04) !== 0) &&
    ((spi1 >> 3) & 0x03) >= ((msl >> 3) & 0x03);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}
