// Block-cipher primitives the GlobalPlatform secure channels are built from (GPCS 2.3.1 Appendix B; Amendment D
// for SCP03): ISO 9797-1 method 2 padding, AES-CBC/ECB and CMAC, two-key 3DES, the "retail" MAC and key check
// values. AES-CMAC comes from @noble/ciphers; the block ciphers from Node's OpenSSL (single DES is in OpenSSL 3's
// legacy provider, so it is done as 3DES with K1 = K2 = K3, which is the same function).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { cmac } from '@noble/ciphers/aes.js';
import { concat } from '../bytes.ts';

/** ISO/IEC 9797-1 padding method 2: 80 then 00s to a multiple of the block size, always added. */
export function pad80(data: Uint8Array, blockSize: number): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Removes ISO/IEC 9797-1 method 2 padding; throws when there is none. */
export function unpad80(data: Uint8Array): Uint8Array {
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80) throw new Error('no ISO 9797-1 method 2 padding');
  return data.subarray(0, i);
}

function run(alg: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, encrypt: boolean): Uint8Array {
  const c = encrypt ? createCipheriv(alg, key, iv) : createDecipheriv(alg, key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function aesName(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  if (![16, 24, 32].includes(key.length)) throw new RangeError(`AES key of ${key.length} bytes`);
  return `aes-${key.length * 8}-${mode}`;
}

export const aesCbcEncrypt = (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array => run(aesName(key, 'cbc'), key, iv, data, true);
export const aesCbcDecrypt = (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array => run(aesName(key, 'cbc'), key, iv, data, false);
export const aesEcbEncrypt = (key: Uint8Array, data: Uint8Array): Uint8Array => run(aesName(key, 'ecb'), key, null, data, true);
export const aesCmac = (key: Uint8Array, data: Uint8Array): Uint8Array => cmac(data, key);

function tdesKey(key: Uint8Array): Uint8Array {
  if (key.length === 16) return key;
  if (key.length === 24) return key;
  if (key.length === 8) return concat(key, key);
  throw new RangeError(`DES key of ${key.length} bytes`);
}
function tdesName(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  return key.length === 24 ? `des-ede3${mode === 'cbc' ? '-cbc' : '-ecb'}` : `des-ede${mode === 'cbc' ? '-cbc' : '-ecb'}`;
}

export const tdesCbcEncrypt = (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array =>
  run(tdesName(tdesKey(key), 'cbc'), tdesKey(key), iv, data, true);
export const tdesCbcDecrypt = (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array =>
  run(tdesName(tdesKey(key), 'cbc'), tdesKey(key), iv, data, false);
export const tdesEcbEncrypt = (key: Uint8Array, data: Uint8Array): Uint8Array => run(tdesName(tdesKey(key), 'ecb'), tdesKey(key), null, data, true);
/** Single DES = 3DES with all three keys equal. */
export const desEcbEncrypt = (key8: Uint8Array, data: Uint8Array): Uint8Array => tdesEcbEncrypt(key8.subarray(0, 8), data);
export const desCbcEncrypt = (key8: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array => tdesCbcEncrypt(key8.subarray(0, 8), iv, data);

/**
 * "Single DES plus final triple DES" MAC (ISO 9797-1 algorithm 3, GPCS B.1.2.2) over data already padded to 8:
 * single-DES CBC under K1 for all blocks but the last, then 3DES on the last.
 */
export function retailMac(key16: Uint8Array, padded: Uint8Array, icv: Uint8Array = new Uint8Array(8)): Uint8Array {
  if (padded.length === 0 || padded.length % 8 !== 0) throw new RangeError('retail MAC input must be padded to 8 bytes');
  let h = icv;
  if (padded.length > 8) {
    const head = desCbcEncrypt(key16.subarray(0, 8), icv, padded.subarray(0, padded.length - 8));
    h = head.subarray(head.length - 8);
  }
  return tdesCbcEncrypt(key16, h, padded.subarray(padded.length - 8));
}

/** Full 3DES MAC (GPCS B.1.2.1): last block of 3DES-CBC over data already padded to 8. */
export function fullTdesMac(key16: Uint8Array, padded: Uint8Array, icv: Uint8Array = new Uint8Array(8)): Uint8Array {
  const c = tdesCbcEncrypt(key16, icv, padded);
  return c.subarray(c.length - 8);
}

/** Key check values: AES over 01 x 16 (Amendment D 7.2.2), DES over 00 x 8; first 3 bytes. */
export const kcvAes = (key: Uint8Array): Uint8Array => aesEcbEncrypt(key, new Uint8Array(16).fill(1)).subarray(0, 3);
export const kcvDes = (key: Uint8Array): Uint8Array => tdesEcbEncrypt(key, new Uint8Array(8)).subarray(0, 3);
