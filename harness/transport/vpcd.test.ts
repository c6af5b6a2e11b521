// The vpcd framing and control protocol, with a plain TCP client playing the virtual card (the vicc side), as
// vsmartcard's vicc and jCardSim's VSmartCard do: 2-byte big-endian length + payload; 1-byte controls.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { CardGoneError, CardTimeoutError } from './transport.ts';
import { encodeFrame, FrameDecoder, VpcdListener } from './vpcd.ts';

describe('vpcd frames', () => {
  it('prefixes the payload with its 2-byte big-endian length', () => {
    expect(hex(encodeFrame(fromHex('00A4040000')))).toBe('000500A4040000');
    expect(hex(encodeFrame(Uint8Array.of(4)))).toBe('000104');
    expect(hex(encodeFrame(new Uint8Array(0x123)).subarray(0, 2))).toBe('0123');
  });

  it('reassembles frames split and joined anywhere by TCP', () => {
    const stream = fromHex('000104' + '00029000' + '00026A82');
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))].map((f) => hex(f));
      expect(got).toEqual(['04', '9000', '6A82']);
      expect(d.pending).toBe(0);
    }
  });

  it('refuses payloads that do not fit a 16-bit length', () => {
    expect(() => encodeFrame(new Uint8Array(0x10000))).toThrow(RangeError);
  });
});

/** A minimal virtual card: records what vpcd sent and answers GET ATR and APDUs. */
function fakeCard(port: number, answer: (apdu: Uint8Array) => Uint8Array | undefined): Promise<{ socket: Socket; controls: number[] }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, controls }));
    const controls: number[] = [];
    const d = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const f of d.push(chunk)) {
        if (f.length === 1) {
          controls.push(f[0]!);
          if (f[0] === 4) socket.write(encodeFrame(fromHex('3B8080010101')));
        } else {
          const r = answer(f);
          if (r) socket.write(encodeFrame(r));
        }
      }
    });
  });
}

describe('VpcdListener and VpcdTransport', () => {
  let listener: VpcdListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it('powers the card on, reads the ATR, exchanges APDUs and resets', async () => {
    listener = await VpcdListener.listen();
    const accepted = listener.accept(5000);
    const card = await fakeCard(listener.port, (apdu) => (hex(apdu) === '00A4040000' ? fromHex('9000') : fromHex('6D00')));
    const t = await accepted;
    await t.connect();
    expect(hex(t.atr)).toBe('3B8080010101');
    expect(hex(await t.transmit(fromHex('00A4040000')))).toBe('9000');
    expect(hex(await t.transmit(fromHex('00FF0000')))).toBe('6D00');
    await t.reset('warm');
    await t.reset('cold');
    await t.close();
    await new Promise((r) => card.socket.once('close', r));
    // power on, get ATR, reset, get ATR, power off, power on, get ATR, power off
    expect(card.controls).toEqual([1, 4, 2, 4, 0, 1, 4, 0]);
  });

  it('reports a card that goes away in the middle of an APDU', async () => {
    listener = await VpcdListener.listen();
    const accepted = listener.accept(5000);
    const card = await fakeCard(listener.port, () => {
      card.socket.destroy();
      return undefined;
    });
    const t = await accepted;
    await t.connect();
    await expect(t.transmit(fromHex('00B0000000'))).rejects.toBeInstanceOf(CardGoneError);
  });

  it('times out on a silent card instead of hanging', async () => {
    listener = await VpcdListener.listen();
    const accepted = listener.accept(5000);
    await fakeCard(listener.port, () => undefined);
    const t = await accepted;
    await t.connect();
    t.timeoutMs = 200;
    await expect(t.transmit(fromHex('00B0000000'))).rejects.toBeInstanceOf(CardTimeoutError);
    await expect(t.transmit(fromHex('00B0000000'))).rejects.toBeInstanceOf(CardGoneError);
  });

  it('gives up waiting for a card after the connect timeout', async () => {
    listener = await VpcdListener.listen();
    await expect(listener.accept(100)).rejects.toThrow(/no card connected/);
  });
});
