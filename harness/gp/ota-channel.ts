// A security domain reached over the air, as a SecureChannel: every GlobalPlatform command of harness/gp (LOAD,
// INSTALL, PUT KEY, STORE DATA, GET STATUS ...) can travel through a secured packet to the domain's Remote
// Application Management application instead of through SCP03 on a reader. One command per secured packet, so each
// answer comes back whole in its PoR; sensitive data is still encrypted under the domain's DEK (as over SCP03),
// because SCP80 ciphering ends at the card's receiving entity.
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { CardFault } from '../apdu/card-fault.ts';
import { describePorStatus } from '../ota/por.ts';
import type { OtaClient, OtaTarget } from '../ota/ota-client.ts';
import { aesCbcEncrypt } from './crypto.ts';
import { checkedSend, type SecureChannel } from './secure-channel.ts';

/** The card refused a secured packet: its PoR status says why (TS 102 225 table 5.5). */
export class OtaRefusedError extends CardFault {
  constructor(readonly command: string, readonly status: number) {
    super(`${command} over the air: the card refused the secured packet, PoR status ${describePorStatus(status)}`, 'PoR status 00 (PoR OK)',
      `PoR status ${describePorStatus(status)}`);
  }
}

export function otaChannel(client: OtaClient, target: OtaTarget, dek: Uint8Array): SecureChannel {
  const transmit = async (cmd: CommandApdu, name?: string): Promise<ResponseApdu> => {
    const what = name ?? 'command';
    const r = await client.send(target, [cmd]);
    if (!r.por) throw new CardFault(`${what} over the air: the card sent no Proof of Receipt although the SPI asks for one`, 'a PoR', 'none');
    if (r.por.status !== 0) throw new OtaRefusedError(what, r.por.status);
    const last = r.remote?.responses.at(-1);
    if (!r.remote || !last || r.remote.executed !== 1) {
      throw new CardFault(`${what} over the air: the PoR reports ${r.remote?.executed ?? 0} executed commands and no result for the one sent`,
        'one executed command with its R-APDU', `${r.remote?.executed ?? 0} executed`);
    }
    return { data: last.data, sw: last.sw };
  };
  return {
    scp: 3,
    level: 0x03, // SCP80 with a cryptographic checksum and ciphering: integrity and confidentiality, as C-MAC + C-DECRYPTION
    kdd: new Uint8Array(0),
    transmit,
    send: checkedSend(transmit),
    // The remote command carries the plain C-APDU: the secured packet, not the APDU, takes the checksum and padding.
    maxPlainData: 255,
    encryptSensitive(data: Uint8Array): Uint8Array {
      if (data.length % 16 !== 0) throw new RangeError('sensitive data under an SCP03 DEK must fill whole 16-byte blocks');
      return aesCbcEncrypt(dek, new Uint8Array(16), data);
    },
  };
}
