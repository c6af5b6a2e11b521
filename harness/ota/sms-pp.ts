// The SMS bearer of OTA: a command packet in the TP-UD of an SMS-DELIVER (3GPP TS 23.040 9.2.2.1) behind the
// Command Packet Identifier UDH (IEI 70, TS 31.115 4.2), split over concatenated SMS (IEI 00 or 08) when it does not
// fit one, each handed to the UICC in an SMS-PP data download ENVELOPE (tag D1, 3GPP TS 31.111 7.1.1). And the way
// back: the response packet in the ENVELOPE reply, or in the SMS-SUBMIT of a proactive SEND SHORT MESSAGE
// (TS 31.111 6.4.10) when SPI2 asks for it.
import { concat, hex } from '../bytes.ts';
import { encodeLength, readTlv } from '../tlv/ber.ts';

export class SmsPpError extends Error {}

/** TP-OA / TP-DA address: digits, type of number and numbering plan (TS 23.040 9.1.2.5). */
export interface SmsAddress {
  digits: string;
  /** TON/NPI octet, e.g. 0x81 (unknown, ISDN) or 0x91 (international, ISDN). */
  toa: number;
}

export interface SmsDeliver {
  /** First octet: TP-MTI 00, TP-MMS, TP-LP, TP-SRI, TP-UDHI (b7) and TP-RP. */
  firstOctet: number;
  originator: SmsAddress;
  pid: number;
  dcs: number;
  /** TP-SCTS, seven semi-octet pairs. */
  scts: Uint8Array;
  /** TP-UD including the UDH; TP-UDL is its length in octets (8-bit data). */
  userData: Uint8Array;
}

/** (U)SIM data download: TP-PID 7F, TP-DCS F6 (8-bit data, class 2), as the tools and handsets use (reference 1). */
export const SIM_DATA_DOWNLOAD = { pid: 0x7f, dcs: 0xf6 } as const;

export function encodeAddress(a: SmsAddress): Uint8Array {
  if (!/^[0-9*#a-cA-C]*$/.test(a.digits)) throw new SmsPpError(`address "${a.digits}" has characters a semi-octet address cannot carry`);
  const nibbles = [...a.digits].map((c) => ({ '*': 0xa, '#': 0xb } as Record<string, number>)[c] ?? Number.parseInt(c, 16));
  if (nibbles.length % 2) nibbles.push(0xf);
  const bcd = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < bcd.length; i++) bcd[i] = nibbles[2 * i]! | (nibbles[2 * i + 1]! << 4);
  return concat(Uint8Array.of(a.digits.length, a.toa), bcd);
}

function decodeAddress(buf: Uint8Array, p: number): { address: SmsAddress; next: number } {
  const count = buf[p];
  if (count === undefined || p + 2 + Math.ceil(count / 2) > buf.length) throw new SmsPpError('truncated TP address');
  const bcd = buf.subarray(p + 2, p + 2 + Math.ceil(count / 2));
  let digits = '';
  for (let i = 0; i < count; i++) {
    const n = i % 2 ? bcd[i >> 1]! >> 4 : bcd[i >> 1]! & 0x0f;
    digits += n === 0xa ? '*' : n === 0xb ? '#' : n.toString(16).toUpperCase();
  }
  return { address: { digits, toa: buf[p + 1]! }, next: p + 2 + bcd.length };
}

export function encodeSmsDeliver(d: SmsDeliver): Uint8Array {
  if (d.scts.length !== 7) throw new SmsPpError('TP-SCTS is seven octets');
  if (d.userData.length > 140) throw new SmsPpError(`TP-UD of ${d.userData.length} octets exceeds one SMS (140)`);
  return concat(Uint8Array.of(d.firstOctet), encodeAddress(d.originator), Uint8Array.of(d.pid, d.dcs), d.scts,
    Uint8Array.of(d.userData.length), d.userData);
}

export function decodeSmsDeliver(tpdu: Uint8Array): SmsDeliver {
  if ((tpdu[0]! & 0x03) !== 0x00) throw new SmsPpError(`TPDU first octet ${hex(tpdu.subarray(0, 1))} is not an SMS-DELIVER (TP-MTI 00)`);
  const { address, next } = decodeAddress(tpdu, 1);
  if (next + 10 > tpdu.length) throw new SmsPpError('SMS-DELIVER truncated before TP-UD');
  const udl = tpdu[next + 9]!;
  const userData = tpdu.slice(next + 10);
  if (userData.length !== udl) throw new SmsPpError(`TP-UDL ${udl} does not match the ${userData.length} TP-UD octets`);
  return { firstOctet: tpdu[0]!, originator: address, pid: tpdu[next]!, dcs: tpdu[next + 1]!, scts: tpdu.slice(next + 2, next + 9), userData };
}

export interface UserDataHeaderElement {
  iei: number;
  value: Uint8Array;
}

/** Splits TP-UD into its UDH elements and the rest (TS 23.040 9.2.3.24). */
export function splitUserData(ud: Uint8Array): { elements: UserDataHeaderElement[]; payload: Uint8Array } {
  const udhl = ud[0];
  if (udhl === undefined || udhl + 1 > ud.length) throw new SmsPpError('UDHL points past the TP-UD');
  const elements: UserDataHeaderElement[] = [];
  for (let p = 1; p < udhl + 1;) {
    const len = ud[p + 1];
    if (len === undefined || p + 2 + len > udhl + 1) throw new SmsPpError('UDH element runs past the UDH');
    elements.push({ iei: ud[p]!, value: ud.slice(p + 2, p + 2 + len) });
    p += 2 + len;
  }
  return { elements, payload: ud.slice(udhl + 1) };
}

const CPI = { iei: 0x70, value: new Uint8Array(0) };

function encodeUdh(elements: UserDataHeaderElement[]): Uint8Array {
  const body = concat(...elements.map((e) => concat(Uint8Array.of(e.iei, e.value.length), e.value)));
  return concat(Uint8Array.of(body.length), body);
}

/**
 * The TP-UD of each SMS carrying `packet`: one SMS (`02 70 00` + packet, at most 140 octets) or concatenated SMS
 * with IEI 00 (8-bit reference) or 08 (16-bit), the CPI in the first part only (TS 31.115 4.2; onomondo-uicc).
 */
export function commandPacketUserData(packet: Uint8Array, opts: { reference?: number; iei?: 0x00 | 0x08 } = {}): Uint8Array[] {
  if (3 + packet.length <= 140) return [concat(encodeUdh([CPI]), packet)];
  const iei = opts.iei ?? 0x00;
  const ref = opts.reference ?? 1;
  const concatLen = iei === 0x00 ? 3 : 4;
  const firstRoom = 140 - 1 - (2 + concatLen) - 2;
  const otherRoom = 140 - 1 - (2 + concatLen);
  const total = 1 + Math.ceil(Math.max(0, packet.length - firstRoom) / otherRoom);
  if (total > 255) throw new SmsPpError(`command packet of ${packet.length} octets needs more than 255 SMS`);
  const refBytes = iei === 0x00 ? Uint8Array.of(ref & 0xff) : Uint8Array.of((ref >> 8) & 0xff, ref & 0xff);
  const parts: Uint8Array[] = [];
  for (let seq = 1, off = 0; seq <= total; seq++) {
    const conc = { iei, value: concat(refBytes, Uint8Array.of(total, seq)) };
    const room = seq === 1 ? firstRoom : otherRoom;
    parts.push(concat(encodeUdh(seq === 1 ? [conc, CPI] : [conc]), packet.subarray(off, off + room)));
    off += room;
  }
  return parts;
}

/** Joins the TP-UD of one or more SMS back into the command packet, checking CPI and concatenation (receiver side). */
export function joinCommandPacket(userData: Uint8Array[]): Uint8Array {
  const parts = userData.map((ud) => {
    const { elements, payload } = splitUserData(ud);
    const conc = elements.find((e) => e.iei === 0x00 || e.iei === 0x08);
    const seq = conc ? conc.value[conc.value.length - 1]! : 1;
    return { cpi: elements.some((e) => e.iei === 0x70), seq, payload };
  }).sort((a, b) => a.seq - b.seq);
  if (!parts[0]?.cpi) throw new SmsPpError('the first SMS carries no Command Packet Identifier (UDH IEI 70)');
  return concat(...parts.map((p) => p.payload));
}

/** The SMS-PP data download ENVELOPE (CLA 80, INS C2; TS 31.111 7.1.1, TS 102 221 10.1.1), with Le 00 as pySim sends. */
export function smsPpDownloadEnvelope(tpdu: Uint8Array, serviceCentre?: SmsAddress): { cla: number; ins: number; p1: number; p2: number; data: Uint8Array; le: number } {
  const deviceIdentities = Uint8Array.of(0x82, 0x02, 0x83, 0x81);
  const address = serviceCentre ? (() => {
    const a = encodeAddress(serviceCentre).subarray(1);
    return concat(Uint8Array.of(0x06), encodeLength(a.length), a);
  })() : new Uint8Array(0);
  const body = concat(deviceIdentities, address, Uint8Array.of(0x8b), encodeLength(tpdu.length), tpdu);
  return { cla: 0x80, ins: 0xc2, p1: 0, p2: 0, data: concat(Uint8Array.of(0xd1), encodeLength(body.length), body), le: 0x100 };
}

/** The TPDU inside an SMS-PP download ENVELOPE's D1 template (tag 0B or 8B). */
export function envelopeTpdu(envelopeData: Uint8Array): Uint8Array {
  const d1 = readTlv(envelopeData);
  if (d1.tag !== 'D1') throw new SmsPpError(`ENVELOPE data starts with tag ${d1.tag}, not D1 (SMS-PP download)`);
  let p = 0;
  while (p < d1.value.length) {
    const t = readTlv(d1.value, p);
    if ((d1.value[p]! & 0x7f) === 0x0b) return t.value;
    p = t.valueOffset + t.length;
  }
  throw new SmsPpError('SMS-PP download ENVELOPE has no SMS TPDU (tag 0B/8B)');
}

/** An SMS-SUBMIT carried by a proactive SEND SHORT MESSAGE: where it goes and its TP-UD. */
export interface SmsSubmit {
  destination: SmsAddress;
  pid: number;
  dcs: number;
  userData: Uint8Array;
}

/**
 * The SMS-SUBMIT TPDU of a FETCHed proactive command if it is SEND SHORT MESSAGE (D0, command details type 13,
 * TS 31.111 6.6.9); undefined for any other proactive command.
 */
export function sendShortMessageTpdu(proactive: Uint8Array): SmsSubmit | undefined {
  const d0 = readTlv(proactive);
  if (d0.tag !== 'D0') throw new SmsPpError(`proactive command starts with tag ${d0.tag}, not D0`);
  let tpdu: Uint8Array | undefined;
  let isSendSm = false;
  for (let p = 0; p < d0.value.length;) {
    const t = readTlv(d0.value, p);
    const tag = d0.value[p]! & 0x7f;
    if (tag === 0x01 && t.value[1] === 0x13) isSendSm = true;
    if (tag === 0x0b) tpdu = t.value;
    p = t.valueOffset + t.length;
  }
  if (!isSendSm || !tpdu) return undefined;
  if ((tpdu[0]! & 0x03) !== 0x01) throw new SmsPpError(`SEND SHORT MESSAGE TPDU ${hex(tpdu.subarray(0, 1))} is not an SMS-SUBMIT`);
  // SMS-SUBMIT: first octet, TP-MR, TP-DA, PID, DCS, [TP-VP by TP-VPF], UDL, UD (TS 23.040 9.2.2.2).
  const { address, next } = decodeAddress(tpdu, 2);
  const vpf = (tpdu[0]! >> 3) & 0x03;
  const vpLen = vpf === 0 ? 0 : vpf === 2 ? 1 : 7;
  const udlAt = next + 2 + vpLen;
  const udl = tpdu[udlAt];
  const userData = tpdu.slice(udlAt + 1);
  if (udl === undefined || userData.length !== udl) throw new SmsPpError('SMS-SUBMIT TP-UDL does not match its TP-UD');
  return { destination: address, pid: tpdu[next]!, dcs: tpdu[next + 1]!, userData };
}

/** The response packet (from its 02 71 00 UDH) in an SMS-SUBMIT's TP-UD. */
export function responsePacketFromUserData(ud: Uint8Array): Uint8Array {
  const { elements } = splitUserData(ud);
  if (!elements.some((e) => e.iei === 0x71)) {
    throw new SmsPpError('SMS carries no Response Packet Identifier (UDH IEI 71)');
  }
  return ud;
}
