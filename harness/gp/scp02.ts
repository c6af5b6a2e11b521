// SCP02 (GlobalPlatform Card Specification 2.3.1 Appendix E), options 15 and 55: session keys, cryptograms,
// command wrapping (C-MAC on the modified APDU with ICV encryption, then C-DECRYPTION) and, at levels 11 and 13,
// verification of each response's R-MAC (E.4.5), so that a card's answers cannot be altered unnoticed. Recipes:
// ../shared/reference/globalplatform.md section 2.2.
import { concat, equalBytes } from '../bytes.ts';
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { desEcbEncrypt, fullTdesMac, pad80, retailMac, tdesCbcEncrypt, tdesEcbEncrypt } from './crypto.ts';
import { SecureChannelError, SecurityLevel, type StaticKeys } from './keys.ts';

/** Session key derivation constants (GPCS E.4.1). */
export const SCP02 = { C_MAC: 0x0101, R_MAC: 0x0102, S_ENC: 0x0182, S_DEK: 0x0181 } as const;

export interface Scp02SessionKeys {
  enc: Uint8Array;
  mac: Uint8Array;
  rmac: Uint8Array;
  dek: Uint8Array;
}

function derive(key: Uint8Array, constant: number, seq: Uint8Array): Uint8Array {
  return tdesCbcEncrypt(key, new Uint8Array(8), concat(Uint8Array.of(constant >> 8, constant & 0xff), seq, new Uint8Array(12)));
}

export function scp02SessionKeys(keys: StaticKeys, sequenceCounter: Uint8Array): Scp02SessionKeys {
  return {
    enc: derive(keys.enc, SCP02.S_ENC, sequenceCounter),
    mac: derive(keys.mac, SCP02.C_MAC, sequenceCounter),
    rmac: derive(keys.mac, SCP02.R_MAC, sequenceCounter),
    dek: derive(keys.dek, SCP02.S_DEK, sequenceCounter),
  };
}

export function scp02Cryptograms(sEnc: Uint8Array, hostChallenge: Uint8Array, sequenceCounter: Uint8Array, cardChallenge: Uint8Array): { card: Uint8Array; host: Uint8Array } {
  return {
    card: fullTdesMac(sEnc, pad80(concat(hostChallenge, sequenceCounter, cardChallenge), 8)),
    host: fullTdesMac(sEnc, pad80(concat(sequenceCounter, cardChallenge, hostChallenge), 8)),
  };
}

/**
 * The R-MAC of one response (GPCS E.4.5): the retail MAC under the R-MAC session key, chained from `icv`, over the
 * command as the host meant it (CLA without secure messaging and channel bits, INS P1 P2, Lc and data of the plain
 * command, Lc 00 without data), then Li, the response data and SW1 SW2, padded (ISO 9797-1 method 2).
 */
export function scp02Rmac(rmacKey: Uint8Array, icv: Uint8Array, cmd: CommandApdu, responseData: Uint8Array, sw: number): Uint8Array {
  const data = cmd.data ?? new Uint8Array(0);
  const input = concat(Uint8Array.of(cmd.cla & 0xf8, cmd.ins, cmd.p1, cmd.p2, data.length), data,
    Uint8Array.of(responseData.length), responseData, Uint8Array.of(sw >> 8, sw & 0xff));
  return retailMac(rmacKey, pad80(input, 8), icv);
}

/** Wraps the commands of one SCP02 session (i = 15 or 55: modified APDU, ICV encryption) and checks R-MACs. */
export class Scp02Wrapper {
  private lastMac: Uint8Array | undefined;
  /** The R-MAC chain: the C-MAC of EXTERNAL AUTHENTICATE, then each response's R-MAC (E.4.5). */
  private rmacIcv: Uint8Array = new Uint8Array(8);
  /** The last command as given to wrap, before C-MAC and encryption: what the card's R-MAC covers. */
  private lastCommand: CommandApdu | undefined;

  constructor(
    private readonly keys: Scp02SessionKeys,
    readonly level: number,
  ) {}

  externalAuthenticate(hostCryptogram: Uint8Array): CommandApdu {
    this.lastMac = undefined;
    const ea = this.mac({ cla: 0x84, ins: 0x82, p1: this.level, p2: 0x00, data: hostCryptogram });
    this.rmacIcv = this.lastMac!;
    return ea;
  }

  private mac(cmd: CommandApdu): CommandApdu {
    const data = cmd.data ?? new Uint8Array(0);
    const cla = cmd.cla | 0x04;
    // The first C-MAC of the session uses ICV 0; later ones the previous C-MAC encrypted with single DES (b5 of i).
    const icv = this.lastMac ? desEcbEncrypt(this.keys.mac.subarray(0, 8), this.lastMac) : new Uint8Array(8);
    const m = retailMac(this.keys.mac, pad80(concat(Uint8Array.of(cla, cmd.ins, cmd.p1, cmd.p2, data.length + 8), data), 8), icv);
    this.lastMac = m;
    return { ...cmd, cla, data: concat(data, m) };
  }

  /** Sensitive data under the session DEK: 3DES-ECB (GPCS E.4.7). */
  encryptSensitive(data: Uint8Array): Uint8Array {
    if (data.length % 8 !== 0) throw new RangeError('SCP02 sensitive data must fill whole 8-byte blocks');
    return tdesEcbEncrypt(this.keys.dek, data);
  }

  wrap(cmd: CommandApdu): CommandApdu {
    this.lastCommand = cmd;
    if (!(this.level & SecurityLevel.C_MAC)) return cmd;
    const plain = cmd.data ?? new Uint8Array(0);
    // C-MAC over the plaintext first, then encryption of the data (GPCS E.4.4).
    const macced = this.mac(cmd);
    if (!(this.level & SecurityLevel.C_DEC) || plain.length === 0) return macced;
    const enc = tdesCbcEncrypt(this.keys.enc, new Uint8Array(8), pad80(plain, 8));
    return { ...macced, data: concat(enc, macced.data!.subarray(plain.length)) };
  }

  /**
   * At an R-MAC level, checks and strips the R-MAC of the response to the last wrapped command. As for SCP03
   * (Amendment D 6.2.5), only 9000, 62xx and 63xx answers carry one: a card that refuses a command, or whose
   * session ended on a MAC error, answers without.
   */
  unwrap(r: ResponseApdu): ResponseApdu {
    const sw1 = r.sw >> 8;
    if (!(this.level & SecurityLevel.R_MAC) || !(r.sw === 0x9000 || sw1 === 0x62 || sw1 === 0x63)) return r;
    if (!this.lastCommand) throw new SecureChannelError('a response to check the R-MAC of, but no command was sent');
    if (r.data.length < 8) throw new SecureChannelError(`response has no R-MAC (${r.data.length} bytes)`);
    const body = r.data.subarray(0, r.data.length - 8);
    const want = scp02Rmac(this.keys.rmac, this.rmacIcv, this.lastCommand, body, r.sw);
    if (!equalBytes(r.data.subarray(r.data.length - 8), want)) throw new SecureChannelError('R-MAC of the response does not verify');
    this.rmacIcv = want;
    return { data: body, sw: r.sw };
  }
}
