// The trace of `sim serve --trace` records what clients send to the card: command data that carries a PIN, a key
// or a cryptogram must never reach it, while what the golden APDUs need (headers, SELECT AIDs, the DigestInfo
// signed) must stay readable. And the relay must pass frames through unchanged, in both directions.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { encodeFrame, FrameDecoder } from '../transport/vpcd.ts';
import { acceptOne, listenOn, maskCommand, portOf, relay } from './vpcd-relay.ts';

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

describe('relay', () => {
  it('forwards frames both ways unchanged and traces the command with its status word', async () => {
    const cardSide = await listenOn('127.0.0.1', 0, 'test card side');
    const readerSide = await listenOn('127.0.0.1', 0, 'test reader side');
    const cardAccepted = acceptOne(cardSide, 10_000, 'card');
    const readerAccepted = acceptOne(readerSide, 10_000, 'reader');
    const card = connect({ host: '127.0.0.1', port: portOf(cardSide) });
    const reader = connect({ host: '127.0.0.1', port: portOf(readerSide) });
    const lines: string[] = [];
    const r = relay(await cardAccepted, await readerAccepted, { trace: (l) => lines.push(l) });

    const next = (s: Socket): Promise<Uint8Array> => new Promise((resolve) => {
      const d = new FrameDecoder();
      const on = (c: Buffer): void => {
        const f = d.push(c)[0];
        if (f) {
          s.off('data', on);
          resolve(f);
        }
      };
      s.on('data', on);
    });
    const atCard = next(card);
    reader.write(encodeFrame(fromHex('002000800431323334')));
    expect(Buffer.from(await atCard).toString('hex').toUpperCase()).toBe('002000800431323334');
    const atReader = next(reader);
    card.write(encodeFrame(fromHex('63C2')));
    expect(Buffer.from(await atReader).toString('hex').toUpperCase()).toBe('63C2');
    expect(lines).toEqual(['> 0020008004********', '< 63C2']);

    reader.destroy();
    expect(await r.ended).toBe('the reader closed its connection');
    card.destroy();
    await new Promise<void>((res) => cardSide.close(() => res()));
    await new Promise<void>((res) => readerSide.close(() => res()));
  });
});
