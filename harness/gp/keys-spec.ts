// Turns the secret a profile names for a security domain into its static keys: one AES key used as ENC, MAC and
// DEK (as GlobalPlatform test cards come), or ENC:MAC:DEK.
import { fromHex } from '../bytes.ts';
import type { StaticKeys } from './keys.ts';

export function parseKeySpec(spec: string, kvn: number): StaticKeys {
  const parts = spec.trim().split(':').map((p) => fromHex(p));
  if (parts.length !== 1 && parts.length !== 3) throw new Error('GlobalPlatform keys: one key, or ENC:MAC:DEK');
  for (const p of parts) if (![16, 24, 32].includes(p.length)) throw new Error(`GlobalPlatform keys: an AES key of ${p.length} bytes`);
  const [enc, mac, dek] = parts.length === 1 ? [parts[0]!, parts[0]!, parts[0]!] : (parts as [Uint8Array, Uint8Array, Uint8Array]);
  return { enc, mac, dek, ...(kvn ? { kvn } : {}) };
}
