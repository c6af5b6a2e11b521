// DAP (GPCS 2.3.1 C.2, C.3, table 11-58) against oracles simcert did not write: GlobalPlatformPro's INSTALL [for
// load] with a SHA-256 LFDBH (as recorded in the shared GlobalPlatform reference, section 4.2), openssl for the
// digest and for every signature scheme of table C-1, and the DAP block layout of table 11-58 written out by hand.
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../apdu/apdu.ts';
import { concat, fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { openssl } from '../testing/openssl.ts';
import { installForLoadData } from './content.ts';
import { dapBlock, dapSignature, lfdbHash, loadFileWithDap } from './dap.ts';

const keyFile = (name: string): string => join(repoRoot, 'vectors', 'gp', 'dap', name);
const key = (name: string) => createPrivateKey(readFileSync(keyFile(name), 'utf8'));

/** r || s (TR-03111 plain format) as the DER SEQUENCE { INTEGER r, INTEGER s } openssl reads. */
function plainToDer(sig: Uint8Array): Uint8Array {
  const int = (b: Uint8Array): Uint8Array => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b[i]! & 0x80 ? concat(Uint8Array.of(0), b.subarray(i)) : b.subarray(i);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(int(sig.subarray(0, sig.length / 2)), int(sig.subarray(sig.length / 2)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-dap-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function opensslVerifies(args: string[], data: Uint8Array, signature: Uint8Array, pub: string): Promise<{ code: number; out: string }> {
  const d = join(dir, `data-${Math.random().toString(16).slice(2)}`);
  await writeFile(d, data);
  await writeFile(`${d}.sig`, signature);
  return openssl(['dgst', ...args, '-verify', pub, '-signature', `${d}.sig`, d]);
}

describe('DAP: load file data block hash and INSTALL [for load]', () => {
  it('builds INSTALL [for load] with a SHA-256 LFDBH byte for byte as GlobalPlatformPro sends it for Empty.cap', () => {
    // GPPro, tests/Empty_0102030405_8d5ac9e2_2.2.1.cap, SHA-256 of its LFDB (reference section 4.1) in the
    // INSTALL [for load] of section 4.2: 80E60200 32 05 0102030405 08 A000000151000000 20 <hash> 00 00 00.
    const gppHash = '8d5ac9e226e3f0a89457fb078470a9378daed8b96ba6cbe839513cdf08d27a38';
    const data = installForLoadData('0102030405', 'A000000151000000', fromHex(gppHash));
    expect(hex(encodeCommand({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0x00, data, le: 256 })))
      .toBe(`80E60200 32 05 0102030405 08 A000000151000000 20 ${gppHash} 00 00 00`.replace(/ /g, '').toUpperCase());
  });

  it('hashes the load file data block as openssl dgst does (C.2: without the C4 tag and length)', async () => {
    const lfdb = new Uint8Array(700).map((_, i) => (i * 7 + 3) & 0xff);
    const f = join(dir, 'lfdb.bin');
    await writeFile(f, lfdb);
    for (const alg of ['sha1', 'sha256', 'sha384'] as const) {
      const r = await openssl(['dgst', `-${alg}`, '-r', f]);
      expect(r.code).toBe(0);
      expect(hex(lfdbHash(lfdb, alg)).toLowerCase()).toBe(r.out.split(' ')[0]);
    }
  });
});

describe('DAP: the load file data block signature (table C-1)', () => {
  const hash = lfdbHash(new TextEncoder().encode('simcert load file data block'));

  it('RSA-1024 (scheme 1): RSASSA-PKCS1-v1_5 with SHA-1 over the LFDBH, which openssl verifies; a changed hash it refuses', async () => {
    const sig = dapSignature(key('dap-rsa1024.pem'), hash);
    expect(sig.length).toBe(128);
    expect((await opensslVerifies(['-sha1'], hash, sig, keyFile('dap-rsa1024.pub.pem'))).out).toContain('Verified OK');
    const other = Uint8Array.from(hash);
    other[0]! ^= 1;
    expect((await opensslVerifies(['-sha1'], other, sig, keyFile('dap-rsa1024.pub.pem'))).code).not.toBe(0);
  });

  it('RSA-2048 (scheme 2): RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, which openssl verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = join(dir, 'rsa2048.pub.pem');
    await writeFile(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const sig = dapSignature(privateKey, hash);
    const pss = ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sigopt', 'rsa_mgf1_md:sha256'];
    expect((await opensslVerifies(pss, hash, sig, pub)).out).toContain('Verified OK');
    // A PKCS#1 v1.5 verifier refuses it: the scheme really is PSS.
    expect((await opensslVerifies(['-sha256'], hash, sig, pub)).code).not.toBe(0);
  });

  it('ECC P-256: ECDSA with SHA-256, r || s of 64 bytes (B.4.3), which openssl verifies as DER', async () => {
    const sig = dapSignature(key('dap-ec-p256.pem'), hash);
    expect(sig.length).toBe(64);
    expect((await opensslVerifies(['-sha256'], hash, plainToDer(sig), keyFile('dap-ec-p256.pub.pem'))).out).toContain('Verified OK');
  });
});

describe('DAP block and load file (table 11-58)', () => {
  it('puts E2 { 4F SD AID, C3 signature } ahead of C4 with BER lengths', () => {
    const sig = new Uint8Array(128).fill(0xab);
    const block = dapBlock('F0534D4300', sig);
    // E2, length 138 = (2 + 5) + (3 + 128), over 127 so two bytes 81 8A; 4F 05 AID; C3 81 80 signature.
    expect(hex(block.subarray(0, 13))).toBe('E2818A4F05F0534D4300C38180');
    expect(block.length).toBe(3 + 138);
    const lf = loadFileWithDap(Uint8Array.of(1, 2, 3), [block]);
    expect(hex(lf.subarray(block.length))).toBe('C403010203');
  });
});
