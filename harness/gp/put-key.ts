// PUT KEY (GPCS 2.3.1 section 11.8; Amendment D 7.2 for AES): a new SCP03 key set, each key encrypted with the
// domain's static DEK (AES-CBC, IV zero) and followed by its key check value. P1 = key version to replace (00 to
// add), P2 = 81: several keys, starting with key identifier 1. AES-128, AES-192 and AES-256 keys: a 24-byte key
// does not fill whole AES blocks, so it is padded to 32 bytes before encryption (Amendment D leaves the pad bytes
// to the sender; zeros here), and the key-length byte after the block length tells the card to drop them.
import { concat } from '../bytes.ts';
import type { CommandApdu } from '../apdu/apdu.ts';
import { aesCbcEncrypt, kcvAes } from './crypto.ts';
import type { StaticKeys } from './keys.ts';

/** Key type AES (Amendment D table 7-10). */
const KEY_TYPE_AES = 0x88;

export function putKeyCommand(dek: Uint8Array, newKeys: StaticKeys, newKvn: number, replaceKvn = 0): CommandApdu {
  const block = (key: Uint8Array): Uint8Array => {
    if (![16, 24, 32].includes(key.length)) throw new RangeError(`PUT KEY: an AES key is 16, 24 or 32 bytes, not ${key.length}`);
    const padded = new Uint8Array(Math.ceil(key.length / 16) * 16);
    padded.set(key);
    const enc = aesCbcEncrypt(dek, new Uint8Array(16), padded);
    return concat(Uint8Array.of(KEY_TYPE_AES, enc.length + 1, key.length), enc, Uint8Array.of(0x03), kcvAes(key));
  };
  const data = concat(Uint8Array.of(newKvn), block(newKeys.enc), block(newKeys.mac), block(newKeys.dek));
  return { cla: 0x80, ins: 0xd8, p1: replaceKvn, p2: 0x81, data, le: 256 };
}
