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
import { EF, JpkiClient } from './client.ts';

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
});
