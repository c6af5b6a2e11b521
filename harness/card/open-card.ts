// Opens the card a profile describes, whichever way it is reached (simulator, vpcd listener, PC/SC reader), and
// wraps it in a traced APDU session. The one place that turns a profile's IXIT into a live connection.
import { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import type { Profile } from '../profile/types.ts';
import { startSimulator } from '../sim/launch.ts';
import { PcscTransport } from '../transport/pcsc.ts';
import type { Transport } from '../transport/transport.ts';
import { VpcdListener } from '../transport/vpcd.ts';

export interface OpenCard {
  session: CardSession;
  transport: Transport;
  /** How the card is reached, for reports: "sim (vpcd 127.0.0.1:41234)", a PC/SC reader name, ... */
  reader: string;
  close(): Promise<void>;
}

export class AtrMismatchError extends Error {}

export async function openCard(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  let transport: Transport;
  let release: () => Promise<void>;
  let reader: string;
  switch (ixit.transport) {
    case 'sim': {
      if (!profile.sim) throw new Error(`${profile.file}: transport sim needs a sim section`);
      const sim = await startSimulator(profile.sim, { connectTimeoutMs: ixit.timeouts.connectMs, apduTimeoutMs: ixit.timeouts.apduMs });
      transport = sim.transport;
      release = sim.stop;
      reader = `simulator (${sim.transport.reader})`;
      break;
    }
    case 'vpcd': {
      const listener = await VpcdListener.listen({ host: ixit.vpcd?.host ?? '127.0.0.1', port: ixit.vpcd?.port ?? 35963 });
      const t = await listener.accept(ixit.timeouts.connectMs).catch(async (err: unknown) => {
        await listener.close();
        throw err;
      });
      t.timeoutMs = ixit.timeouts.apduMs;
      transport = t;
      release = async () => {
        await t.close();
        await listener.close();
      };
      reader = t.reader;
      break;
    }
    case 'pcsc': {
      if (!ixit.reader) throw new Error(`${profile.file}: transport pcsc needs ixit.reader`);
      const p = new PcscTransport({ reader: ixit.reader, protocol: profile.ics.t1 ? (profile.ics.t0 ? 'any' : 'T=1') : 'T=0' });
      transport = p;
      release = () => p.close();
      reader = ixit.reader;
      break;
    }
  }
  try {
    await transport.connect();
    if (ixit.transport === 'pcsc') reader = transport.reader;
    checkAtr(profile, transport.atr);
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  const session = new CardSession(transport, { extendedLength: profile.ics.extendedLength });
  return { session, transport, reader, close: release };
}

/** The profile's expected ATR (with mask) must match before anything is sent to the card. */
export function checkAtr(profile: Profile, atr: Uint8Array): void {
  const want = profile.ixit.atr;
  if (!want) return;
  const expected = Buffer.from(want.value, 'hex');
  const mask = want.mask ? Buffer.from(want.mask, 'hex') : Buffer.alloc(expected.length, 0xff);
  const ok = atr.length === expected.length && expected.every((b, i) => ((atr[i]! ^ b) & (mask[i] ?? 0xff)) === 0);
  if (!ok) {
    throw new AtrMismatchError(`card ATR ${hex(atr, ' ')} does not match the profile's ${hex(expected, ' ')}${want.mask ? ` (mask ${want.mask})` : ''}: wrong card in the reader?`);
  }
}
