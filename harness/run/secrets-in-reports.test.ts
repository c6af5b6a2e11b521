// Nothing secret leaves the card session: after a full run of every suite on the reference profile, neither the
// report tree nor the console output holds the PIN, the signing password, any private-key component of either key,
// or the security domains' keys, in any of the spellings the harness writes bytes in. Yet the secure-channel
// traffic is readable: the APDU traces show each command before wrapping, INSTALL's parameters and STORE DATA's
// DGI tags named, while the challenges and cryptograms of the handshake and the MACs on the wire stay masked.
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

  it('the APDU traces show secure-channel commands decoded, with cryptograms, challenges and MACs masked', async () => {
    const traces: string[] = [];
    for (const f of await files(join(dir, 'allure-results'))) {
      const text = await readFile(f, 'utf8');
      if (/^#\d+ /.test(text)) traces.push(text);
    }
    // A long run of masked bytes is written as its length ("‹128 bytes masked›"): spelled out here as "**" each.
    const all = traces.join('\n').replace(/‹(\d+) bytes masked›/g, (_, n: string) => new Array(Number(n)).fill('**').join(' '));
    // INSTALL [for install] as built: the JPKI AP's AIDs and its install parameters (C9: the key algorithms).
    expect(all).toMatch(/#\d+ INSTALL \[for install and make selectable\] \[SCP0[23]\].*\n  > .*\n  = 80 E6 0C 00 .*\(before secure messaging\)\n      INSTALL \[for install and make selectable\]/);
    expect(all).toMatch(/      application AID \(10 bytes\): D3 92 F0 00 26 01 00 00 00 01\n/);
    expect(all).toMatch(/        application data \(C9\), \d+ bytes: [0-9A-F]{2}/);
    // STORE DATA through the domain: the PIN DGI's tag and length, its value masked; the try counters in clear.
    expect(all).toMatch(/      DGI 8010, \d+ bytes \((?:encrypted under the DEK|sensitive DGI, value), masked\): (\*\* )*\*\*\n/);
    expect(all).toMatch(/      DGI 9010, 2 bytes: 03 03\n/);
    // The handshake: host challenge, card answer and host cryptogram never shown; every wrapped command's MAC masked.
    for (const m of all.matchAll(/#\d+ (INITIALIZE UPDATE|EXTERNAL AUTHENTICATE) .*\n  > (.*)\n  < (.*)/g)) {
      expect(m[2]!.split(' ').slice(5).filter((b) => b !== '**' && m[1] === 'EXTERNAL AUTHENTICATE'), m[0]).toEqual([]);
      expect(m[2]!.split(' ').slice(5, -1).filter((b) => b !== '**' && m[1] === 'INITIALIZE UPDATE'), m[0]).toEqual([]);
      if (m[1] === 'INITIALIZE UPDATE') expect(m[3]!.replace(/ ?[0-9A-F]{4}: .*$/, '').split(' ').filter((b) => b && b !== '**'), m[0]).toEqual([]);
    }
    const wrapped = [...all.matchAll(/#\d+ .*\[SCP0[23]\] .*\n  > (.*)/g)].map((m) => m[1]!.split(' '));
    expect(wrapped.length).toBeGreaterThan(20);
    for (const w of wrapped) {
      const data = w.at(-1) === '00' && w.length > 6 ? w.slice(5, -1) : w.slice(5);
      expect(data.slice(-8), w.join(' ')).toEqual(new Array(8).fill('**'));
    }
  });
});
