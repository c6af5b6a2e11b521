// Static-key diversification: per-card keys from a master key and the card's key diversification data (KDD, the
// first 10 bytes of the INITIALIZE UPDATE answer). Templates as GlobalPlatformPro names them (PlaintextKeys
// kdf_templates; ../shared/reference/globalplatform.md section 2.3): EMV CPS and VISA2 for 3DES keys (SCP02),
// KDF3 for AES keys (SCP03). $k is the key index: ENC 01, MAC 02, DEK 03.
import { concat } from '../bytes.ts';
import { aesCmac, tdesEcbEncrypt } from './crypto.ts';
import type { StaticKeys } from './keys.ts';

export type Diversification = 'none' | 'emv' | 'visa2' | 'kdf3';

const KEY_INDEX = { enc: 1, mac: 2, dek: 3 } as const;

function template(kind: 'emv' | 'visa2', kdd: Uint8Array, k: number): Uint8Array {
  const part = kind === 'emv' ? kdd.subarray(4, 10) : concat(kdd.subarray(0, 2), kdd.subarray(4, 8));
  return concat(part, Uint8Array.of(0xf0, k), part, Uint8Array.of(0x0f, k));
}

function kdf3(master: Uint8Array, kdd: Uint8Array, k: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let i = 1; blocks.length * 16 < master.length; i++) {
    blocks.push(aesCmac(master, concat(Uint8Array.of(i, 0, 0, 0, k, 0), kdd)));
  }
  return concat(...blocks).subarray(0, master.length);
}

export function diversify(master: StaticKeys, kdd: Uint8Array, how: Diversification): StaticKeys {
  if (how === 'none') return master;
  if (kdd.length !== 10) throw new RangeError(`key diversification data of ${kdd.length} bytes; 10 expected`);
  const one = (key: Uint8Array, k: number): Uint8Array =>
    how === 'kdf3' ? kdf3(key, kdd, k) : tdesEcbEncrypt(key, template(how, kdd, k));
  return { ...master, enc: one(master.enc, KEY_INDEX.enc), mac: one(master.mac, KEY_INDEX.mac), dek: one(master.dek, KEY_INDEX.dek) };
}
