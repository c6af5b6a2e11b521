// Opens a GlobalPlatform secure channel (SCP02 or SCP03 in S8 or S16 mode, as the card's INITIALIZE UPDATE answer
// says) and sends commands through it, checking the R-MAC of answers at the levels that have one. Safety first,
// because a real card locks its security domain for good after a handful of failed authentications: the card
// cryptogram, and an SCP03 card's pseudo-random challenge, are checked before EXTERNAL AUTHENTICATE is sent (a
// mismatch means wrong keys or an answer not fresh from this domain, and stops without spending an attempt), and a
// failed EXTERNAL AUTHENTICATE is never retried. Keys, challenges and cryptograms are masked in the APDU trace;
// each command is also traced as it was before wrapping, decoded, with its secret values and the MACs masked.
import { randomBytes } from 'node:crypto';
import { equalBytes, fromHex, hex } from '../bytes.ts';
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { CardError, type CardSession } from '../apdu/session.ts';
import { CardFault } from '../apdu/card-fault.ts';
import { describeAnswer, isOk, swHex } from '../apdu/status-words.ts';
import { decodeCommand, type DgiStreamState } from './command-decode.ts';
import { diversify, type Diversification } from './diversify.ts';
import { AuthLedger, CardMayLockError } from './ledger.ts';
import { SecureChannelError, SecurityLevel, type StaticKeys } from './keys.ts';
import { scp02Cryptograms, scp02SessionKeys, Scp02Wrapper } from './scp02.ts';
import { scp03CardChallenge, scp03Cryptograms, scp03SessionKeys, Scp03Wrapper, SCP03_I } from './scp03.ts';

/** The keys do not match the card: found from the card cryptogram, before any authentication attempt. */
export class WrongKeysError extends Error {}

/**
 * EXTERNAL AUTHENTICATE was refused: one of the card's limited attempts is spent; not retried. The card's answer
 * to a command the test needed, so a finding (failed), unlike WrongKeysError, which the harness sees first.
 */
export class AuthenticationFailedError extends CardFault {
  constructor(message: string, sw: number) {
    super(message, '9000', swHex(sw));
  }
}

/**
 * The card says it derives its challenge from the sequence counter and its AID (SCP03, i b5), but the challenge it
 * sent is not that one: a card not following Amendment D 6.2.2.1, or an answer that is not fresh from this card
 * (replayed). Found before EXTERNAL AUTHENTICATE, so no authentication attempt is spent.
 */
export class CardChallengeMismatchError extends SecureChannelError {}

export interface InitializeUpdateResponse {
  kdd: Uint8Array;
  kvn: number;
  scp: 2 | 3;
  i?: number;
  /** SCP03 S16 mode (i b1, Amendment D v1.2): 16-byte challenges, cryptograms and MACs. */
  s16?: boolean;
  sequenceCounter: Uint8Array;
  cardChallenge: Uint8Array;
  cardCryptogram: Uint8Array;
}

/** Parses INITIALIZE UPDATE's answer (GPCS E.5.1.6 for SCP02, Amendment D 7.1.1 for SCP03, S8 or S16 mode). */
export function parseInitializeUpdate(data: Uint8Array): InitializeUpdateResponse {
  const kdd = data.subarray(0, 10);
  const kvn = data[10]!;
  const scp = data[11];
  if (scp === 0x02 && data.length === 28) {
    return { kdd, kvn, scp: 2, sequenceCounter: data.subarray(12, 14), cardChallenge: data.subarray(14, 20), cardCryptogram: data.subarray(20, 28) };
  }
  if (scp === 0x03 && data.length > 12) {
    // KDD, KVN, 03, i, card challenge, card cryptogram, then the sequence counter when i b5 says so (table 7-3).
    const i = data[12]!;
    const s16 = (i & SCP03_I.S16) !== 0;
    const n = s16 ? 16 : 8;
    const withCounter = (i & SCP03_I.PSEUDO_RANDOM_CHALLENGE) !== 0;
    if (data.length === 13 + 2 * n + (withCounter ? 3 : 0)) {
      return {
        kdd, kvn, scp: 3, i, s16, cardChallenge: data.subarray(13, 13 + n), cardCryptogram: data.subarray(13 + n, 13 + 2 * n),
        sequenceCounter: withCounter ? data.subarray(13 + 2 * n) : new Uint8Array(0),
      };
    }
  }
  throw new SecureChannelError(`INITIALIZE UPDATE answer of ${data.length} bytes for SCP ${scp?.toString(16) ?? '?'}` +
    `${scp === 0x03 && data.length > 12 ? ` i ${data[12]!.toString(16).padStart(2, '0')}` : ''} is not one this harness speaks ` +
    '(SCP02: 28; SCP03 S8: 29, or 32 with the sequence counter; S16: 45 or 48)');
}

export interface OpenOptions {
  /** EXTERNAL AUTHENTICATE P1: 01 C-MAC, 03 C-MAC + C-DEC, 11/13 with R-MAC, 33 with R-ENC (SCP03 only). */
  level: number;
  /** Fixed host challenge, for replaying published sessions; random otherwise (8 bytes, or 16 in S16 mode). */
  hostChallenge?: Uint8Array;
  /**
   * SCP03 S16 mode (Amendment D v1.2): send a 16-byte host challenge. Unset: 8 bytes, and once more with 16 when
   * the card answers 6700 (wrong length), as an S16-only card does; INITIALIZE UPDATE spends no attempt.
   */
  s16?: boolean;
  /** How the card's keys derive from the given master keys and the card's KDD (default: they are the card's keys). */
  diversification?: Diversification;
  /**
   * The AID of the security domain INITIALIZE UPDATE goes to (hex or bytes): needed to check an SCP03 card's
   * pseudo-random challenge (i b5), which the card derives from its sequence counter and this AID. Default: the
   * issuer security domain's AID of GPCS 2.3.1 table H-1; pass it for any other domain.
   */
  sdAid?: string | Uint8Array;
  /** Where failed authentications are remembered, with the domain's AID (for the ledger key). */
  ledger?: { ledger: AuthLedger; sdAid: string; acceptLockRisk: boolean };
}

export interface SecureChannel {
  readonly scp: 2 | 3;
  readonly level: number;
  readonly kdd: Uint8Array;
  /** Sends a command through the channel and returns the unwrapped response, whatever its status word. */
  transmit(cmd: CommandApdu, name?: string, opts?: ChannelSendOptions): Promise<ResponseApdu>;
  /** As transmit, but a status word other than 9000 is a CardError. */
  send(cmd: CommandApdu, name?: string, opts?: ChannelSendOptions): Promise<ResponseApdu>;
  /** Encrypts sensitive data for the card under the data encryption key (SCP03: static DEK; SCP02: session DEK). */
  encryptSensitive(data: Uint8Array): Uint8Array;
  /**
   * The most command data that still fits a short APDU (Lc 255) once wrapped: the C-MAC (8 bytes, 16 in S16) and,
   * with C-DECRYPTION, the ISO/IEC 9797-1 method 2 padding to the cipher's block, which adds at least one byte.
   */
  readonly maxPlainData: number;
}

/** maxPlainData for a channel: `mac` bytes of C-MAC, and `block` the cipher's block size when the data is encrypted. */
export function plainDataRoom(mac: number, block?: number): number {
  const room = 255 - mac;
  return block ? Math.floor(room / block) * block - 1 : room;
}

export interface ChannelSendOptions {
  /** Mask the command data in the trace even when the channel does not encrypt it (PINs, key blocks). */
  secret?: boolean;
}

type Transmit = SecureChannel['transmit'];

/** `send` on top of a channel's `transmit`: any status word but 9000 becomes a CardError. */
export function checkedSend(transmit: Transmit): SecureChannel['send'] {
  return async (cmd, name, o) => {
    const res = await transmit(cmd, name, o);
    if (!isOk(res.sw)) throw new CardError(name, cmd, res.sw);
    return res;
  };
}

/** The issuer security domain's AID (GPCS 2.3.1 table H-1), the domain INITIALIZE UPDATE goes to by default. */
export const ISD_AID = 'A000000151000000';

/**
 * Amendment D 6.2.2.1: with i b5 set, the card challenge is KDF(static Key-ENC, 02, sequence counter || SD AID);
 * the harness recomputes it from the counter the card sent and refuses the session when it differs.
 */
function checkPseudoRandomChallenge(keys: StaticKeys, r: InitializeUpdateResponse, opts: OpenOptions): void {
  const aid = opts.sdAid ?? opts.ledger?.sdAid ?? ISD_AID;
  const want = scp03CardChallenge(keys.enc, r.sequenceCounter, typeof aid === 'string' ? fromHex(aid) : aid, r.s16);
  if (r.sequenceCounter.length !== 3 || !equalBytes(want, r.cardChallenge)) {
    throw new CardChallengeMismatchError(
      `the card claims a pseudo-random card challenge (SCP03 i ${(r.i ?? 0).toString(16).padStart(2, '0')}), but the challenge it sent is ` +
        `not the one Amendment D 6.2.2.1 derives from its sequence counter ${hex(r.sequenceCounter)} and the domain AID ` +
        `${typeof aid === 'string' ? aid.toUpperCase() : hex(aid)}: a card not following the derivation, or a replayed answer. ` +
        'EXTERNAL AUTHENTICATE was not sent.',
    );
  }
}

export async function openSecureChannel(session: CardSession, masterKeys: StaticKeys, opts: OpenOptions): Promise<SecureChannel> {
  for (const k of [masterKeys.enc, masterKeys.mac, masterKeys.dek]) session.trace.registerSecret(k);
  let keys = masterKeys;
  const initializeUpdate = (host: Uint8Array) => session.transmit({ cla: 0x80, ins: 0x50, p1: keys.kvn ?? 0, p2: 0x00, data: host, le: 256 },
    { name: 'INITIALIZE UPDATE', redact: 'both' });
  let host = opts.hostChallenge ?? new Uint8Array(randomBytes(opts.s16 ? 16 : 8));
  let iu = await initializeUpdate(host);
  if (iu.sw === 0x6700 && opts.s16 === undefined && !opts.hostChallenge) {
    host = new Uint8Array(randomBytes(16));
    iu = await initializeUpdate(host);
  }
  if (!isOk(iu.sw)) throw new CardError('INITIALIZE UPDATE', { cla: 0x80, ins: 0x50, p1: keys.kvn ?? 0, p2: 0x00 }, iu.sw);
  const r = parseInitializeUpdate(iu.data);
  if (r.scp === 2 && host.length !== 8) throw new SecureChannelError('the card speaks SCP02, whose host challenge is 8 bytes: open it without s16');
  if (r.scp === 3 && (host.length === 16) !== r.s16) {
    throw new SecureChannelError(`the card answered INITIALIZE UPDATE in ${r.s16 ? 'S16' : 'S8'} mode (i ${(r.i ?? 0).toString(16).padStart(2, '0')}) ` +
      `to a ${host.length}-byte host challenge; ${r.s16 ? 'S16 needs 16 bytes' : 'S8 needs 8'}. EXTERNAL AUTHENTICATE not sent`);
  }
  if (opts.diversification && opts.diversification !== 'none') {
    keys = diversify(masterKeys, r.kdd, opts.diversification);
    for (const k of [keys.enc, keys.mac, keys.dek]) session.trace.registerSecret(k);
  }
  const ledgerKey = opts.ledger ? AuthLedger.key(hex(r.kdd), opts.ledger.sdAid) : undefined;
  if (opts.ledger && ledgerKey) {
    const past = await opts.ledger.ledger.get(ledgerKey);
    if (past && !opts.ledger.acceptLockRisk) {
      throw new CardMayLockError(
        `this card (KDD ${hex(r.kdd)}, domain ${opts.ledger.sdAid}) has ${past.failures} failed authentication(s) on record in ` +
          `${opts.ledger.ledger.file} (last ${past.lastFailure}); another failure may lock it for good. EXTERNAL AUTHENTICATE ` +
          'not sent. Fix the keys, or run with --i-know-the-card-may-lock.',
      );
    }
  }
  if (keys.kvn && r.kvn !== keys.kvn) {
    throw new WrongKeysError(`the card answered with key version ${r.kvn.toString(16)}, not the ${keys.kvn.toString(16)} asked for; EXTERNAL AUTHENTICATE not sent`);
  }

  let wrapper: Scp02Wrapper | Scp03Wrapper;
  let hostCryptogram: Uint8Array;
  let expectedCard: Uint8Array;
  if (r.scp === 3) {
    const sk = scp03SessionKeys(keys, host, r.cardChallenge);
    const c = scp03Cryptograms(sk.mac, host, r.cardChallenge, r.s16);
    [sk.enc, sk.mac, sk.rmac].forEach((k) => session.trace.registerSecret(k));
    wrapper = new Scp03Wrapper(sk, opts.level, r.s16);
    hostCryptogram = c.host;
    expectedCard = c.card;
  } else {
    if (opts.level & (SecurityLevel.R_ENC)) throw new SecureChannelError('SCP02 has no R-ENCRYPTION');
    const sk = scp02SessionKeys(keys, r.sequenceCounter);
    const c = scp02Cryptograms(sk.enc, host, r.sequenceCounter, r.cardChallenge);
    [sk.enc, sk.mac, sk.rmac, sk.dek].forEach((k) => session.trace.registerSecret(k));
    wrapper = new Scp02Wrapper(sk, opts.level);
    hostCryptogram = c.host;
    expectedCard = c.card;
  }
  if (!equalBytes(expectedCard, r.cardCryptogram)) {
    throw new WrongKeysError(
      `card cryptogram does not match these keys (SCP0${r.scp}, key version ${r.kvn.toString(16)}, KDD ${hex(r.kdd)}, ` +
        `diversification ${opts.diversification ?? 'none'}): wrong keys or ` +
        'wrong diversification. EXTERNAL AUTHENTICATE was not sent, so no authentication attempt was spent.',
    );
  }
  if (r.scp === 3 && (r.i ?? 0) & SCP03_I.PSEUDO_RANDOM_CHALLENGE) checkPseudoRandomChallenge(keys, r, opts);
  session.trace.registerSecret(hostCryptogram);

  const eaCommand = wrapper.externalAuthenticate(hostCryptogram);
  const ea = await session.transmit(eaCommand, { name: 'EXTERNAL AUTHENTICATE', redact: 'command-data' });
  if (!isOk(ea.sw)) {
    if (opts.ledger && ledgerKey) await opts.ledger.ledger.recordFailure(ledgerKey);
    throw new AuthenticationFailedError(
      `${describeAnswer(eaCommand, ea.sw)}. One of the card's authentication attempts is spent; ` +
        'simcert does not retry. Check the keys before trying again: the domain locks after a few failures.',
      ea.sw,
    );
  }

  if (opts.ledger && ledgerKey) await opts.ledger.ledger.recordSuccess(ledgerKey);

  // The trace shows each command as it was before wrapping, its fields named and its secrets masked
  // (command-decode.ts), and masks the MACs on the wire: C-MAC after EXTERNAL AUTHENTICATE, R-MAC when asked for.
  const macLength = r.scp === 3 && r.s16 ? 16 : 8;
  const mac = { command: opts.level & SecurityLevel.C_MAC ? macLength : 0, response: opts.level & SecurityLevel.R_MAC ? macLength : 0 };
  const dgi: DgiStreamState = {};
  const transmit = async (cmd: CommandApdu, name?: string, o: ChannelSendOptions = {}): Promise<ResponseApdu> => {
    const plain = decodeCommand(cmd, { secret: o.secret ?? false, dgi });
    const wrapped = wrapper.wrap(cmd);
    // Without C-DECRYPTION the wire carries the plain data: whatever is secret in it masks the wrapped data too.
    const redact = o.secret || opts.level & SecurityLevel.C_DEC || plain.secret.length > 0 ? 'command-data' : undefined;
    const raw = await session.transmit(wrapped, { name: `${name ?? 'command'} [SCP0${r.scp}]`, redact, plain, mac });
    return wrapper.unwrap(raw);
  };
  return {
    scp: r.scp,
    level: opts.level,
    kdd: r.kdd,
    transmit,
    encryptSensitive: (data) => wrapper.encryptSensitive(data),
    maxPlainData: plainDataRoom(mac.command, opts.level & SecurityLevel.C_DEC ? (r.scp === 3 ? 16 : 8) : undefined),
    send: checkedSend(transmit),
  };
}
