// OTA remote management end to end on the simulator: the harness's sending entity (harness/ota) against the
// card's receiving entity and RAM (lab/cardsim .../ota). The carrier's TSM reaches the ISD's RAM by TAR 000000
// with AES key set 1, creates the service provider's SSD, whose own TAR and 3DES key set then answer; the PoR comes
// in the ENVELOPE reply or by SEND SHORT MESSAGE; refused packets get the PoR status TS 102 225 table 5.5 names
// and change nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { openResponsePacket } from '../ota/secured-packet.ts';
import { commandPacketUserData, encodeSmsDeliver, SIM_DATA_DOWNLOAD, smsPpDownloadEnvelope } from '../ota/sms-pp.ts';
import { decodeSpi } from '../ota/spi.ts';
import { OtaClient, OtaCounter, type OtaTarget } from '../ota/ota-client.ts';
import { POR_STATUS } from '../ota/por.ts';
import type { Spi } from '../ota/spi.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { getStatus } from './card-content.ts';
import { installAndMakeSelectable } from './content.ts';
import { otaChannel, OtaRefusedError } from './ota-channel.ts';

const SSD = 'F0534D434552545353440001';
const OTHER_SSD = 'F0534D43455254535344FFFF';
const ISD_KIC = '200102030405060708090A0B0C0D0E0F';
const ISD_KID = '201102030405060708090A0B0C0D0E0F';
const SP_KIC = '2233445566778899AABBCCDDEEFF0011';
const SP_KID = '456789ABCDEF012356789ABCDEF01234';
const ISD_DEK = fromHex('404142434445464748494A4B4C4D4E4F');
const SPI: Spi = { checksum: 'cc', ciphered: true, counter: 'higher', por: 'required', porChecksum: 'cc', porCiphered: true, porViaSubmit: false };

const PS_3DES = { kic: '300102030405060708090A0B0C0D0E0F', kid: '301102030405060708090A0B0C0D0E0F' };
const PS_AES = { kic: '200102030405060708090A0B0C0D0E0F', kid: '201102030405060708090A0B0C0D0E0F' };
const vectors = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'ota', 'secured-packets.json'), 'utf8')) as { commands: { id: string; packet: string; spi: string }[] };

let sim: RunningSimulator;
let s: CardSession;
let client: OtaClient;
const isd: OtaTarget = {
  name: 'ISD RAM', tar: fromHex('000000'), counter: new OtaCounter(1n),
  keys: { cipher: { kvn: 1, algorithm: 'aes-cbc', key: fromHex(ISD_KIC) }, checksum: { kvn: 1, algorithm: 'aes-cmac', key: fromHex(ISD_KID) } },
};
const sp: OtaTarget = {
  name: 'SP SSD RAM', tar: fromHex('BFFF01'), counter: new OtaCounter(1n),
  keys: { cipher: { kvn: 1, algorithm: '3des-2key', key: fromHex(SP_KIC) }, checksum: { kvn: 1, algorithm: '3des-2key', key: fromHex(SP_KID) } },
};

beforeAll(async () => {
  sim = await startSimulator({
    atr: '3B00', protocol: 'T=1', extendedLength: true, apduBufferSize: 2048, logicalChannels: 1, applets: [],
    ota: {
      keysets: [
        { domain: 'isd', kvn: 1, kic: { algorithm: 'aes-cbc', key: ISD_KIC }, kid: { algorithm: 'aes-cmac', key: ISD_KID } },
        { domain: SSD, kvn: 1, kic: { algorithm: '3des-2key', key: SP_KIC }, kid: { algorithm: '3des-2key', key: SP_KID } },
        // pySim's SJA5 sample key sets (vectors/ota/secured-packets.json), behind the TAR its vectors use.
        { domain: 'isd', kvn: 3, kic: { algorithm: '3des-2key', key: PS_3DES.kic }, kid: { algorithm: '3des-2key', key: PS_3DES.kid } },
        { domain: 'isd', kvn: 2, kic: { algorithm: 'aes-cbc', key: PS_AES.kic }, kid: { algorithm: 'aes-cmac', key: PS_AES.kid } },
      ],
      tars: [{ tar: '000000', domain: 'isd', minimumSecurityLevel: '16' }, { tar: 'BFFF01', domain: SSD, minimumSecurityLevel: '16' },
        { tar: 'B00011', domain: 'isd', minimumSecurityLevel: '06' }],
    },
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: true });
  client = new OtaClient(s, { spi: SPI, format: 'compact' });
});
afterAll(async () => {
  await sim?.stop();
});

const getStatusIsd = { cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: fromHex('4F00'), le: 256 };

describe('OTA on the simulator', () => {
  it('the card accepts pySim\'s published command packets (3DES and AES, no counter) and its PoR verifies', async () => {
    for (const [id, keys] of [['ps-3des-sja5-ciphered-cc', PS_3DES], ['ps-aes128-sja5-ciphered-cc', PS_AES]] as const) {
      const v = vectors.commands.find((c) => c.id === id)!;
      const [ud] = commandPacketUserData(fromHex(v.packet));
      const env = smsPpDownloadEnvelope(encodeSmsDeliver({ firstOctet: 0x40, originator: { digits: '12345678', toa: 0x81 }, ...SIM_DATA_DOWNLOAD,
        scts: fromHex('22705200000000'), userData: ud! }));
      const r = await s.transmit(env);
      expect(r.sw).toBe(0x9000);
      const aes = id.includes('aes');
      const otaKeys = {
        cipher: { kvn: aes ? 2 : 3, algorithm: aes ? 'aes-cbc' as const : '3des-2key' as const, key: fromHex(keys.kic) },
        checksum: { kvn: aes ? 2 : 3, algorithm: aes ? 'aes-cmac' as const : '3des-2key' as const, key: fromHex(keys.kid) },
      };
      const por = openResponsePacket(r.data, decodeSpi(fromHex(v.spi)), otaKeys);
      expect([por.status, por.secured, hex(por.tar)]).toEqual([POR_STATUS.ok, true, 'B00011']);
      // The script was SELECT 3F00 (00 A4 00 04 02 3F00): run by the ISD's RAM, which has no file system: 6A82.
      expect(hex(por.data)).toBe('016A82');
    }
  });

  it('the SSD\'s TAR is unknown until the carrier creates the SSD (status 09)', async () => {
    const r = await client.send(sp, [getStatusIsd]);
    expect(r.por?.status).toBe(POR_STATUS.tarUnknown);
    expect(r.por?.secured).toBe(false);
  });

  it('the carrier creates the SSD through the ISD\'s RAM; the PoR is ciphered, verified, status 00', async () => {
    const ch = otaChannel(client, isd, ISD_DEK);
    await installAndMakeSelectable(ch, { loadFileAid: 'A0000001515350', moduleAid: 'A000000151535041', instanceAid: SSD, privileges: '80' });
    expect((await getStatus(ch, 0x40)).map((e) => e.aid)).toContain(SSD);
  });

  it('the SSD\'s own TAR and key set now answer; the expanded format works too', async () => {
    const r = await client.send(sp, [getStatusIsd]);
    expect(r.por?.status).toBe(POR_STATUS.ok);
    expect(r.remote?.responses[0]!.sw).toBe(0x9000);
    const expanded = new OtaClient(s, { spi: SPI, format: 'expanded' });
    const e = await expanded.send(sp, [getStatusIsd, getStatusIsd]);
    expect(e.remote?.executed).toBe(2);
    expect(e.remote?.responses.map((x) => x.sw)).toEqual([0x9000, 0x9000]);
  });

  it('a PoR by SMS-SUBMIT comes through 91xx, FETCH and SEND SHORT MESSAGE', async () => {
    const r = await client.send(isd, [getStatusIsd], { spi: { ...SPI, porViaSubmit: true } });
    expect(r.por?.status).toBe(POR_STATUS.ok);
    expect(r.remote?.responses[0]!.sw).toBe(0x9000);
  });

  it('refusals name their cause and install nothing', async () => {
    const create = installCommand(OTHER_SSD);
    const replayed = await client.send(isd, [getStatusIsd]);
    expect((await client.replay(isd, replayed.envelopes)).por?.status).toBe(POR_STATUS.counterLow);
    const wrongKid = { ...isd.keys, checksum: { ...isd.keys.checksum!, key: fromHex(ISD_KID.replace(/^20/, '21')) } };
    expect((await client.send(isd, [create], { keys: wrongKid })).por?.status).toBe(POR_STATUS.checksumFailed);
    expect((await client.send(isd, [create], { kic: 0x42 })).por?.status).toBe(POR_STATUS.cipheringError);
    expect((await client.send(isd, [create], { tar: fromHex('B00099') })).por?.status).toBe(POR_STATUS.tarUnknown);
    expect((await client.send(isd, [create], { spi: { ...SPI, ciphered: false } })).por?.status).toBe(POR_STATUS.insufficientSecurityLevel);
    const oneHigher = { ...SPI, counter: 'one-higher' as const };
    expect((await client.send(isd, [create], { spi: oneHigher, counter: isd.counter.peek() + 5n })).por?.status).toBe(POR_STATUS.counterHigh);
    const ch = otaChannel(client, isd, ISD_DEK);
    expect((await getStatus(ch, 0x40)).map((e) => e.aid)).not.toContain(OTHER_SSD);
    await expect(ch.send(installCommand(SSD), 'INSTALL again')).rejects.toThrow(/6985/);
  });

  it('a refusal by the channel is an OtaRefusedError with the status', async () => {
    const ch = otaChannel(client, { ...isd, tar: fromHex('B00099') }, ISD_DEK);
    await expect(ch.send(getStatusIsd, 'GET STATUS')).rejects.toThrow(OtaRefusedError);
  });
});

describe('OTA on a T=0 card', () => {
  it('the PoR arrives through 61xx and GET RESPONSE, or 91xx, FETCH (and its GET RESPONSE)', async () => {
    const t0 = await startSimulator({
      atr: '3B00', protocol: 'T=0', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [],
      ota: { keysets: [{ domain: 'isd', kvn: 1, kic: { algorithm: 'aes-cbc', key: ISD_KIC }, kid: { algorithm: 'aes-cmac', key: ISD_KID } }],
        tars: [{ tar: '000000', domain: 'isd', minimumSecurityLevel: '16' }] },
    }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
    try {
      await t0.transport.connect();
      const session = new CardSession(t0.transport, { extendedLength: false });
      const c = new OtaClient(session, { spi: SPI, format: 'compact' });
      const target = { ...isd, counter: new OtaCounter(1n) };
      const byReply = await c.send(target, [getStatusIsd]);
      expect(byReply.por?.status).toBe(POR_STATUS.ok);
      expect(session.trace.entries.some((e) => e.name.includes('GET RESPONSE'))).toBe(true);
      const bySubmit = await c.send(target, [getStatusIsd], { spi: { ...SPI, porViaSubmit: true } });
      expect(bySubmit.remote?.responses[0]!.sw).toBe(0x9000);
    } finally {
      await t0.stop();
    }
  });
});

function installCommand(aid: string) {
  const lv = (h: string) => [h.length / 2, ...fromHex(h)];
  const data = Uint8Array.from([...lv('A0000001515350'), ...lv('A000000151535041'), ...lv(aid), ...lv('80'), ...lv('C900'), 0]);
  return { cla: 0x80, ins: 0xe6, p1: 0x0c, p2: 0, data, le: 256 };
}
