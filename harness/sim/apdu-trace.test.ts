// The trace of `sim serve --trace` records what clients send to the card: command data that carries a PIN, a key
// or a cryptogram must never reach it, while what the golden APDUs need (headers, SELECT AIDs, the DigestInfo
// signed) must stay readable. A card put straight into pcscd's reader copies what it exchanges through its APDU tap
// (lab/cardsim ApduTap); the lines written from those copies must be the APDUs the reader sent and the status words
// the card gave it.
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { VpcdListener } from '../transport/vpcd.ts';
import { answerLine, maskCommand, readTap } from './apdu-trace.ts';
import { startSimulator, type RunningSimulator } from './launch.ts';
import { acceptOne, listenOn, portOf } from './vpcd-relay.ts';

const masked = (apduHex: string): string => maskCommand(fromHex(apduHex));

describe('maskCommand', () => {
  it('shows SELECT, READ BINARY, bare VERIFY and COMPUTE DIGITAL SIGNATURE as sent', () => {
    for (const a of ['00A4040C0AD392F000260100000001', '00A4020C020018', '00B0010000', '00200080', '802A0080043031300D00']) {
      expect(masked(a)).toBe(a);
    }
  });

  it('masks the PIN of VERIFY and CHANGE REFERENCE DATA, keeping header and Lc', () => {
    expect(masked('002000800431323334')).toBe('0020008004********');
    expect(masked('002000800853494D4345525431')).toBe('0020008008****************');
    expect(masked('002401800435363738')).toBe('0024018004********');
  });

  it('masks extended-length command data after the three length bytes', () => {
    expect(masked('00200080000004' + '31323334')).toBe('00200080000004********');
  });

  it('masks STORE DATA, PUT KEY, INITIALIZE UPDATE and EXTERNAL AUTHENTICATE data', () => {
    expect(masked('80E2880003820101')).toBe('80E2880003******');
    expect(masked('80D8008103AABBCC')).toBe('80D8008103******');
    expect(masked('8050300008' + '0102030405060708' + '00')).toBe('8050300008****************00');
    expect(masked('848233001001020304050607080910111213141516')).toBe(`8482330010${'**'.repeat(16)}`);
  });

  it('masks any command under secure messaging, even a SELECT', () => {
    expect(masked('0CA4040C0AD392F000260100000001')).toBe(`0CA4040C0A${'**'.repeat(10)}`);
    expect(masked('84CA0066080102030405060708')).toBe(`84CA006608${'**'.repeat(8)}`);
  });
});

describe('answerLine', () => {
  it('gives the status word and the number of data bytes, never the data', () => {
    expect(answerLine(fromHex('0102039000'))).toBe('< 9000 (3 bytes)');
    expect(answerLine(fromHex('63C2'))).toBe('< 63C2');
    expect(answerLine(fromHex('90'))).toBe('< (1-byte answer, no status word)');
  });
});

/** A connected pair of loopback sockets: `tap` as readTap gets it from its server, `card` the end that writes. */
async function socketPair(): Promise<{ tap: Socket; card: Socket; close(): Promise<void> }> {
  const server = await listenOn('127.0.0.1', 0, 'test tap');
  const accepted = acceptOne(server, 10_000, 'test card');
  const card = connect({ host: '127.0.0.1', port: portOf(server) });
  const tap = await accepted;
  return { tap, card, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('readTap', () => {
  it('puts together copies that TCP splits anywhere, acknowledges an answer once its line is written, and resolves when the card closes the tap', async () => {
    const { tap, card, close } = await socketPair();
    const lines: string[] = [];
    const ended = readTap(tap, (l) => lines.push(l));
    // What the trace held when the card got its acknowledgement (the card answers its reader only then).
    const linesAtAck = new Promise<string[]>((resolve) => {
      card.once('data', (chunk: Buffer) => resolve(chunk[0] === 0x06 ? [...lines] : [`not an ACK: ${chunk[0]}`]));
    });
    // '>' 00 09 VERIFY with a PIN, then '<' 00 02 63C2: sent one byte at a time.
    const bytes = Buffer.from(`3E0009${'002000800431323334'}3C000263C2`, 'hex');
    for (const b of bytes) {
      card.write(Uint8Array.of(b));
      await new Promise((r) => setImmediate(r));
    }
    expect(await linesAtAck).toEqual(['> 0020008004********', '< 63C2']);
    card.end();
    await ended;
    expect(lines).toEqual(['> 0020008004********', '< 63C2']);
    await close();
  });

  it('stops reading at a copy that is neither a command nor an answer', async () => {
    const { tap, card, close } = await socketPair();
    const lines: string[] = [];
    const ended = readTap(tap, (l) => lines.push(l));
    card.write(Buffer.from('3C000290005800020102', 'hex'));
    await ended;
    expect(lines).toEqual(['< 9000']);
    card.destroy();
    await close();
  });
});

describe('a simulated card\'s APDU tap (lab/cardsim ApduTap), read by readTap', () => {
  let sim: RunningSimulator | undefined;
  afterAll(async () => {
    await sim?.stop();
  });

  it('copies each command the reader sends and the card\'s answer; the tap closes when the card leaves the reader', async () => {
    sim = await startSimulator({ atr: '3B8080010101', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 4, applets: [] },
      { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
    await sim.transport.connect();
    // The card moves (state kept) into another reader, as sim serve moves it into pcscd's, with a tap to ours.
    const reader = await VpcdListener.listen();
    const tapServer = await listenOn('127.0.0.1', 0, 'test tap');
    try {
      const tapConnects = acceptOne(tapServer, 30_000, 'the simulator');
      const inReader = reader.accept(30_000);
      await sim.moveTo(reader.host, reader.port, tapConnects, portOf(tapServer));
      const lines: string[] = [];
      const left = readTap(await tapConnects, (l) => lines.push(l));
      const t = await inReader;
      await t.connect();
      const sent = ['00A4040000', '00A4040008A00000015100000000', '80CA9F7F00', '002000800431323334'].map(fromHex);
      const answers: Uint8Array[] = [];
      // The card answers only once the harness has the answer's line: at each answer the trace is complete so far.
      const tracedAtAnswer: number[] = [];
      for (const apdu of sent) {
        answers.push(await t.transmit(apdu));
        tracedAtAnswer.push(lines.length);
      }
      expect(tracedAtAnswer).toEqual([2, 4, 6, 8]);
      await t.close();
      await left;
      // What the reader sent, its PIN masked, and what the card answered as the reader's transport saw it.
      const answer = (r: Uint8Array): string => `< ${hex(r.subarray(r.length - 2))}${r.length > 2 ? ` (${r.length - 2} bytes)` : ''}`;
      expect(lines).toEqual([
        '> 00A4040000', answer(answers[0]!),
        '> 00A4040008A00000015100000000', answer(answers[1]!),
        '> 80CA9F7F00', answer(answers[2]!),
        '> 0020008004********', answer(answers[3]!),
      ]);
      expect(answers[2]!.length).toBeGreaterThan(2); // the CPLC: an answer with data, counted and not shown
    } finally {
      await reader.close();
      await new Promise<void>((resolve) => tapServer.close(() => resolve()));
    }
  });
});
