// Tokens and receipts of delegated management against the specification's own tables, written out here byte by
// byte from GPCS 2.3.1 (C-4 load token, C-5 install token, C-9 delete token, 11-13/11-14 confirmation, C-11/C-12
// receipt data), not from the code under test; signatures checked by openssl, receipts by openssl's CMAC.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { openssl } from '../testing/openssl.ts';
import { installCommand, installForLoadData } from './content.ts';
import {
  installReceiptContext, loadReceiptContext, parseConfirmationResponse, signToken, tokenSignedData, tokenSigner, verifyAesReceipt,
} from './tokens.ts';

const tokenKeyFile = join(repoRoot, 'vectors', 'gp', 'dap', 'token-ec-p256.pem');
const tokenPubFile = join(repoRoot, 'vectors', 'gp', 'dap', 'token-ec-p256.pub.pem');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-tokens-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HASH = '11'.repeat(32);

describe('token data (GPCS C.4)', () => {
  it('a load token signs table C-4: P1 P2, Lc before the token, LV load file AID, LV SD AID, LV LFDBH, LV load parameters', () => {
    let signed: Uint8Array = new Uint8Array(0);
    const data = installForLoadData('D392F0002601', 'F0534D4300', fromHex(HASH), (p1, p2, d) => {
      signed = tokenSignedData(p1, p2, d);
      return Uint8Array.of(0xaa, 0xbb);
    });
    // Table C-4, one row per field: P1 02, P2 00, length 2E (1+6 + 1+5 + 1+32 + 1+0 = 47 = 2F), fields.
    expect(hex(signed)).toBe(['02', '00', '2F', '06', 'D392F0002601', '05', 'F0534D4300', '20', HASH.toUpperCase(), '00'].join(''));
    // The command carries the same fields and then the token as a length-value.
    expect(hex(data)).toBe(hex(signed.subarray(3)) + '02AABB');
  });

  it('an install token signs table C-5: P1 P2 Lc, LV ELF AID, LV module AID, LV instance AID, LV privileges, LV install parameters', () => {
    let signed: Uint8Array = new Uint8Array(0);
    installCommand({ loadFileAid: 'D392F0002601', moduleAid: 'D392F000260100000001', instanceAid: 'D392F000260100000001' }, (p1, p2, d) => {
      signed = tokenSignedData(p1, p2, d);
      return new Uint8Array(64);
    });
    // P1 0C, P2 00, length 1+6 + 1+10 + 1+10 + 1+1 + 1+2 = 34 = 22; privileges 00; install parameters C9 00.
    expect(hex(signed)).toBe(['0C', '00', '22', '06D392F0002601', '0AD392F000260100000001', '0AD392F000260100000001', '0100', '02C900'].join(''));
  });

  it('a delete token signs table C-9: P1 P2 Lc, 4F, the AID length and the AID', () => {
    expect(hex(tokenSignedData(0x00, 0x80, fromHex('4F06D392F0002601')))).toBe('0080084F06D392F0002601');
  });

  it('codes the length on 3 bytes, 00 xx xx, when the data before the token exceeds 255 bytes (C.4)', () => {
    expect(hex(tokenSignedData(0x0c, 0x00, new Uint8Array(300)).subarray(0, 5))).toBe('0C0000012C');
    expect(hex(tokenSignedData(0x0c, 0x00, new Uint8Array(255)).subarray(0, 3))).toBe('0C00FF');
  });

  it('an ECC P-256 token is ECDSA-SHA-256 over that data, which openssl verifies; a different P1 it refuses', async () => {
    const key = createPrivateKey(readFileSync(tokenKeyFile, 'utf8'));
    const body = installForLoadData('D392F0002601', 'F0534D4300', fromHex(HASH)).subarray(0, 47); // without the empty token
    const token = signToken(key, 0x02, 0x00, body);
    expect(token.length).toBe(64);
    const der = (sig: Uint8Array): Uint8Array => {
      const int = (b: Uint8Array): Uint8Array => {
        let i = 0;
        while (i < b.length - 1 && b[i] === 0) i++;
        const v = b[i]! & 0x80 ? concat(Uint8Array.of(0), b.subarray(i)) : b.subarray(i);
        return concat(Uint8Array.of(0x02, v.length), v);
      };
      const s = concat(int(sig.subarray(0, 32)), int(sig.subarray(32)));
      return concat(Uint8Array.of(0x30, s.length), s);
    };
    await writeFile(join(dir, 'token.sig'), der(token));
    await writeFile(join(dir, 'signed.bin'), tokenSignedData(0x02, 0x00, body));
    await writeFile(join(dir, 'other.bin'), tokenSignedData(0x0c, 0x00, body));
    const ok = await openssl(['dgst', '-sha256', '-verify', tokenPubFile, '-signature', join(dir, 'token.sig'), join(dir, 'signed.bin')]);
    expect(ok.out).toContain('Verified OK');
    const bad = await openssl(['dgst', '-sha256', '-verify', tokenPubFile, '-signature', join(dir, 'token.sig'), join(dir, 'other.bin')]);
    expect(bad.code).not.toBe(0);
    expect(tokenSigner(key)(0x02, 0x00, body).length).toBe(64);
  });
});

describe('confirmations and receipts (GPCS 11.1.6, C.5)', () => {
  // Tables 11-59 / 11-13 / 11-14 written out: length of the load confirmation, length of the receipt (10), the
  // receipt, then confirmation data: 02 + counter 0007, 0E + SD unique data (IIN 89810000 || CIN of 10 bytes).
  const receiptKey = fromHex('4D5F2BD386DEBA2E6334E9A3B3600321');
  const confData = '020007' + '0E' + '89810000' + '00000000000000000001';

  async function opensslCmac(data: Uint8Array): Promise<string> {
    const f = join(dir, `cmac-${Math.random().toString(16).slice(2)}`);
    await writeFile(f, data);
    const r = await openssl(['mac', '-cipher', 'AES-128-CBC', '-macopt', `hexkey:${hex(receiptKey)}`, '-in', f, 'CMAC']);
    expect(r.code).toBe(0);
    return r.out.trim().toUpperCase();
  }

  it('reads a load confirmation and checks its receipt, the CMAC openssl computes over confirmation data || table C-11 data', async () => {
    const context = loadReceiptContext('D392F0002601', 'F0534D4300');
    expect(hex(context)).toBe('06D392F000260105F0534D4300'); // table C-11: LV ELF AID, LV SD AID
    const receipt = await opensslCmac(concat(fromHex(confData), context));
    const confirmation = `10${receipt}${confData}`;
    const answer = fromHex(`${(confirmation.length / 2).toString(16).padStart(2, '0')}${confirmation}`);
    const c = parseConfirmationResponse(answer)!;
    expect(c.confirmationCounter).toBe(7);
    expect(hex(c.sdUniqueData)).toBe('8981000000000000000000000001');
    expect(verifyAesReceipt(receiptKey, c, context)).toBe(true);
    // The same receipt does not vouch for another load file (C.5.1), nor for other confirmation data.
    expect(verifyAesReceipt(receiptKey, c, loadReceiptContext('D392F0002602', 'F0534D4300'))).toBe(false);
    const tampered = Uint8Array.from(answer);
    tampered[tampered.length - 1]! ^= 1;
    expect(verifyAesReceipt(receiptKey, parseConfirmationResponse(tampered)!, context)).toBe(false);
    // Table C-12 (install receipt): LV ELF AID, LV instance AID.
    expect(hex(installReceiptContext('D392F0002601', 'D392F000260100000001'))).toBe('06D392F00026010AD392F000260100000001');
  });

  it('takes a single 00 as no confirmation, and refuses a confirmation whose length does not match', () => {
    expect(parseConfirmationResponse(Uint8Array.of(0))).toBeUndefined();
    expect(() => parseConfirmationResponse(fromHex(`30${'00'.repeat(10)}`))).toThrow(/confirmation of 48 bytes/);
  });

  it('reads a confirmation with a token identifier (table 11-14, conditional)', () => {
    const c = parseConfirmationResponse(fromHex(`${'0C'}00${'020001'}${'04'}89810000${'02'}0102`))!;
    expect(c.receipt.length).toBe(0);
    expect(hex(c.tokenIdentifier!)).toBe('0102');
  });
});
