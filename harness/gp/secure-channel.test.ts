// Opening a secure channel, replayed against published card sessions (pySim's), and its safety rules: wrong keys
// are found from the card cryptogram before EXTERNAL AUTHENTICATE is sent, a refused EXTERNAL AUTHENTICATE is not
// retried, and nothing secret reaches the trace. The transport plays the card's recorded answers.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCommand, type CommandApdu } from '../apdu/apdu.ts';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import type { Transport } from '../transport/transport.ts';
import { AuthLedger } from './ledger.ts';
import { AuthenticationFailedError, CardChallengeMismatchError, openSecureChannel, WrongKeysError } from './secure-channel.ts';

const scp03 = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'scp03.json'), 'utf8'));
const scp02 = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'scp02.json'), 'utf8'));

/** Answers each command from a script: INITIALIZE UPDATE with the recorded response, then the given answers. */
class ReplayCard implements Transport {
  readonly reader = 'replay';
  readonly atr = Uint8Array.of(0x3b, 0x00);
  readonly sent: string[] = [];
  constructor(private readonly answers: Uint8Array[]) {}
  async connect(): Promise<void> {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.sent.push(hex(apdu));
    const a = this.answers.shift();
    if (!a) throw new Error('the replayed card has no more answers');
    return a;
  }
  async reset(): Promise<Uint8Array> {
    return this.atr;
  }
  async close(): Promise<void> {}
}

const ok = fromHex('9000');
const keysOf = (k: { enc: string; mac: string; dek: string }, kvn?: number) => ({ enc: fromHex(k.enc), mac: fromHex(k.mac), dek: fromHex(k.dek), ...(kvn ? { kvn } : {}) });

describe('opening a secure channel', () => {
  for (const v of scp03.sessions.filter((s: { id: string }) => s.id.endsWith('_11') || s.id.endsWith('_33'))) {
    it(`replays ${v.id} byte for byte, with the response's R-MAC${v.level & 0x20 ? ' and R-ENC' : ''}`, async () => {
      const iuCmd = fromHex(v.initializeUpdate.command);
      const eid = v.exchanges[0];
      const card = new ReplayCard([fromHex(`${v.initializeUpdate.response}9000`), ok, fromHex(`${eid.response}9000`)]);
      const session = new CardSession(card, { extendedLength: false });
      const ch = await openSecureChannel(session, keysOf(v.keys, iuCmd[2]), { level: v.level, hostChallenge: iuCmd.subarray(5, 13), sdAid: v.sdAid });
      expect(ch.scp).toBe(3);
      const r = await ch.send(fromHexCommand(eid.plain), 'GET EID');
      expect(hex(r.data)).toBe(eid.responsePlain.toUpperCase());
      expect(card.sent).toEqual([v.initializeUpdate.command, v.externalAuthenticate, eid.wrapped].map((x: string) => x.toUpperCase()));
      const trace = session.trace.format();
      const hostCryptogram = fromHex(v.externalAuthenticate).subarray(5, 13);
      expect(trace).not.toContain(hex(hostCryptogram, ' '));
      expect(trace).not.toContain(hex(fromHex(v.initializeUpdate.response).subarray(21, 29), ' '));
    });
  }

  it('replays the pySim SCP02 session', async () => {
    const v = scp02.sessions[0];
    const card = new ReplayCard([fromHex(`${v.initializeUpdateResponse}9000`), ok, ok, ok, ok, ok]);
    const ch = await openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys), { level: v.level, hostChallenge: fromHex(v.hostChallenge) });
    expect(ch.scp).toBe(2);
    for (const x of v.exchanges) await ch.send(fromHexCommand(x.plain));
    expect(card.sent.slice(1)).toEqual([v.externalAuthenticate, ...v.exchanges.map((x: { wrapped: string }) => x.wrapped)].map((s: string) => s.toUpperCase()));
  });

  it('stops before EXTERNAL AUTHENTICATE when the card cryptogram shows the keys are wrong', async () => {
    const v = scp03.sessions[0];
    const iuCmd = fromHex(v.initializeUpdate.command);
    const card = new ReplayCard([fromHex(`${v.initializeUpdate.response}9000`), ok]);
    const wrong = { ...keysOf(v.keys, 0x30), mac: fromHex('404142434445464748494a4b4c4d4e4f') };
    await expect(openSecureChannel(new CardSession(card, { extendedLength: false }), wrong, { level: v.level, hostChallenge: iuCmd.subarray(5, 13) }))
      .rejects.toThrow(WrongKeysError);
    expect(card.sent).toHaveLength(1);
  });

  it('does not retry a refused EXTERNAL AUTHENTICATE', async () => {
    const v = scp03.sessions[0];
    const iuCmd = fromHex(v.initializeUpdate.command);
    const card = new ReplayCard([fromHex(`${v.initializeUpdate.response}9000`), fromHex('6300'), ok, ok]);
    const err = await openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys, 0x30), { level: v.level, hostChallenge: iuCmd.subarray(5, 13), sdAid: v.sdAid })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    expect((err as Error).message).toMatch(/^EXTERNAL AUTHENTICATE \(84 82 [0-9A-F]{2} 00\) answered 6300: authentication of the host cryptogram failed\. .*simcert does not retry/);
    expect(card.sent).toHaveLength(2);
  });

  // pySim's cards answer with i = 70: a pseudo-random card challenge, KDF(Key-ENC, 02, counter || AID). The SCP03
  // card cryptogram does not cover the sequence counter, so an answer with another counter still carries a valid
  // cryptogram for these keys: only the challenge check (Amendment D 6.2.2.1) can tell it is not fresh.
  it('checks the pseudo-random card challenge against the sequence counter and the AID, before EXTERNAL AUTHENTICATE', async () => {
    for (const v of scp03.sessions) {
      const iuCmd = fromHex(v.initializeUpdate.command);
      const iu = fromHex(`${v.initializeUpdate.response}9000`);
      expect(iu[12], `${v.id} claims i = 70`).toBe(0x70);
      const open = (answer: Uint8Array, sdAid: string) => {
        const card = new ReplayCard([answer, ok]);
        return { card, p: openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys), { level: v.level, hostChallenge: iuCmd.subarray(5, 13), sdAid }) };
      };
      const good = open(iu, v.sdAid);
      await good.p;
      expect(good.card.sent, v.id).toHaveLength(2);

      const otherCounter = Uint8Array.from(iu);
      otherCounter[31]! ^= 0x01; // last byte of the sequence counter, just before 9000
      const replayed = open(otherCounter, v.sdAid);
      await expect(replayed.p, v.id).rejects.toThrow(CardChallengeMismatchError);
      await expect(replayed.p).rejects.toThrow(/not the one Amendment D 6\.2\.2\.1 derives .*EXTERNAL AUTHENTICATE was not sent/);
      expect(replayed.card.sent, v.id).toHaveLength(1);

      const otherDomain = open(iu, 'A000000151000000');
      await expect(otherDomain.p, v.id).rejects.toThrow(CardChallengeMismatchError);
      expect(otherDomain.card.sent, v.id).toHaveLength(1);
    }
  });

  it('opens an S16 card (i 01) from its INITIALIZE UPDATE answer: 16-byte challenge, cryptograms and MACs', async () => {
    const v = scp03.s16;
    const card = new ReplayCard([fromHex(`${v.initializeUpdateResponse}9000`), ok, fromHex(`${v.exchange.response}9000`)]);
    const ch = await openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys), { level: v.level, hostChallenge: fromHex(v.hostChallenge) });
    const r = await ch.send(fromHexCommand(v.exchange.plain), 'GET STATUS');
    expect(hex(r.data).startsWith(v.exchange.responsePlainStartsWith)).toBe(true);
    expect(card.sent).toEqual([`8050000010${v.hostChallenge}00`, v.externalAuthenticate, v.exchange.wrapped]);
  });

  it('sends a 16-byte host challenge once more when the card answers 6700 to 8 bytes, as an S16-only card does', async () => {
    const v = scp03.s16;
    const card = new ReplayCard([fromHex('6700'), fromHex(`${v.initializeUpdateResponse}9000`)]);
    // The replayed answer belongs to another host challenge, so the cryptogram check stops the session: what this
    // shows is the second INITIALIZE UPDATE, with Lc 10.
    await expect(openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys), { level: v.level })).rejects.toThrow(WrongKeysError);
    expect(card.sent.map((c) => c.slice(0, 10))).toEqual(['8050000008', '8050000010']);
  });

  it('refuses an S16 answer to an 8-byte host challenge, before EXTERNAL AUTHENTICATE', async () => {
    const v = scp03.s16;
    const card = new ReplayCard([fromHex(`${v.initializeUpdateResponse}9000`), ok]);
    await expect(openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys), { level: v.level, hostChallenge: fromHex(v.hostChallenge).subarray(0, 8) }))
      .rejects.toThrow(/S16 mode \(i 01\) to a 8-byte host challenge/);
    expect(card.sent).toHaveLength(1);
  });

  it('refuses a card whose key version differs from the one asked for, before authenticating', async () => {
    const v = scp03.sessions[0];
    const card = new ReplayCard([fromHex(`${v.initializeUpdate.response}9000`)]);
    await expect(openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys, 0x31), { level: 1 }))
      .rejects.toThrow(/key version 30, not the 31 asked for/);
    expect(card.sent).toHaveLength(1);
  });
});

function fromHexCommand(h: string): CommandApdu {
  return decodeCommand(fromHex(h));
}

describe('the authentication ledger', () => {
  it('remembers a refused EXTERNAL AUTHENTICATE and refuses that card next time, unless the risk is accepted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simcert-ledger-'));
    try {
      const ledger = new AuthLedger(join(dir, 'ledger.json'));
      const v = scp03.sessions[0];
      const iuCmd = fromHex(v.initializeUpdate.command);
      const iuAnswer = fromHex(`${v.initializeUpdate.response}9000`);
      const open = (answers: Uint8Array[], acceptLockRisk: boolean) => {
        const card = new ReplayCard(answers);
        const p = openSecureChannel(new CardSession(card, { extendedLength: false }), keysOf(v.keys, 0x30),
          { level: v.level, hostChallenge: iuCmd.subarray(5, 13), ledger: { ledger, sdAid: v.sdAid, acceptLockRisk } });
        return { card, p };
      };
      const first = open([iuAnswer, fromHex('6300')], false);
      await expect(first.p).rejects.toThrow(AuthenticationFailedError);
      expect((await ledger.get(AuthLedger.key('00000000000000000000', v.sdAid)))?.failures).toBe(1);

      const second = open([iuAnswer, ok], false);
      await expect(second.p).rejects.toThrow(/1 failed authentication\(s\) on record .*EXTERNAL AUTHENTICATE not sent/);
      expect(second.card.sent).toHaveLength(1);

      const third = open([iuAnswer, ok], true);
      await third.p;
      expect(third.card.sent).toHaveLength(2);
      expect(await ledger.get(AuthLedger.key('00000000000000000000', v.sdAid))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
