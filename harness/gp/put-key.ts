// PUT KEY (GPCS 2.3.1 section 11.8; Amendment D 7.2 for AES): a new SCP03 key set, each key encrypted with the
// domain's static DEK (AES-CBC, IV zero) and followed by its key check value. P1 = key version to replace (00 to
// add), P2 = 81: several keys, starting with key identifier 1.
import { concat } from '../bytes.ts';
import type { CommandApdu } from '../apdu/apdu.ts';
import { aesCbcEncrypt, kcvAes } from './crypto.ts';
import type { StaticKeys } from './keys.ts';

/** Key type AES (Amendment D table 7-10). */
const KEY_TYPE_AES = 0x88;

export function putKeyCommand(dek: Uint8Array, newKeys: StaticKeys, newKvn: number, replaceKvn = 0): CommandApdu {
  const block = (key: Uint8Array): Uint8Array => {
    if (key.length !== 16 && key.length !== 32) throw new RangeError(`PUT KEY: AES key of ${key.length} bytes (16 or 32 supported)`);
    const enc = aesCbcEncrypt(dek, new Uint8Array(16), key);
    return concat(Uint8Array.of(KEY_TYPE_AES, enc.length + 1, key.length), enc, Uint8Array.of(0x03), kcvAes(key));
  };
  const data = concat(Uint8Array.of(newKvn), block(newKeys.enc), block(newKeys.mac), block(newKeys.dek));
  return { cla: 0x80, ins: 0xd8, p1: replaceKvn, p2: 0x81, data, le: 256 };
}
