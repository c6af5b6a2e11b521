// Answers that say 9000 but carry broken data: each is reported as a MalformedAnswerError that names the command
// and what was wrong, never a crash inside a parser.
import { describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex } from '../bytes.ts';
import { JpkiClient } from '../jpki/client.ts';
import { generateKeyOnCard, parsePublicKeyTemplate } from '../jpki/provision.ts';
import type { Transport } from '../transport/transport.ts';
import { MalformedAnswerError } from '../apdu/answer.ts';
import { getStatus, readCplc } from './card-content.ts';
import type { SecureChannel } from './secure-channel.ts';
import { checkedSend } from './secure-channel.ts';

class Scripted implements Transport {
  readonly reader = 'scripted';
  readonly atr = Uint8Array.of(0x3b, 0x00);
  constructor(private readonly answers: string[]) {}
  async connect(): Promise<void> {}
  async transmit(): Promise<Uint8Array> {
    return fromHex(this.answers.shift() ?? '6F00');
  }
  async reset(): Promise<Uint8Array> {
    return this.atr;
  }
  async close(): Promise<void> {}
}

function channelAnswering(...answers: string[]): SecureChannel {
  const s = new CardSession(new Scripted(answers), { extendedLength: false });
  const transmit: SecureChannel['transmit'] = (cmd) => s.transmit(cmd);
  return { scp: 3, level: 1, kdd: new Uint8Array(10), transmit, send: checkedSend(transmit), encryptSensitive: (d) => d, maxPlainData: 247 };
}

describe('malformed answers', () => {
  it('GET STATUS whose E3 entry overruns the answer', async () => {
    await expect(getStatus(channelAnswering('E3104F08A0000001519000'), 0x40)).rejects.toThrow(MalformedAnswerError);
    await expect(getStatus(channelAnswering('E3104F08A0000001519000'), 0x40)).rejects.toThrow(/^GET STATUS 40: the card's answer \(9 bytes\) is malformed: truncated value of tag E3/);
  });

  it('GET STATUS with an entry that has no AID', async () => {
    await expect(getStatus(channelAnswering('E3049F70010F9000'), 0x40)).rejects.toThrow(/an E3 entry without an AID/);
  });

  it('a CPLC that is too short', async () => {
    const s = new CardSession(new Scripted(['9F7F0A001122334455667788999000']), { extendedLength: false });
    await expect(readCplc(s)).rejects.toThrow(/^GET DATA CPLC: the card's answer \(13 bytes\) is malformed: CPLC of 10 bytes; 42 expected/);
  });

  it('a public key template without a modulus, or with a broken length', async () => {
    expect(() => parsePublicKeyTemplate(fromHex('7F4905820301000100'))).toThrow(/no modulus/);
    expect(() => parsePublicKeyTemplate(fromHex('7F4982FFFF81'))).toThrow(/truncated/);
    const s = new CardSession(new Scripted(['9000', '9000', '7F4905820301000100' + '9000']), { extendedLength: false });
    await expect(generateKeyOnCard(new JpkiClient(s))).rejects.toThrow(/^READ BINARY of EF 0021 \(generated public key\): the card's answer .* no modulus/);
  });
});
