// Key diversification against GlobalPlatformPro's key check values and an external KDF3 vector (vectors/gp).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { kcvAes, kcvDes } from './crypto.ts';
import { diversify, type Diversification } from './diversify.ts';

const v = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'diversification.json'), 'utf8'));

describe('static key diversification', () => {
  for (const c of v.cases as { method: Diversification; master: string; kcv: string[] }[]) {
    it(`${c.method} from a ${c.master.length * 4}-bit master gives GlobalPlatformPro's key check values`, () => {
      const m = fromHex(c.master);
      const k = diversify({ enc: m, mac: m, dek: m }, fromHex(v.kdd), c.method);
      const kcv = c.method === 'kdf3' ? kcvAes : kcvDes;
      expect([hex(kcv(k.enc)), hex(kcv(k.mac)), hex(kcv(k.dek))]).toEqual(c.kcv);
    });
  }

  it('kdf3 matches the external 256-bit vector', () => {
    const e = v.external;
    const m = fromHex(e.master);
    expect(hex(diversify({ enc: m, mac: m, dek: m }, fromHex(e.kdd), 'kdf3').enc)).toBe(e.enc);
  });

  it('leaves keys alone without diversification, and refuses a KDD of the wrong size', () => {
    const m = fromHex(v.cases[0].master);
    expect(diversify({ enc: m, mac: m, dek: m }, new Uint8Array(0), 'none').enc).toBe(m);
    expect(() => diversify({ enc: m, mac: m, dek: m }, new Uint8Array(8), 'emv')).toThrow(/10 expected/);
  });
});
