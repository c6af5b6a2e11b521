// The sending entity of OTA (the TSM's side): wraps a script of command APDUs for one TAR into a secured command
// packet (secured-packet.ts), sends it to the card as SMS-PP download ENVELOPEs through any CardSession (one, or
// one per concatenated SMS), takes the Proof of Receipt from the ENVELOPE reply or from the proactive SEND SHORT
// MESSAGE after 91xx + FETCH, opens it and decodes the remote results. Every exchange is described for the report
// (describeExchange) with key material and checksums masked. A refusal by the card is a PoR status, returned, not
// thrown: conformance tests assert on it.
import { encodeCommand, headerText, type CommandApdu } from '../apdu/apdu.ts';
import { CardError, type CardSession } from '../apdu/session.ts';
import { commandName } from '../apdu/command-names.ts';
import { swHex } from '../apdu/status-words.ts';
import { hex } from '../bytes.ts';
import { describePorStatus } from './por.ts';
import {
  decodeCompactResponse, decodeExpandedResponse, encodeCompactCommands, encodeExpandedCommands, type RemoteFormat, type RemoteResponse,
} from './remote-command.ts';
import {
  buildCommandPacket, openResponsePacket, type CommandPacketInput, type OtaKeys, type ResponsePacket,
} from './secured-packet.ts';
import {
  commandPacketUserData, decodeSmsDeliver, encodeSmsDeliver, envelopeTpdu, responsePacketFromUserData, splitUserData, sendShortMessageTpdu, SIM_DATA_DOWNLOAD, smsPpDownloadEnvelope,
  type SmsAddress,
} from './sms-pp.ts';
import { encodeSpi, type Spi } from './spi.ts';

export class OtaError extends Error {}

/** The TSM's counter for one key set: the next CNTR to send. */
export class OtaCounter {
  constructor(private value: bigint) {}
  take(): bigint {
    return this.value++;
  }
  peek(): bigint {
    return this.value;
  }
}

/** A security domain's RAM as the TSM addresses it. */
export interface OtaTarget {
  /** For reports: "ISD RAM", "service provider SSD RAM". */
  name: string;
  tar: Uint8Array;
  keys: OtaKeys;
  counter: OtaCounter;
}

export interface OtaClientOptions {
  spi: Spi;
  format: RemoteFormat;
  /** TP-OA of the SMS-DELIVER: the TSM's short code. */
  originator?: SmsAddress;
  /** Called with a report-ready description of every exchange (Allure attachments). */
  onExchange?: (e: OtaExchangeReport) => void;
}

/** What one OTA exchange did, for a person: no key, no checksum, no command data. */
export interface OtaExchangeReport {
  target: string;
  /** The SMS-DELIVER TPDUs (hex), checksum octets masked when sent in clear. */
  tpdus: string[];
  header: Record<string, string>;
  commands: string[];
  envelopeSws: string[];
  por?: { status: string; tar: string; counter: string; secured: boolean; results: string[] };
}

export interface OtaResult {
  /** The PoR, when the card sent one. */
  por?: ResponsePacket;
  /** The remote commands' results, when the PoR says the packet was processed. */
  remote?: RemoteResponse;
  /** The ENVELOPE data sent, one per SMS, to replay the packet. */
  envelopes: Uint8Array[];
}

/** Deviations for negative tests: a wrong key, a forged header field, a counter of choice, another SPI. */
export interface OtaOverrides {
  spi?: Spi;
  keys?: OtaKeys;
  kic?: number;
  kid?: number;
  counter?: bigint;
  tar?: Uint8Array;
  /** Flip one octet of the RC/CC-covered data after the checksum (the packet is sent unciphered). */
  corruptAfterChecksum?: boolean;
}

const SCTS = Uint8Array.of(0x62, 0x21, 0x50, 0x00, 0x00, 0x00, 0x00); // 2026-12-05, a fixed dummy as the tools use

/** Command APDUs in the compact format carry no Le after data (TS 102 226 5.1.1: case 4 becomes case 3). */
export function scriptApdu(cmd: CommandApdu): Uint8Array {
  const c = { ...cmd };
  if (c.data && c.data.length > 0) delete c.le;
  return encodeCommand(c);
}

export class OtaClient {
  constructor(private readonly session: CardSession, private readonly opts: OtaClientOptions) {}

  /** Registers a target's keys with the session's trace, so that no trace or report can ever show them. */
  registerKeys(target: OtaTarget): void {
    for (const k of [target.keys.cipher?.key, target.keys.checksum?.key]) if (k) this.session.trace.registerSecret(k);
  }

  /** Sends a script to a TAR and returns the PoR and the decoded results (a refusal shows in por.status). */
  async send(target: OtaTarget, commands: CommandApdu[], o: OtaOverrides = {}): Promise<OtaResult> {
    const spi = o.spi ?? this.opts.spi;
    const apdus = commands.map(scriptApdu);
    const data = this.opts.format === 'expanded' ? encodeExpandedCommands(commands.map((c) => encodeCommand(c))) : encodeCompactCommands(apdus);
    const counter = o.counter ?? (spi.counter === 'none' ? 0n : target.counter.take());
    const input: CommandPacketInput = {
      spi, tar: o.tar ?? target.tar, counter, keys: o.keys ?? target.keys, data,
      ...(o.kic !== undefined ? { kic: o.kic } : {}), ...(o.kid !== undefined ? { kid: o.kid } : {}),
    };
    let packet = buildCommandPacket(input);
    const csLength = packet[2]! - 13;
    if (o.corruptAfterChecksum) {
      if (spi.ciphered) throw new OtaError('corruptAfterChecksum needs an unciphered packet');
      packet = packet.slice();
      packet[packet.length - 1]! ^= 0x01;
    }
    const envelopes = commandPacketUserData(packet).map((ud) => smsPpDownloadEnvelope(encodeSmsDeliver({
      firstOctet: 0x40, originator: this.opts.originator ?? { digits: '1234', toa: 0x81 }, ...SIM_DATA_DOWNLOAD, scts: SCTS, userData: ud,
    })).data);
    const report: OtaExchangeReport = {
      target: target.name,
      tpdus: [],
      header: describeHeader(packet, spi, csLength),
      commands: commands.map((c) => `${commandName(c)} (${headerText(c)}${c.data ? `, ${c.data.length} data octets` : ''})`),
      envelopeSws: [],
    };
    const result = await this.deliver(envelopes, spi, o.keys ?? target.keys, report, csLength);
    this.opts.onExchange?.(report);
    return result;
  }

  /** Sends ENVELOPEs captured from an earlier exchange again, byte for byte (a replay). */
  async replay(target: OtaTarget, envelopes: Uint8Array[], spi: Spi = this.opts.spi): Promise<OtaResult> {
    const report: OtaExchangeReport = { target: `${target.name} (replayed packet)`, tpdus: [], header: {}, commands: [], envelopeSws: [] };
    const result = await this.deliver(envelopes, spi, target.keys, report, 0);
    this.opts.onExchange?.(report);
    return result;
  }

  private async deliver(envelopes: Uint8Array[], spi: Spi, keys: OtaKeys, report: OtaExchangeReport, csLength: number): Promise<OtaResult> {
    // A checksum sent or answered in clear must not reach the trace either (ciphertext may: it shows no key).
    const commandInClear = !spi.ciphered && spi.checksum !== 'none';
    const porInClear = !spi.porCiphered && spi.porChecksum !== 'none';
    const redact = commandInClear && porInClear ? 'both' as const : commandInClear ? 'command-data' as const : porInClear ? 'response-data' as const : undefined;
    let last: { data: Uint8Array; sw: number } | undefined;
    for (let i = 0; i < envelopes.length; i++) {
      const data = envelopes[i]!;
      report.tpdus.push(maskedTpdu(data, spi, csLength));
      const cmd = { cla: 0x80, ins: 0xc2, p1: 0, p2: 0, data, le: 256 };
      last = await this.session.transmit(cmd, {
        name: `ENVELOPE (SMS-PP download${envelopes.length > 1 ? `, SMS ${i + 1}/${envelopes.length}` : ''})`, ...(redact ? { redact } : {}),
      });
      report.envelopeSws.push(swHex(last.sw));
      if (i < envelopes.length - 1 && last.sw !== 0x9000) throw new CardError('ENVELOPE (SMS-PP download)', cmd, last.sw);
    }
    let porBytes: Uint8Array | undefined;
    if (last!.sw >> 8 === 0x91) {
      // TS 31.115: the PoR travels in an SMS-SUBMIT the card asks the handset to send (SEND SHORT MESSAGE).
      const fetch = { cla: 0x80, ins: 0x12, p1: 0, p2: 0, le: last!.sw & 0xff || 256 };
      const proactive = await this.session.send(fetch, { name: 'FETCH', ...(porInClear ? { redact: 'response-data' as const } : {}) });
      const submit = sendShortMessageTpdu(proactive.data);
      if (!submit) throw new OtaError(`the card's proactive command after the ENVELOPE is not SEND SHORT MESSAGE: ${hex(proactive.data.subarray(0, 8))}...`);
      await this.session.send({ cla: 0x80, ins: 0x14, p1: 0, p2: 0, data: Uint8Array.of(0x81, 0x03, 0x01, 0x13, 0x00, 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, 0x00) },
        { name: 'TERMINAL RESPONSE (SEND SHORT MESSAGE, command performed)' });
      porBytes = responsePacketFromUserData(submit.userData);
    } else if (last!.sw === 0x9000 || last!.sw >> 8 === 0x62 || last!.sw >> 8 === 0x63) {
      if (last!.data.length > 0) porBytes = last!.data;
    } else {
      throw new CardError('ENVELOPE (SMS-PP download)', { cla: 0x80, ins: 0xc2, p1: 0, p2: 0 }, last!.sw);
    }
    if (!porBytes) return { envelopes };
    const por = openResponsePacket(porBytes, spi, keys);
    let remote: RemoteResponse | undefined;
    if (por.status === 0 && por.data.length > 0) {
      remote = this.opts.format === 'expanded' ? decodeExpandedResponse(por.data) : decodeCompactResponse(por.data);
    }
    report.por = {
      status: describePorStatus(por.status), tar: hex(por.tar), counter: por.counter.toString(), secured: por.secured,
      results: remote ? [`${remote.executed} command(s) executed`, ...remote.responses.map((r) => `SW ${swHex(r.sw)}, ${r.data.length} data octets`)] : [],
    };
    return { por, ...(remote ? { remote } : {}), envelopes };
  }
}

/** The clear header fields of a command packet as a person reads them; the counter is not secret, the checksum is. */
function describeHeader(packet: Uint8Array, spi: Spi, csLength: number): Record<string, string> {
  return {
    CPL: String((packet[0]! << 8) | packet[1]!),
    CHL: String(packet[2]),
    SPI: `${hex(encodeSpi(spi))} (checksum ${spi.checksum}, ${spi.ciphered ? 'ciphered' : 'in clear'}, counter ${spi.counter}, PoR ${spi.por}` +
      `${spi.por !== 'none' ? ` with ${spi.porChecksum}, ${spi.porCiphered ? 'ciphered' : 'in clear'}, via ${spi.porViaSubmit ? 'SMS-SUBMIT' : 'ENVELOPE reply'}` : ''})`,
    KIc: hex(packet.subarray(5, 6)),
    KID: hex(packet.subarray(6, 7)),
    TAR: hex(packet.subarray(7, 10)),
    'RC/CC': csLength > 0 ? `** (${csLength} octets, masked)` : 'none',
  };
}

/** The SMS-DELIVER TPDU of an ENVELOPE as hex, the checksum octets masked when the packet travels in clear. */
export function maskedTpdu(envelope: Uint8Array, spi: Spi, csLength: number): string {
  const tpdu = envelopeTpdu(envelope);
  const h = hex(tpdu);
  if (spi.ciphered || csLength === 0) return h;
  const { elements, payload } = splitUserData(decodeSmsDeliver(tpdu).userData);
  if (!elements.some((e) => e.iei === 0x70)) return h; // a later part of a concatenated packet: no header in it
  // The checksum follows CPL(2) CHL(1) SPI(2) KIc KID TAR(3) CNTR(5) PCNTR(1) at the start of the packet.
  const start = tpdu.length - payload.length + 16;
  return h.slice(0, start * 2) + '**'.repeat(csLength) + h.slice((start + csLength) * 2);
}
