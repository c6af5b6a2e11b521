// Known-answer tests of the OTA layer against published vectors (vectors/ota, each entry naming its source):
// command packets for every algorithm (3DES 2-key/3-key CBC, AES-CBC; 3DES CBC-MAC, AES-CMAC, CRC32) and every SPI
// counter mode (none, available, higher, exactly one higher), response packets (PoR) ciphered/signed/plain, the
// SMS-DELIVER and ENVELOPE wrapping, SEND SHORT MESSAGE parsing, and both remote command formats.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { crc16X25, crc32, type ChecksumAlgorithm, type CipherAlgorithm } from './algorithms.ts';
import {
  decodeCompactResponse, decodeExpandedCommands, decodeExpandedResponse, encodeExpandedCommands,
} from './remote-command.ts';
import {
  buildCommandPacket, CommandPacketRefused, counterValue, openCommandPacket, openResponsePacket, type OtaKeys,
} from './secured-packet.ts';
import {
  commandPacketUserData, decodeSmsDeliver, encodeSmsDeliver, envelopeTpdu, joinCommandPacket, sendShortMessageTpdu,
  smsPpDownloadEnvelope, splitUserData,
} from './sms-pp.ts';
import { decodeSpi } from './spi.ts';

const load = (f: string): any => JSON.parse(readFileSync(join(repoRoot, 'vectors', 'ota', f), 'utf8'));
const packets = load('secured-packets.json');
const sms = load('sms-pp.json');
const remote = load('remote-commands.json');

interface KeyJson { algorithm: string; kvn: number; key?: string }
function keysOf(v: { kic: KeyJson; kid: KeyJson }): OtaKeys {
  return {
    cipher: { kvn: v.kic.kvn, algorithm: v.kic.algorithm as CipherAlgorithm, key: fromHex(v.kic.key ?? '') },
    checksum: { kvn: v.kid.kvn, algorithm: v.kid.algorithm as ChecksumAlgorithm, ...(v.kid.key ? { key: fromHex(v.kid.key) } : {}) },
  };
}

describe('command packets (TS 102 225 5.1, TS 31.115)', () => {
  for (const v of packets.commands) {
    it(`${v.id}: builds the published packet and opens it again`, () => {
      const spi = decodeSpi(fromHex(v.spi));
      const keys = keysOf(v);
      const built = buildCommandPacket({
        spi, tar: fromHex(v.tar), counter: counterValue(fromHex(v.counter)), keys, data: fromHex(v.data),
      });
      expect(hex(built)).toBe(v.packet);
      if (spi.checksum !== 'none' || v.kid.key) {
        const opened = openCommandPacket(fromHex(v.packet), keys);
        expect(hex(opened.data)).toBe(v.data);
        expect(hex(opened.tar)).toBe(v.tar);
        expect(opened.counter).toBe(counterValue(fromHex(v.counter)));
      }
    });
  }

  it('covers every cipher, checksum and counter mode', () => {
    const spis = packets.commands.map((v: any) => decodeSpi(fromHex(v.spi)));
    expect(new Set(spis.map((s: any) => s.counter))).toEqual(new Set(['none', 'available', 'higher', 'one-higher']));
    expect(new Set(packets.commands.map((v: any) => v.kic.algorithm))).toEqual(new Set(['3des-2key', '3des-3key', 'aes-cbc']));
    const checksums = packets.commands.filter((_v: any, i: number) => spis[i].checksum !== 'none').map((v: any) => v.kid.algorithm);
    expect(new Set(checksums)).toEqual(new Set(['3des-2key', '3des-3key', 'aes-cmac', 'crc32']));
  });

  it('refuses a packet whose CC does not verify, with status 01', () => {
    const v = packets.commands.find((c: any) => c.id === 'ax-spi1201-counter-higher-cc');
    const bad = fromHex(v.packet);
    bad[bad.length - 1]! ^= 0x01;
    expect(() => openCommandPacket(bad, keysOf(v))).toThrow(expect.objectContaining({ status: 0x01 }));
  });

  it('refuses a ciphered packet under a KIc that names another key, with status 05', () => {
    const v = packets.commands.find((c: any) => c.id === 'ps-aes128-sja5-ciphered-cc');
    const keys = keysOf(v);
    keys.cipher = { ...keys.cipher!, kvn: 3 };
    expect(() => openCommandPacket(fromHex(v.packet), keys)).toThrow(CommandPacketRefused);
  });

  it('a wrong KIc key value deciphers to garbage the CC refuses (status 01)', () => {
    const v = packets.commands.find((c: any) => c.id === 'ps-3des-sja5-ciphered-cc');
    const keys = keysOf(v);
    const wrong = Uint8Array.from(keys.cipher!.key);
    wrong[0]! ^= 0x10; // a non-parity bit (reference pitfall 11)
    expect(() => openCommandPacket(fromHex(v.packet), { ...keys, cipher: { ...keys.cipher!, key: wrong } }))
      .toThrow(expect.objectContaining({ status: 0x01 }));
  });
});

describe('response packets / PoR (TS 102 225 5.2, TS 31.115 4.3)', () => {
  for (const v of packets.responses) {
    it(`${v.id}: opens, verifies and yields the remote results`, () => {
      const r = openResponsePacket(fromHex(v.packet), decodeSpi(fromHex(v.spi)), keysOf(v));
      expect(hex(r.tar)).toBe(v.tar);
      expect(r.status).toBe(v.status);
      expect(hex(r.data)).toBe(v.data);
      expect(r.secured).toBe(true);
      if (v.counter) expect(r.counter).toBe(counterValue(fromHex(v.counter)));
    });
  }
  for (const v of packets.tamperedResponses) {
    it(`${v.id}: an altered PoR is refused`, () => {
      expect(() => openResponsePacket(fromHex(v.packet), decodeSpi(fromHex(v.spi)), keysOf(v))).toThrow(/does not verify/);
    });
  }
});

describe('SMS-PP (TS 23.040, TS 31.111 7.1.1)', () => {
  for (const v of sms.deliver) {
    it(`${v.id}: SMS-DELIVER encodes and decodes`, () => {
      const d = {
        firstOctet: Number.parseInt(v.firstOctet, 16), originator: { digits: v.originator.digits, toa: Number.parseInt(v.originator.toa, 16) },
        pid: Number.parseInt(v.pid, 16), dcs: Number.parseInt(v.dcs, 16), scts: fromHex(v.scts), userData: fromHex(v.userData),
      };
      expect(hex(encodeSmsDeliver(d))).toBe(v.tpdu);
      const back = decodeSmsDeliver(fromHex(v.tpdu));
      expect(back.originator).toEqual(d.originator);
      expect(hex(back.userData)).toBe(v.userData);
    });
  }
  for (const v of sms.envelopes) {
    it(`${v.id}: command packet -> CPI UDH -> SMS-DELIVER -> ENVELOPE D1, byte for byte`, () => {
      const [ud] = commandPacketUserData(fromHex(v.commandPacket));
      const tpdu = encodeSmsDeliver({
        firstOctet: Number.parseInt(v.firstOctet, 16), originator: { digits: v.originator.digits, toa: Number.parseInt(v.originator.toa, 16) },
        pid: Number.parseInt(v.pid, 16), dcs: Number.parseInt(v.dcs, 16), scts: fromHex(v.scts), userData: ud!,
      });
      const env = smsPpDownloadEnvelope(tpdu);
      expect(hex(env.data)).toBe(v.envelopeData);
      expect([env.cla, env.ins]).toEqual([0x80, 0xc2]);
      const back = decodeSmsDeliver(envelopeTpdu(fromHex(v.envelopeData)));
      expect(hex(joinCommandPacket([back.userData]))).toBe(v.commandPacket);
    });
  }
  for (const v of sms.sendShortMessage) {
    it(`${v.id}: the PoR comes out of a SEND SHORT MESSAGE`, () => {
      const s = sendShortMessageTpdu(fromHex(v.proactive))!;
      expect(s.destination).toEqual({ digits: v.destination.digits, toa: Number.parseInt(v.destination.toa, 16) });
      expect([s.pid, s.dcs]).toEqual([Number.parseInt(v.pid, 16), Number.parseInt(v.dcs, 16)]);
      expect(hex(s.userData)).toBe(v.userData);
    });
  }
  for (const v of sms.crc) {
    it(`${v.id}: ${v.algorithm}`, () => {
      expect(hex((v.algorithm === 'crc32' ? crc32 : crc16X25)(fromHex(v.input)))).toBe(v.value);
    });
  }

  it('splits a long packet over concatenated SMS (IEI 00 and 08), CPI in the first part only, and joins it back', () => {
    const packet = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    for (const iei of [0x00, 0x08] as const) {
      const parts = commandPacketUserData(packet, { iei, reference: 0x1234 });
      expect(parts.length).toBe(3);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(140);
      const first = splitUserData(parts[0]!).elements.map((e) => e.iei);
      expect(first).toEqual([iei, 0x70]);
      expect(splitUserData(parts[1]!).elements.map((e) => e.iei)).toEqual([iei]);
      expect(splitUserData(parts[2]!).elements[0]!.value.slice(-2)).toEqual(Uint8Array.of(3, 3));
      expect(joinCommandPacket([parts[2]!, parts[0]!, parts[1]!])).toEqual(packet);
    }
  });
});

describe('remote command formats (TS 102 226 5.1, 5.2)', () => {
  for (const v of remote.expandedCommands) {
    it(`${v.id}: Command Scripting template`, () => {
      const enc = encodeExpandedCommands(v.apdus.map(fromHex), v.length);
      expect(hex(enc)).toBe(v.encoded);
      expect(decodeExpandedCommands(enc).map((a) => hex(a))).toEqual(v.apdus);
    });
  }
  for (const v of remote.expandedResponses) {
    it(`${v.id}: Response Scripting template`, () => {
      const r = decodeExpandedResponse(fromHex(v.encoded));
      expect(r.executed).toBe(v.executed);
      expect(r.responses.map((x) => ({ data: hex(x.data), sw: x.sw.toString(16).toUpperCase() }))).toEqual(v.responses);
      if (v.badFormat) expect(r.badFormat).toBe(v.badFormat);
    });
  }
  for (const v of remote.compactResponses) {
    it(`${v.id}: compact response`, () => {
      const r = decodeCompactResponse(fromHex(v.encoded));
      expect(r.executed).toBe(v.executed);
      expect(r.responses[0]!.sw.toString(16).toUpperCase()).toBe(v.sw);
      expect(hex(r.responses[0]!.data)).toBe(v.data);
    });
  }
});
