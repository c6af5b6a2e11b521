// SCP03 (GlobalPlatform Card Specification 2.3 Amendment D v1.1.1, with v1.2's S16 mode): key derivation,
// cryptograms, and the wrapping of commands (C-MAC, C-DECRYPTION) and unwrapping of responses (R-MAC,
// R-ENCRYPTION). Recipes: ../shared/reference/globalplatform.md section 2.1.
import { concat, equalBytes } from '../bytes.ts';
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEcbEncrypt, pad80, unpad80 } from './crypto.ts';
import { SecurityLevel, SecureChannelError, type StaticKeys } from './keys.ts';

/** Derivation constants (Amendment D tables 4-1 and 6-2). */
export const SCP03 = {
  CARD_CRYPTOGRAM: 0x00,
  HOST_CRYPTOGRAM: 0x01,
  CARD_CHALLENGE: 0x02,
  S_ENC: 0x04,
  S_MAC: 0x06,
  S_RMAC: 0x07,
} as const;

/** Bits of the SCP03 i parameter (Amendment D v1.2 table 5-1). */
export const SCP03_I = {
  S16: 0x01,
  PSEUDO_RANDOM_CHALLENGE: 0x10,
  R_MAC: 0x20,
  R_ENC: 0x40,
} as const;

/**
 * NIST SP 800-108 KDF in counter mode with AES-CMAC as PRF, laid out as Amendment D 4.1.5: 11 zero bytes and the
 * constant (the label), 00, L in bits on two bytes, the counter, then the context.
 */
export function scp03Kdf(key: Uint8Array, constant: number, context: Uint8Array, lBits: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let i = 1; i <= Math.ceil(lBits / 128); i++) {
    blocks.push(aesCmac(key, concat(new Uint8Array(11), Uint8Array.of(constant, 0x00, lBits >> 8, lBits & 0xff, i), context)));
  }
  return concat(...blocks).subarray(0, lBits / 8);
}

export interface Scp03SessionKeys {
  enc: Uint8Array;
  mac: Uint8Array;
  rmac: Uint8Array;
  /** The static DEK: SCP03 has no session DEK. */
  dek: Uint8Array;
}

export function scp03SessionKeys(keys: StaticKeys, hostChallenge: Uint8Array, cardChallenge: Uint8Array): Scp03SessionKeys {
  const ctx = concat(hostChallenge, cardChallenge);
  return {
    enc: scp03Kdf(keys.enc, SCP03.S_ENC, ctx, keys.enc.length * 8),
    mac: scp03Kdf(keys.mac, SCP03.S_MAC, ctx, keys.mac.length * 8),
    rmac: scp03Kdf(keys.mac, SCP03.S_RMAC, ctx, keys.mac.length * 8),
    dek: keys.dek,
  };
}

export function scp03Cryptograms(sMac: Uint8Array, hostChallenge: Uint8Array, cardChallenge: Uint8Array, s16 = false): { card: Uint8Array; host: Uint8Array } {
  const ctx = concat(hostChallenge, cardChallenge);
  const l = s16 ? 128 : 64;
  return { card: scp03Kdf(sMac, SCP03.CARD_CRYPTOGRAM, ctx, l), host: scp03Kdf(sMac, SCP03.HOST_CRYPTOGRAM, ctx, l) };
}

/** Pseudo-random card challenge (i b5): KDF(Key-ENC, 02, sequence counter || SD AID). */
export function scp03CardChallenge(keyEnc: Uint8Array, sequenceCounter: Uint8Array, sdAid: Uint8Array, s16 = false): Uint8Array {
  return scp03Kdf(keyEnc, SCP03.CARD_CHALLENGE, concat(sequenceCounter, sdAid), s16 ? 128 : 64);
}

function lcField(n: number): Uint8Array {
  return n > 255 ? Uint8Array.of(0, n >> 8, n & 0xff) : Uint8Array.of(n);
}

/** Wraps and unwraps the APDUs of one SCP03 session after INITIALIZE UPDATE. */
export class Scp03Wrapper {
  private chain: Uint8Array = new Uint8Array(16);
  private counter = 0;
  private readonly macLen: number;

  constructor(
    private readonly keys: Scp03SessionKeys,
    readonly level: number,
    readonly s16 = false,
  ) {
    this.macLen = s16 ? 16 : 8;
  }

  /** EXTERNAL AUTHENTICATE: C-MAC with a zero chaining value; never encrypted. */
  externalAuthenticate(hostCryptogram: Uint8Array): CommandApdu {
    this.chain = new Uint8Array(16);
    this.counter = 0;
    return this.mac({ cla: 0x84, ins: 0x82, p1: this.level, p2: 0x00, data: hostCryptogram });
  }

  private mac(cmd: CommandApdu): CommandApdu {
    const data = cmd.data ?? new Uint8Array(0);
    const cla = (cmd.cla & ~0x03) | 0x04;
    const full = aesCmac(this.keys.mac, concat(this.chain, Uint8Array.of(cla, cmd.ins, cmd.p1, cmd.p2), lcField(data.length + this.macLen), data));
    this.chain = full;
    return { ...cmd, cla: cla | (cmd.cla & 0x03), data: concat(data, full.subarray(0, this.macLen)) };
  }

  private counterBlock(first = 0): Uint8Array {
    const b = new Uint8Array(16);
    let c = this.counter;
    for (let i = 15; i >= 0 && c > 0; i--) {
      b[i] = c & 0xff;
      c = Math.floor(c / 256);
    }
    b[0] = b[0]! | first;
    return b;
  }

  wrap(cmd: CommandApdu): CommandApdu {
    if (!(this.level & SecurityLevel.C_MAC)) return cmd;
    let data = cmd.data ?? new Uint8Array(0);
    if (this.level & SecurityLevel.C_DEC) {
      // The counter moves for every command, with data or not (Amendment D 6.2.6).
      this.counter++;
      if (data.length > 0) {
        const icv = aesEcbEncrypt(this.keys.enc, this.counterBlock());
        data = aesCbcEncrypt(this.keys.enc, icv, pad80(data, 16));
      }
    }
    return this.mac({ ...cmd, data });
  }

  /** Sensitive data under the static DEK: AES-CBC with a zero IV, whole blocks (Amendment D 7.2.2). */
  encryptSensitive(data: Uint8Array): Uint8Array {
    if (data.length % 16 !== 0) throw new RangeError('SCP03 sensitive data must fill whole 16-byte blocks');
    return aesCbcEncrypt(this.keys.dek, new Uint8Array(16), data);
  }

  /** Checks the R-MAC and decrypts the data of a response, as the session's level says. */
  unwrap(r: ResponseApdu): ResponseApdu {
    const sw1 = r.sw >> 8;
    const protectedSw = r.sw === 0x9000 || sw1 === 0x62 || sw1 === 0x63;
    if (!(this.level & SecurityLevel.R_MAC) || !protectedSw) return r;
    if (r.data.length < this.macLen) throw new SecureChannelError(`response has no R-MAC (${r.data.length} bytes)`);
    const body = r.data.subarray(0, r.data.length - this.macLen);
    const got = r.data.subarray(r.data.length - this.macLen);
    const want = aesCmac(this.keys.rmac, concat(this.chain, body, Uint8Array.of(sw1, r.sw & 0xff))).subarray(0, this.macLen);
    if (!equalBytes(got, want)) throw new SecureChannelError('R-MAC of the response does not verify');
    if (!(this.level & SecurityLevel.R_ENC) || body.length === 0) return { data: body, sw: r.sw };
    const icv = aesEcbEncrypt(this.keys.enc, this.counterBlock(0x80));
    return { data: unpad80(aesCbcDecrypt(this.keys.enc, icv, body)), sw: r.sw };
  }
}
