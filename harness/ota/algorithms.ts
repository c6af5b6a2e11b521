// The KIc and KID octets of ETSI TS 102 225 clauses 5.1.2/5.1.3 (key index in b8-b5, algorithm in b4-b1) and the
// cryptography they name: DES/3DES/AES-CBC ciphering with a zero IV, the DES CBC-MAC and AES-CMAC cryptographic
// checksums, and the CRC16/CRC32 redundancy checks. The block ciphers are Node's OpenSSL, AES-CMAC is @noble/ciphers;
// this module applies the OTA rules (which padding, which IV, how long the result is). It sits below harness/gp
// (GlobalPlatform commands travel over it), so it does not borrow gp/crypto.ts.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { cmac } from '@noble/ciphers/aes.js';
import { concat } from '../bytes.ts';

/** CBC without padding; single DES runs as 3DES with K1 = K2 = K3 (OpenSSL 3 keeps DES in its legacy provider). */
function cbc(algorithm: CipherAlgorithm, key: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array {
  const name = algorithm === 'aes-cbc' ? `aes-${key.length * 8}-cbc` : algorithm === '3des-3key' ? 'des-ede3-cbc' : 'des-ede-cbc';
  const k = algorithm === 'des-cbc' ? concat(key, key) : key;
  const iv = new Uint8Array(algorithm === 'aes-cbc' ? 16 : 8);
  const c = encrypt ? createCipheriv(name, k, iv) : createDecipheriv(name, k, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** Ciphering algorithms a KIc names. */
export type CipherAlgorithm = 'des-cbc' | '3des-2key' | '3des-3key' | 'aes-cbc';
/** Checksum algorithms a KID names: cryptographic checksums, or (for an RC) a CRC. */
export type ChecksumAlgorithm = 'des-cbc' | '3des-2key' | '3des-3key' | 'aes-cmac' | 'crc16' | 'crc32';

export class OtaAlgorithmError extends Error {}

/** A key as the OTA layer uses it: the key set version (KVN 1..15, the KIc/KID key index), its algorithm and value. */
export interface OtaCipherKey {
  kvn: number;
  algorithm: CipherAlgorithm;
  key: Uint8Array;
}
export interface OtaChecksumKey {
  kvn: number;
  algorithm: ChecksumAlgorithm;
  /** Absent for a CRC. */
  key?: Uint8Array;
}

const CIPHER_CODE: Record<CipherAlgorithm, number> = { 'des-cbc': 0x01, '3des-2key': 0x05, '3des-3key': 0x09, 'aes-cbc': 0x02 };
const CHECKSUM_CODE: Record<ChecksumAlgorithm, number> = {
  'des-cbc': 0x01, '3des-2key': 0x05, '3des-3key': 0x09, 'aes-cmac': 0x02, crc16: 0x01, crc32: 0x05,
};

function checkKvn(kvn: number): void {
  if (!Number.isInteger(kvn) || kvn < 0 || kvn > 15) throw new OtaAlgorithmError(`key index ${kvn} is not 0..15`);
}

/** The KIc octet: key index << 4 | algorithm (TS 102 225 5.1.2). */
export function encodeKic(key: { kvn: number; algorithm: CipherAlgorithm }): number {
  checkKvn(key.kvn);
  return (key.kvn << 4) | CIPHER_CODE[key.algorithm];
}

/** The KID octet (TS 102 225 5.1.3); for an RC the CRC codes 01 (CRC16) / 05 (CRC32) apply. */
export function encodeKid(key: { kvn: number; algorithm: ChecksumAlgorithm }): number {
  checkKvn(key.kvn);
  return (key.kvn << 4) | CHECKSUM_CODE[key.algorithm];
}

/** Reads a KIc octet; undefined algorithm for the codes TS 102 225 V16 reserves (DES-ECB, proprietary, implicit). */
export function decodeKic(b: number): { kvn: number; algorithm: CipherAlgorithm | undefined } {
  const low = b & 0x0f;
  const algorithm = (Object.keys(CIPHER_CODE) as CipherAlgorithm[]).find((a) => CIPHER_CODE[a] === low);
  return { kvn: b >> 4, algorithm };
}

/** Reads a KID octet for a cryptographic checksum (`rc` false) or a redundancy check (`rc` true). */
export function decodeKid(b: number, rc: boolean): { kvn: number; algorithm: ChecksumAlgorithm | undefined } {
  const low = b & 0x0f;
  if (rc) return { kvn: b >> 4, algorithm: low === 0x01 ? 'crc16' : low === 0x05 ? 'crc32' : undefined };
  const algorithm = (['des-cbc', '3des-2key', '3des-3key', 'aes-cmac'] as ChecksumAlgorithm[]).find((a) => CHECKSUM_CODE[a] === low);
  return { kvn: b >> 4, algorithm };
}

export function cipherBlockSize(algorithm: CipherAlgorithm): number {
  return algorithm === 'aes-cbc' ? 16 : 8;
}

const DES_KEY_LENGTH: Record<string, number> = { 'des-cbc': 8, '3des-2key': 16, '3des-3key': 24 };

function checkKeyLength(algorithm: string, key: Uint8Array): void {
  const want = DES_KEY_LENGTH[algorithm];
  if (want !== undefined && key.length !== want) {
    throw new OtaAlgorithmError(`${algorithm} needs a ${want}-octet key, got ${key.length}`);
  }
  if ((algorithm === 'aes-cbc' || algorithm === 'aes-cmac') && ![16, 24, 32].includes(key.length)) {
    throw new OtaAlgorithmError(`AES needs a 16, 24 or 32-octet key, got ${key.length}`);
  }
}

/** CBC with a zero IV, a fresh chain per packet (TS 102 225 5.1.2); `data` must already be block-aligned. */
export function otaEncrypt(k: OtaCipherKey, data: Uint8Array): Uint8Array {
  checkKeyLength(k.algorithm, k.key);
  const bs = cipherBlockSize(k.algorithm);
  if (data.length % bs !== 0) throw new OtaAlgorithmError(`ciphered span of ${data.length} octets is not a multiple of ${bs}`);
  return cbc(k.algorithm, k.key, data, true);
}

export function otaDecrypt(k: OtaCipherKey, data: Uint8Array): Uint8Array {
  checkKeyLength(k.algorithm, k.key);
  const bs = cipherBlockSize(k.algorithm);
  if (data.length % bs !== 0) throw new OtaAlgorithmError(`ciphered span of ${data.length} octets is not a multiple of ${bs}`);
  return cbc(k.algorithm, k.key, data, false);
}

/** The length of the RC/CC this key produces: CRC16 2, CRC32 4, DES/3DES CC 8, AES-CMAC 8 (or 4 if asked). */
export function checksumLength(k: { algorithm: ChecksumAlgorithm }, aesCmacLength: 4 | 8 = 8): number {
  if (k.algorithm === 'crc16') return 2;
  if (k.algorithm === 'crc32') return 4;
  return k.algorithm === 'aes-cmac' ? aesCmacLength : 8;
}

/**
 * RC or CC over `input` (TS 102 225 5.1.3): DES/3DES: CBC-MAC, zero IV, input zero-padded to 8 only when not
 * aligned, last block; AES: CMAC (SP 800-38B) over the unpadded input, leftmost octets; CRCs as TS 102 225 Annex B.
 */
export function otaChecksum(k: OtaChecksumKey, input: Uint8Array, aesCmacLength: 4 | 8 = 8): Uint8Array {
  if (k.algorithm === 'crc16') return crc16X25(input);
  if (k.algorithm === 'crc32') return crc32(input);
  if (!k.key) throw new OtaAlgorithmError(`${k.algorithm} checksum needs a key`);
  checkKeyLength(k.algorithm, k.key);
  if (k.algorithm === 'aes-cmac') return cmac(input, k.key).subarray(0, aesCmacLength);
  const rest = input.length % 8;
  const padded = rest === 0 ? input : concat(input, new Uint8Array(8 - rest));
  const chain = cbc(k.algorithm, k.key, padded, true);
  return chain.slice(chain.length - 8);
}

/** CRC-32 (reflected poly EDB88320, init and xor-out FFFFFFFF), big-endian octets. */
export function crc32(data: Uint8Array): Uint8Array {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  return Uint8Array.of(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff);
}

/** CRC-16/X.25 (reflected poly 8408, init and xor-out FFFF), big-endian octets. */
export function crc16X25(data: Uint8Array): Uint8Array {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  crc ^= 0xffff;
  return Uint8Array.of(crc >>> 8, crc & 0xff);
}
