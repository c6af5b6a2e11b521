// Nothing secret leaves the card session: after a full run of every suite on the reference profile, neither the
// report tree nor the console output holds the PIN, the signing password, any private-key component of either key,
// or the security domains' keys, in any of the spellings the harness writes bytes in.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { loadJpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { runSuites } from './run.ts';

let dir: string;
let code: number;
const console: string[] = [];

async function files(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

/** The ways bytes can appear: hex upper/lower, with or without spaces, base64 (the single-file report embeds). */
function spellings(b: Uint8Array): string[] {
  const h = hex(b);
  return [h, h.toLowerCase(), hex(b, ' '), hex(b, ' ').toLowerCase(), Buffer.from(b).toString('base64').slice(0, 16)];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-secrets-'));
  code = await runSuites({ profiles: [join(repoRoot, 'profiles', 'emulated', 'reference.yaml')], out: dir, log: (l) => console.push(l), runnerOutput: 'drop' });
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secrets in reports', () => {
  it('the run passed and wrote its report', async () => {
    expect(code).toBe(0);
    expect((await stat(join(dir, 'allure-report', 'index.html'))).size).toBeGreaterThan(0);
  });

  it('no PIN, signing password, key component (either key) or domain key appears anywhere under the report folder or in the console output', async () => {
    const v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
    const secrets: [string, Uint8Array][] = [
      ['PIN', new TextEncoder().encode(v.pin)],
      ['signing password', new TextEncoder().encode(v.signingPin)],
      ...(['p', 'q', 'dp', 'dq', 'qinv', 'd'] as const).map((k) => [`key ${k}`, v.key[k].subarray(0, 16)] as [string, Uint8Array]),
      ...(['p', 'q', 'dp', 'dq', 'qinv', 'd'] as const).map((k) => [`signing key ${k}`, v.signingKey[k].subarray(0, 16)] as [string, Uint8Array]),
      ...(['p256', 'p384'] as const).map((c) => [`EC ${c} scalar d`, v.ecKeys[c].d.subarray(0, 16)] as [string, Uint8Array]),
      ['service provider ENC key', Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex')],
      ['service provider MAC key', Buffer.from('101112131415161718191A1B1C1D1E1F', 'hex')],
      ['service provider DEK', Buffer.from('202122232425262728292A2B2C2D2E2F', 'hex')],
      // The SCP80 keys of profiles/emulated/reference.yaml (ixit.ota / sim.ota): the OTA exchanges must not show them.
      ['OTA ISD KIc', Buffer.from('200102030405060708090A0B0C0D0E0F', 'hex')],
      ['OTA ISD KID', Buffer.from('201102030405060708090A0B0C0D0E0F', 'hex')],
      ['OTA SP KIc', Buffer.from('2233445566778899AABBCCDDEEFF0011', 'hex')],
      ['OTA SP KID', Buffer.from('456789ABCDEF012356789ABCDEF01234', 'hex')],
    ];
    const found: string[] = [];
    const texts: [string, string][] = [['console', console.join('\n')]];
    for (const f of await files(dir)) texts.push([f.slice(dir.length + 1), await readFile(f, 'latin1')]);
    for (const [where, text] of texts) {
      for (const [name, bytes] of secrets) {
        for (const s of spellings(bytes)) if (s.length >= 8 && text.includes(s)) found.push(`${name} as "${s}" in ${where}`);
      }
      // The signing password is long enough to be found as text too (the profile gives it in clear for this card).
      if (text.includes(v.signingPin)) found.push(`signing password as text in ${where}`);
    }
    expect(found).toEqual([]);
    expect(texts.length).toBeGreaterThan(20);
  });
});
