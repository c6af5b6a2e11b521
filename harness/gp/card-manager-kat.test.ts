// The simulator's card manager reproduces published SCP03 sessions from the card's side: configured with pySim's
// keys, ISD-R AID and sequence counter, it must answer pySim's INITIALIZE UPDATE with the recorded response byte
// for byte, accept the recorded EXTERNAL AUTHENTICATE, and accept every recorded wrapped command's C-MAC (and
// C-DECRYPTION) in order. The commands themselves are eUICC ones our ISD does not implement, so the proof is that
// none of them is refused for security (6982), that the last one, a GET STATUS, is answered, and that replaying
// it is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCommand } from '../apdu/apdu.ts';
import { CardSession } from '../apdu/session.ts';
import { fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { startSimulator } from '../sim/launch.ts';

const scp03 = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'scp03.json'), 'utf8'));
const scp02 = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'scp02.json'), 'utf8'));

describe('card manager against pySim SCP03 and SCP02 sessions (card side)', () => {
  for (const v of scp03.sessions) {
    it(`${v.id}: same INITIALIZE UPDATE answer, accepts EXTERNAL AUTHENTICATE and every wrapped command`, async () => {
      const iuResp = fromHex(v.initializeUpdate.response);
      const seq = (iuResp[29]! << 16) | (iuResp[30]! << 8) | iuResp[31]!;
      const sim = await startSimulator({
        atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [],
        isd: { aid: v.sdAid, sequenceCounter: seq - 1, enc: v.keys.enc, mac: v.keys.mac, dek: v.keys.dek, kvn: iuResp[10]!,
          cplc: '00'.repeat(42) },
      }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
      try {
        await sim.transport.connect();
        const s = new CardSession(sim.transport, { extendedLength: false });
        expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(v.sdAid) })).sw).toBe(0x9000);
        const iu = await s.transmit(decodeCommand(fromHex(v.initializeUpdate.command)));
        expect(hex(iu.data)).toBe(v.initializeUpdate.response.toUpperCase());
        expect((await s.transmit(decodeCommand(fromHex(v.externalAuthenticate)))).sw).toBe(0x9000);
        const sws: number[] = [];
        for (const x of v.exchanges) sws.push((await s.transmit(decodeCommand(fromHex(x.wrapped)))).sw);
        expect(sws.filter((sw) => sw === 0x6982)).toEqual([]);
        expect(sws[sws.length - 1]).toBe(0x9000); // GET STATUS of the ISD, answered inside the session
        // The MAC chain has moved on: the same wrapped command again is a replay, refused for security.
        const last = v.exchanges[v.exchanges.length - 1];
        expect((await s.transmit(decodeCommand(fromHex(last.wrapped)))).sw).toBe(0x6982);
      } finally {
        await sim.stop();
      }
    });
  }

  it('pySim SCP02 session (sysmo SIM, KVN 70): same INITIALIZE UPDATE answer, accepts EXTERNAL AUTHENTICATE and every wrapped command', async () => {
    const v = scp02.sessions[0];
    const iuResp = fromHex(v.initializeUpdateResponse);
    const sim = await startSimulator({
      atr: '3B00', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 1, applets: [],
      isd: { scp: '02', enc: v.keys.enc, mac: v.keys.mac, dek: v.keys.dek, kvn: iuResp[10]!, sequenceCounter: (iuResp[12]! << 8) | iuResp[13]!,
        scp02CardChallenge: hex(iuResp.subarray(14, 20)), cplc: '00'.repeat(42) },
    }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
    try {
      await sim.transport.connect();
      const s = new CardSession(sim.transport, { extendedLength: false });
      expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A000000151000000') })).sw).toBe(0x9000);
      // pySim asks for key version 20 of a card that answers with 70; this ISD checks, so the replay asks for "any".
      const iu = await s.transmit({ cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: fromHex(v.hostChallenge), le: 256 });
      expect(hex(iu.data)).toBe(v.initializeUpdateResponse.toUpperCase());
      expect((await s.transmit(decodeCommand(fromHex(v.externalAuthenticate)))).sw).toBe(0x9000);
      const sws: number[] = [];
      for (const x of v.exchanges) sws.push((await s.transmit(decodeCommand(fromHex(x.wrapped)))).sw);
      expect(sws.filter((sw) => sw === 0x6982)).toEqual([]);
      expect(sws[sws.length - 1]).toBe(0x9000);
      expect((await s.transmit(decodeCommand(fromHex(v.exchanges[v.exchanges.length - 1].wrapped)))).sw).toBe(0x6982);
    } finally {
      await sim.stop();
    }
  });
});
