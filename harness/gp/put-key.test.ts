// PUT KEY command bytes against the research report's vector (vectors/gp/put-key.json, source named there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../apdu/apdu.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { putKeyCommand } from './put-key.ts';

const v = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'put-key.json'), 'utf8'));

describe('PUT KEY', () => {
  it('wraps an AES key set under the DEK with its key check values', () => {
    const k = { enc: fromHex(v.newKeys.enc), mac: fromHex(v.newKeys.mac), dek: fromHex(v.newKeys.dek) };
    expect(hex(encodeCommand(putKeyCommand(fromHex(v.dek), k, v.newKvn, v.replaceKvn)))).toBe(v.apdu.toUpperCase());
  });
});
