// The relay between a card and a vpcd reader that dials it must pass frames through unchanged, in both directions,
// and trace each command (masked, apdu-trace.ts) with the status word of its answer.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { encodeFrame, FrameDecoder } from '../transport/vpcd.ts';
import { acceptOne, listenOn, portOf, relay } from './vpcd-relay.ts';

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
