// Command and response packets of ETSI TS 102 225 clause 5 in the SMS dialect of 3GPP TS 31.115 ("SCP80"):
// CPL, CHL, SPI, KIc, KID, TAR, CNTR, PCNTR, RC/CC, data, padding; and the response packet (PoR) RPL, RHL, TAR,
// CNTR, PCNTR, status, RC/CC, data. The sender's order is fixed by the spec: pad, checksum over the clear header
// and the padded data, then cipher CNTR onward. Every length is checked on the way in because the bytes cross a
// network and a card that may be hostile or broken.
import { concat, equalBytes, hex } from '../bytes.ts';
import {
  checksumLength, cipherBlockSize, decodeKic, decodeKid, encodeKic, encodeKid, otaChecksum, otaDecrypt, otaEncrypt,
  type OtaChecksumKey, type OtaCipherKey,
} from './algorithms.ts';
import { decodeSpi, encodeSpi, type Spi } from './spi.ts';

export class SecuredPacketError extends Error {}

/** The keys a packet is protected with; `cipher` needed when SPI asks for ciphering, `checksum` for an RC/CC. */
export interface OtaKeys {
  cipher?: OtaCipherKey;
  checksum?: OtaChecksumKey;
  /** AES-CMAC length on the wire: 8 (default) or 4. */
  aesCmacLength?: 4 | 8;
}

export interface CommandPacketInput {
  spi: Spi;
  tar: Uint8Array;
  /** 5-octet counter value (big-endian); 0 when the SPI says no counter. */
  counter: bigint;
  keys: OtaKeys;
  /** The secured data: remote commands (compact or expanded format). */
  data: Uint8Array;
  /** KIc/KID octets to send; derived from the keys when absent (an explicit value lets a test send a wrong one). */
  kic?: number;
  kid?: number;
}

/** A command packet taken apart; `checksum` is what the packet carried. */
export interface CommandPacket {
  spi: Spi;
  spiBytes: Uint8Array;
  kic: number;
  kid: number;
  tar: Uint8Array;
  counter: bigint;
  paddingCount: number;
  checksum: Uint8Array;
  data: Uint8Array;
}

const HEADER_FIXED = 13; // SPI(2) KIc KID TAR(3) CNTR(5) PCNTR

export function counterBytes(counter: bigint): Uint8Array {
  if (counter < 0n || counter > 0xffffffffffn) throw new SecuredPacketError(`counter ${counter} does not fit 5 octets`);
  const out = new Uint8Array(5);
  for (let i = 4, v = counter; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

export function counterValue(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function csLength(kind: Spi['checksum'], keys: OtaKeys): number {
  if (kind === 'none') return 0;
  if (kind === 'ds') throw new SecuredPacketError('digital signatures (SPI DS) are not supported');
  if (!keys.checksum) throw new SecuredPacketError(`SPI asks for an ${kind.toUpperCase()} but no KID key is given`);
  const rc = keys.checksum.algorithm === 'crc16' || keys.checksum.algorithm === 'crc32';
  if ((kind === 'rc') !== rc) throw new SecuredPacketError(`SPI asks for an ${kind.toUpperCase()} but the KID key is ${keys.checksum.algorithm}`);
  return checksumLength(keys.checksum, keys.aesCmacLength);
}

function tar3(tar: Uint8Array): Uint8Array {
  if (tar.length !== 3) throw new SecuredPacketError(`TAR is three octets, got ${tar.length}`);
  return tar;
}

/** Builds a command packet (from CPL on; the SMS UDH 02 70 00 is added by sms-pp.ts). TS 102 225 5.1, TS 31.115 4.2. */
export function buildCommandPacket(p: CommandPacketInput): Uint8Array {
  const cs = csLength(p.spi.checksum, p.keys);
  if (p.spi.ciphered && !p.keys.cipher) throw new SecuredPacketError('SPI asks for ciphering but no KIc key is given');
  const bs = p.spi.ciphered ? cipherBlockSize(p.keys.cipher!.algorithm) : 1;
  const rest = (6 + cs + p.data.length) % bs;
  const pcntr = rest === 0 ? 0 : bs - rest;
  const chl = HEADER_FIXED + cs;
  const cpl = 1 + chl + p.data.length + pcntr;
  if (cpl > 0xffff) throw new SecuredPacketError(`command packet of ${cpl} octets is too long`);
  const kic = p.kic ?? (p.keys.cipher ? encodeKic(p.keys.cipher) : 0);
  const kid = p.kid ?? (p.keys.checksum ? encodeKid(p.keys.checksum) : 0);
  const clear = concat(Uint8Array.of(cpl >> 8, cpl & 0xff, chl), encodeSpi(p.spi), Uint8Array.of(kic, kid), tar3(p.tar));
  const cntr = concat(counterBytes(p.spi.counter === 'none' ? 0n : p.counter), Uint8Array.of(pcntr));
  const padded = concat(p.data, new Uint8Array(pcntr));
  const checksum = cs ? otaChecksum(p.keys.checksum!, concat(clear, cntr, padded), p.keys.aesCmacLength) : new Uint8Array(0);
  const secured = concat(cntr, checksum, padded);
  return concat(clear, p.spi.ciphered ? otaEncrypt(p.keys.cipher!, secured) : secured);
}

/** Why a command packet was not accepted, in the terms of the PoR status it leads to (TS 102 225 5.2.2). */
export class CommandPacketRefused extends SecuredPacketError {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Takes a command packet apart and checks it with the given keys (the receiving side; also used to decode what the
 * harness sent, for reports). Refusals carry the PoR status: 06 header not interpretable, 05 ciphering error,
 * 01 RC/CC failed. Counter rules belong to the receiver, which knows its stored counter.
 */
export function openCommandPacket(packet: Uint8Array, keys: OtaKeys): CommandPacket {
  if (packet.length < 3 + HEADER_FIXED) throw new CommandPacketRefused(0x06, `command packet of ${packet.length} octets is shorter than its header`);
  const cpl = (packet[0]! << 8) | packet[1]!;
  if (cpl + 2 !== packet.length) throw new CommandPacketRefused(0x06, `CPL ${cpl} does not match the ${packet.length - 2} octets that follow it`);
  const chl = packet[2]!;
  const spiBytes = packet.slice(3, 5);
  let spi: Spi;
  try {
    spi = decodeSpi(spiBytes);
  } catch (e) {
    throw new CommandPacketRefused(0x06, (e as Error).message);
  }
  const kic = packet[5]!;
  const kid = packet[6]!;
  const tar = packet.slice(7, 10);
  const cs = chl - HEADER_FIXED;
  if (cs < 0 || (spi.checksum === 'none' && cs !== 0)) throw new CommandPacketRefused(0x06, `CHL ${chl} does not fit SPI ${hex(spiBytes)}`);
  let body = packet.subarray(10);
  if (spi.ciphered) {
    if (!keys.cipher) throw new CommandPacketRefused(0x05, 'packet is ciphered but no KIc key is known');
    const decoded = decodeKic(kic);
    if (decoded.algorithm !== keys.cipher.algorithm || decoded.kvn !== keys.cipher.kvn) {
      throw new CommandPacketRefused(0x05, `KIc ${hex(Uint8Array.of(kic))} names no known key`);
    }
    if (body.length % cipherBlockSize(keys.cipher.algorithm) !== 0) {
      throw new CommandPacketRefused(0x05, `ciphered span of ${body.length} octets is not a multiple of the block size`);
    }
    body = otaDecrypt(keys.cipher, body);
  }
  if (body.length < 6 + cs) throw new CommandPacketRefused(0x06, 'packet shorter than CNTR, PCNTR and its checksum');
  const counter = counterValue(body.subarray(0, 5));
  const paddingCount = body[5]!;
  const checksum = body.slice(6, 6 + cs);
  const padded = body.subarray(6 + cs);
  if (paddingCount > padded.length) throw new CommandPacketRefused(0x06, `PCNTR ${paddingCount} exceeds the ${padded.length} data octets`);
  if (cs > 0) {
    if (!keys.checksum) throw new CommandPacketRefused(0x01, 'packet has an RC/CC but no KID key is known');
    const decoded = decodeKid(kid, spi.checksum === 'rc');
    if (spi.checksum !== 'rc' && (decoded.algorithm !== keys.checksum.algorithm || decoded.kvn !== keys.checksum.kvn)) {
      throw new CommandPacketRefused(0x01, `KID ${hex(Uint8Array.of(kid))} names no known key`);
    }
    const expected = otaChecksum(keys.checksum, concat(packet.subarray(0, 10), body.subarray(0, 6), padded), keys.aesCmacLength);
    if (!equalBytes(expected.subarray(0, cs), checksum)) throw new CommandPacketRefused(0x01, 'RC/CC does not verify');
  }
  return { spi, spiBytes, kic, kid, tar, counter, paddingCount, checksum, data: padded.slice(0, padded.length - paddingCount) };
}

/** A response packet (PoR) taken apart (TS 102 225 5.2, TS 31.115 4.3). */
export interface ResponsePacket {
  tar: Uint8Array;
  counter: bigint;
  paddingCount: number;
  /** Response status code, TS 102 225 table 5.5 (por.ts names them). */
  status: number;
  checksum: Uint8Array;
  /** The additional response data: the remote commands' results. */
  data: Uint8Array;
  /** False when the card sent the PoR without the ciphering/checksum the SPI asked for (RHL 0A), as it must for status 06. */
  secured: boolean;
}

const SMS_RESPONSE_UDH = Uint8Array.of(0x02, 0x71, 0x00);

export interface ResponsePacketInput {
  spi: Spi;
  tar: Uint8Array;
  counter: bigint;
  status: number;
  data: Uint8Array;
  keys: OtaKeys;
  /** Send without the PoR security (status 06 and header errors). */
  unsecured?: boolean;
}

/** Builds an SMS response packet with its UDH 02 71 00 (the card's side; used to test the parser's failure modes). */
export function buildResponsePacket(p: ResponsePacketInput): Uint8Array {
  const secure = !p.unsecured;
  const cs = secure ? csLength(p.spi.porChecksum, p.keys) : 0;
  const ciphered = secure && p.spi.porCiphered;
  if (ciphered && !p.keys.cipher) throw new SecuredPacketError('SPI asks for a ciphered PoR but no KIc key is given');
  const bs = ciphered ? cipherBlockSize(p.keys.cipher!.algorithm) : 1;
  const rest = (7 + cs + p.data.length) % bs;
  const pcntr = rest === 0 ? 0 : bs - rest;
  const rhl = 10 + cs;
  const rpl = 1 + rhl + p.data.length + pcntr;
  const head = concat(Uint8Array.of(rpl >> 8, rpl & 0xff, rhl), tar3(p.tar));
  const mid = concat(counterBytes(p.counter), Uint8Array.of(pcntr, p.status));
  const padded = concat(p.data, new Uint8Array(pcntr));
  const checksum = cs ? otaChecksum(p.keys.checksum!, concat(SMS_RESPONSE_UDH, head, mid, padded), p.keys.aesCmacLength) : new Uint8Array(0);
  const secured = concat(mid, checksum, padded);
  return concat(SMS_RESPONSE_UDH, head, ciphered ? otaEncrypt(p.keys.cipher!, secured) : secured);
}

/**
 * Opens an SMS response packet (starting with its UDH 02 71 00) sent for a command with SPI `spi`: deciphers,
 * verifies the RC/CC (its input includes the UDH, TS 31.115), strips padding. A PoR the card sent unsecured
 * (RHL 0A when the SPI asked for a checksum) is returned with `secured: false`; the caller decides what it accepts.
 */
export function openResponsePacket(bytes: Uint8Array, spi: Spi, keys: OtaKeys): ResponsePacket {
  if (bytes.length < 3 || !equalBytes(bytes.subarray(0, 3), SMS_RESPONSE_UDH)) {
    throw new SecuredPacketError(`response packet does not start with the RPI header 02 71 00: ${hex(bytes.subarray(0, 3))}`);
  }
  const p = bytes.subarray(3);
  if (p.length < 13) throw new SecuredPacketError(`response packet of ${p.length} octets is shorter than its header`);
  const rpl = (p[0]! << 8) | p[1]!;
  if (rpl + 2 !== p.length) throw new SecuredPacketError(`RPL ${rpl} does not match the ${p.length - 2} octets that follow it`);
  const rhl = p[2]!;
  const tar = p.slice(3, 6);
  let rest = p.subarray(6);
  const wantCs = spi.porChecksum === 'none' ? 0 : csLength(spi.porChecksum, keys);
  const bs = spi.porCiphered && keys.cipher ? cipherBlockSize(keys.cipher.algorithm) : 1;
  const secured = rhl === 10 + wantCs && !(spi.porCiphered && rest.length % bs !== 0);
  if (!secured && rhl !== 10) throw new SecuredPacketError(`RHL ${rhl} fits neither the SPI's PoR (${10 + wantCs}) nor an unsecured PoR (10)`);
  const cs = secured ? wantCs : 0;
  if (secured && spi.porCiphered) {
    if (!keys.cipher) throw new SecuredPacketError('PoR is ciphered but no KIc key is given');
    rest = otaDecrypt(keys.cipher, rest);
  }
  if (rest.length < 7 + cs) throw new SecuredPacketError('response packet shorter than CNTR, PCNTR, status and checksum');
  const paddingCount = rest[5]!;
  const checksum = rest.slice(7, 7 + cs);
  const padded = rest.subarray(7 + cs);
  if (paddingCount > padded.length) throw new SecuredPacketError(`PoR PCNTR ${paddingCount} exceeds its ${padded.length} data octets`);
  if (cs > 0) {
    const expected = otaChecksum(keys.checksum!, concat(SMS_RESPONSE_UDH, p.subarray(0, 6), rest.subarray(0, 7), padded), keys.aesCmacLength);
    if (!equalBytes(expected, checksum)) throw new SecuredPacketError('the PoR RC/CC does not verify: the response was altered or the keys differ');
  }
  return {
    tar, counter: counterValue(rest.subarray(0, 5)), paddingCount, status: rest[6]!, checksum,
    data: padded.slice(0, padded.length - paddingCount), secured,
  };
}
