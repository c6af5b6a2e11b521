// PUT KEY command bytes against the vectors in vectors/gp/put-key.json (sources named there): an AES-128 key set,
// and an AES-192 one, whose 24-byte keys are padded to whole AES blocks; the KCV rule for AES-192 keys checked
// against GlobalPlatformPro's published KCVs of KDF3-diversified AES-192 keys.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../apdu/apdu.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { kcvAes } from './crypto.ts';
import { diversify } from './diversify.ts';
import { putKeyCommand } from './put-key.ts';

const v = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'put-key.json'), 'utf8'));
const div = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'diversification.json'), 'utf8'));
const keysOf = (k: { enc: string; mac: string; dek: string }) => ({ enc: fromHex(k.enc), mac: fromHex(k.mac), dek: fromHex(k.dek) });

describe('PUT KEY', () => {
  it('wraps an AES-128 key set under the DEK with its key check values', () => {
    expect(hex(encodeCommand(putKeyCommand(fromHex(v.dek), keysOf(v.newKeys), v.newKvn, v.replaceKvn)))).toBe(v.apdu.toUpperCase());
  });

  it('wraps an AES-192 key set: each key padded to 32 bytes, key length 18, KCV over 01 x 16 (as openssl computes them)', () => {
    const a = v.aes192;
    const keys = keysOf(a.newKeys);
    expect([hex(kcvAes(keys.enc)), hex(kcvAes(keys.mac)), hex(kcvAes(keys.dek))]).toEqual([a.kcv.enc, a.kcv.mac, a.kcv.dek]);
    expect(hex(encodeCommand(putKeyCommand(fromHex(a.dek), keys, a.newKvn, a.replaceKvn)))).toBe(a.apdu.toUpperCase());
  });

  it('computes AES-192 key check values as GlobalPlatformPro publishes them (KDF3-diversified keys)', () => {
    const c = div.cases.find((x: { method: string; master: string }) => x.method === 'kdf3' && x.master.length === 48);
    const m = fromHex(c.master);
    const k = diversify({ enc: m, mac: m, dek: m }, fromHex(div.kdd), 'kdf3');
    expect(k.enc).toHaveLength(24);
    expect([hex(kcvAes(k.enc)), hex(kcvAes(k.mac)), hex(kcvAes(k.dek))]).toEqual(c.kcv);
  });

  it('refuses a key of a length AES does not have', () => {
    const k = keysOf(v.newKeys);
    expect(() => putKeyCommand(fromHex(v.dek), { ...k, mac: new Uint8Array(20) }, 0x30)).toThrow(/16, 24 or 32 bytes, not 20/);
  });
});
