// The JPKI client must put on the wire exactly the bytes OpenSC's card-jpki.c sends to real My Number cards
// (golden APDUs in vectors/jpki/commands.json, each with its source). The transport here only records what the
// client sends and answers like a card that accepts everything; it stands in for nothing the project claims.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import type { Transport } from '../transport/transport.ts';
import { EF, JpkiClient, PinSafetyError } from './client.ts';
import { parsePresence, parseTokenInfo } from './token-info.ts';

const golden = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'jpki', 'commands.json'), 'utf8')) as {
  commands: { name: string; apduHex: string; source: string }[];
};
const expected = (name: string): string => {
  const c = golden.commands.find((g) => g.name === name);
  if (!c) throw new Error(`vectors/jpki/commands.json has no "${name}"`);
  return c.apduHex;
};

/** Records each command; answers with `reply(command)` (default: 9000). */
class RecordingTransport implements Transport {
  readonly reader = 'recording';
  readonly atr = Uint8Array.of(0x3b, 0x00);
  readonly sent: string[] = [];
  constructor(private readonly reply: (apdu: Uint8Array) => Uint8Array = () => Uint8Array.of(0x90, 0x00)) {}
  async connect(): Promise<void> {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.sent.push(hex(apdu));
    return this.reply(apdu);
  }
  async reset(): Promise<Uint8Array> {
    return this.atr;
  }
  async close(): Promise<void> {}
}

function client(t: RecordingTransport): JpkiClient {
  return new JpkiClient(new CardSession(t, { extendedLength: false }));
}

describe('JPKI command bytes against OpenSC card-jpki.c', () => {
  it('selects the AP and each EF as card-jpki.c does', async () => {
    const t = new RecordingTransport();
    const c = client(t);
    await c.selectAp();
    for (const fid of [EF.USER_AUTH_CERT, EF.USER_AUTH_CA_CERT, EF.USER_AUTH_KEY, EF.USER_AUTH_PIN]) await c.selectEf(fid);
    expect(t.sent).toEqual(['SELECT JPKI AP', 'SELECT EF 000A', 'SELECT EF 000B', 'SELECT EF 0017', 'SELECT EF 0018'].map(expected));
  });

  it('reads binary with the offset in P1-P2 and Le=00 for 256 bytes', async () => {
    const t = new RecordingTransport((apdu) => (apdu[1] === 0xb0 ? new Uint8Array([...new Uint8Array(256), 0x90, 0x00]) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    await c.readBinary(0, 256);
    await c.readBinary(256, 256);
    expect(t.sent).toEqual([expected('READ BINARY @0'), expected('READ BINARY @256')]);
  });

  it('asks for the tries left with a bare VERIFY, then verifies with the ASCII PIN', async () => {
    const t = new RecordingTransport((apdu) => (apdu.length === 4 ? Uint8Array.of(0x63, 0xc3) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    expect(await c.verifyPin('1234')).toEqual({ verified: true });
    expect(t.sent).toEqual([expected('SELECT EF 0018'), expected('VERIFY (tries left)'), expected('VERIFY user-auth PIN')]);
  });

  it('signs with CLA 80, P1 00, P2 80 and Le 00 after selecting the key', async () => {
    const t = new RecordingTransport((apdu) => (apdu[1] === 0x2a ? new Uint8Array([...new Uint8Array(256), 0x90, 0x00]) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    const digestInfo = fromHex('3031300D060960864801650304020105000420BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');
    await c.sign(digestInfo);
    expect(t.sent).toEqual([expected('SELECT EF 0017'), expected('COMPUTE DIGITAL SIGNATURE')]);
  });

  it('refuses to VERIFY when one try is left, without sending the PIN', async () => {
    const t = new RecordingTransport((apdu) => (apdu.length === 4 ? Uint8Array.of(0x63, 0xc1) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    await expect(c.verifyPin('1234')).rejects.toThrow(/only 1 PIN try left/);
    expect(t.sent).toEqual([expected('SELECT EF 0018'), expected('VERIFY (tries left)')]);
  });

  // The signing half, as released OpenSC reaches it (card-jpki.c: pin_reference 2 -> "001B", key_ref 2 -> "001A")
  // and as ../shared/reference/jpki-card-interface.md gives the P2 forms (80|SFI: 9B; 9A for the signing key).
  it('asks for the signing password\'s tries left on EF 001B and verifies it there', async () => {
    const t = new RecordingTransport((apdu) => (apdu.length === 4 ? Uint8Array.of(0x63, 0xc5) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    expect(await c.verifySigningPin('SIMCERT1')).toEqual({ verified: true });
    expect(t.sent).toEqual(['00A4020C02001B', '00200080', '002000800853494D4345525431']);
  });

  it('reaches the signing password with P2 9B and the user-auth PIN with P2 98, without SELECT', async () => {
    const t = new RecordingTransport(() => Uint8Array.of(0x63, 0xc5));
    const c = client(t);
    expect(await c.pinState('signing', 'p2')).toEqual({ verified: false, triesLeft: 5 });
    expect(await c.pinState('userAuth', 'p2')).toEqual({ verified: false, triesLeft: 5 });
    expect(t.sent).toEqual(['0020009B', '00200098']);
  });

  it('refuses to spend the last signing-password try, without sending the password', async () => {
    const t = new RecordingTransport((apdu) => (apdu.length === 4 ? Uint8Array.of(0x63, 0xc1) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    await expect(c.verifySigningPin('SIMCERT1')).rejects.toThrow(PinSafetyError);
    await expect(c.verifySigningPin('SIMCERT1')).rejects.toThrow(/only 1 signing password try left; refusing to VERIFY/);
    expect(t.sent.filter((a) => a.length > 8)).toEqual(['00A4020C02001B', '00A4020C02001B']);
  });

  it('says a blocked signing password (6984) without sending it', async () => {
    const t = new RecordingTransport((apdu) => (apdu.length === 4 ? Uint8Array.of(0x69, 0x84) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    expect(await c.pinState('signing')).toEqual({ verified: false, blocked: true });
    await expect(c.verifySigningPin('SIMCERT1')).rejects.toThrow(/signing password is blocked/);
    expect(t.sent.some((a) => a.startsWith('0020008008'))).toBe(false);
  });

  it('changes the signing password with CHANGE REFERENCE DATA P1 01 on EF 001B', async () => {
    const t = new RecordingTransport();
    const c = client(t);
    expect(await c.changeReferenceData('signing', 'NEWPASS2')).toBe(0x9000);
    expect(await c.changeReferenceData('userAuth', '4321', { addressing: 'p2' })).toBe(0x9000);
    expect(t.sent).toEqual(['00A4020C02001B', '00240180084E45575041535332', '002401980434333231']);
  });

  it('signs with the signing key after SELECT 001A (P2 80), or with P2 9A alone', async () => {
    const t = new RecordingTransport((apdu) => (apdu[1] === 0x2a ? new Uint8Array([...new Uint8Array(256), 0x90, 0x00]) : Uint8Array.of(0x90, 0x00)));
    const c = client(t);
    const digestInfo = fromHex('3031300D060960864801650304020105000420BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');
    await c.sign(digestInfo, { key: 'signing' });
    await c.sign(digestInfo, { key: 'signing', addressing: 'p2' });
    await c.sign(digestInfo, { key: 'userAuth', addressing: 'p2' });
    const body = `33${hex(digestInfo)}00`;
    expect(t.sent).toEqual(['00A4020C02001A', `802A0080${body}`, `802A009A${body}`, `802A0097${body}`]);
  });
});

describe('EF 0006 and EF 0008', () => {
  it('reads the fixture\'s token information as vectors/README.md documents it', () => {
    const info = parseTokenInfo(new Uint8Array(readFileSync(join(repoRoot, 'vectors', 'jpki', 'token-info.bin'))));
    expect(info).toMatchObject({ label: 'JPKIAPGPSETOKEN', manufacturerId: 'SIMCERT TEST', model: 'JPKI-AP-REF', serialNumber: '0000000000000001' });
    expect(info.rest).toEqual(new Uint8Array(64));
  });

  it('refuses token information that is short or not blank-padded text', () => {
    expect(() => parseTokenInfo(new Uint8Array(100))).toThrow(/holds 100 bytes; token information is 160/);
    const bad = new Uint8Array(160).fill(0x20);
    bad[3] = 0x00;
    expect(() => parseTokenInfo(bad)).toThrow(/label: byte 00 is not printable/);
  });

  it('reads the presence bytes, 8F 8F 00 meaning both certificates', () => {
    expect(parsePresence(fromHex('8F8F00')).bothPresent).toBe(true);
    expect(parsePresence(fromHex('8F0000')).bothPresent).toBe(false);
    expect(() => parsePresence(fromHex('8F8F'))).toThrow(/holds 2 bytes; the presence bytes are 3/);
  });
});
