// Opens the card a profile describes, whichever way it is reached (simulator, vpcd listener, PC/SC reader), and
// wraps it in a traced APDU session. The one place that turns a profile's IXIT into a live connection.
import { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import type { Profile } from '../profile/types.ts';
import { attachSimulator, startSimulator } from '../sim/launch.ts';
import { atrMatches, findReader } from './find-card.ts';
import { PcscTransport, waitForCard } from '../transport/pcsc.ts';
import type { Transport } from '../transport/transport.ts';
import { VpcdListener } from '../transport/vpcd.ts';

export interface OpenCard {
  session: CardSession;
  /** The reader the card is in now, for reports: "simulator (vpcd 127.0.0.1:41234)", a PC/SC reader name, ... */
  readonly reader: string;
  /**
   * A handset swap: the card leaves its reader (losing power) and goes into the profile's other reader, or back
   * into the same one where the lab has only one; the session continues there, powered up and ATR-checked.
   */
  moveToOtherReader(): Promise<void>;
  close(): Promise<void>;
}

export class AtrMismatchError extends Error {}

/** Tells the operator what to do with the card, on the terminal (stderr keeps stdout for results). */
function prompt(text: string): void {
  process.stderr.write(`\n>>> ${text}\n`);
}

export async function openCard(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  switch (ixit.transport) {
    case 'sim':
      return openSimulated(profile);
    case 'vpcd':
      return openVpcd(profile);
    case 'pcsc':
      return profile.sim?.vpcdReaders ? openPcscSimulated(profile) : openPcsc(profile);
  }
}

async function powerUp(profile: Profile, transport: Transport, release: () => Promise<void>): Promise<void> {
  try {
    await transport.connect();
    checkAtr(profile, transport.atr);
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}

function session(profile: Profile, transport: Transport): CardSession {
  return new CardSession(transport, { extendedLength: profile.ics.extendedLength });
}

async function openSimulated(profile: Profile): Promise<OpenCard> {
  if (!profile.sim) throw new Error(`${profile.file}: transport sim needs a sim section`);
  const { timeouts } = profile.ixit;
  const sim = await startSimulator(profile.sim, { connectTimeoutMs: timeouts.connectMs, apduTimeoutMs: timeouts.apduMs });
  await powerUp(profile, sim.transport, sim.stop);
  const s = session(profile, sim.transport);
  return {
    session: s,
    get reader() {
      return `simulator (${sim.transport.reader})`;
    },
    moveToOtherReader: async () => {
      const t = await sim.moveToNewReader();
      await powerUp(profile, t, sim.stop);
      s.moveTo(t);
    },
    close: () => sim.stop(),
  };
}

/** Why a vpcd card stays where it is: it dialled in to the harness, which has no way to move it. */
const VPCD_CANNOT_MOVE = 'a handset swap needs transport sim or pcsc: a card that connects to the harness over vpcd cannot be moved by it';

/**
 * The bundled simulator behind the harness's vpcd listener, started as a lab starts jCardSim's VSmartCard: it
 * dials in to ixit.vpcd and, like jCardSim's one-connection client, cannot be moved to another reader.
 */
async function openVpcdSimulated(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  const sim = await startSimulator(profile.sim!, { connectTimeoutMs: ixit.timeouts.connectMs, apduTimeoutMs: ixit.timeouts.apduMs, listen: ixit.vpcd });
  await powerUp(profile, sim.transport, sim.stop);
  return {
    session: session(profile, sim.transport),
    reader: `simulator in jCardSim's place (${sim.transport.reader})`,
    moveToOtherReader: () => Promise.reject(new Error(VPCD_CANNOT_MOVE)),
    close: () => sim.stop(),
  };
}

async function openVpcd(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  if (profile.sim) return openVpcdSimulated(profile);
  const listener = await VpcdListener.listen({ host: ixit.vpcd.host, port: ixit.vpcd.port });
  const t = await listener.accept(ixit.timeouts.connectMs).catch(async (err: unknown) => {
    await listener.close();
    throw err;
  });
  t.timeoutMs = ixit.timeouts.apduMs;
  const release = async (): Promise<void> => {
    await t.close();
    await listener.close();
  };
  await powerUp(profile, t, release);
  return {
    session: session(profile, t),
    reader: t.reader,
    moveToOtherReader: () => Promise.reject(new Error(VPCD_CANNOT_MOVE)),
    close: release,
  };
}

function pcscTransport(profile: Profile, reader: string): PcscTransport {
  const { ics } = profile;
  return new PcscTransport({ reader, protocol: ics.t1 ? (ics.t0 ? 'any' : 'T=1') : 'T=0' });
}

/** The bundled simulator inserted into pcscd's vpcd readers: the real PC/SC stack end to end. */
async function openPcscSimulated(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  const sim = profile.sim!;
  const readers = sim.vpcdReaders!;
  const first = readers[0]!;
  if (!ixit.reader) throw new Error(`${profile.file}: transport pcsc needs ixit.reader`);
  const attached = await attachSimulator(sim, first.host, first.port);
  let t = pcscTransport(profile, ixit.reader);
  try {
    await waitForCard(ixit.reader, 'present', ixit.timeouts.connectMs);
  } catch (err) {
    await attached.stop();
    throw err;
  }
  await powerUp(profile, t, attached.stop);
  const s = session(profile, t);
  let inSecond = false;
  return {
    session: s,
    get reader() {
      return t.reader;
    },
    moveToOtherReader: async () => {
      const to = inSecond || !ixit.swapReader ? { name: ixit.reader!, at: first } : { name: ixit.swapReader, at: readers[1]! };
      await t.close();
      await attached.moveTo(to.at.host, to.at.port);
      await waitForCard(to.name, 'present', ixit.timeouts.connectMs);
      t = pcscTransport(profile, to.name);
      await powerUp(profile, t, attached.stop);
      s.moveTo(t);
      inSecond = to.name !== ixit.reader;
    },
    close: async () => {
      await t.close();
      await attached.stop();
    },
  };
}

/** A real card in a lab reader; a swap is done by the operator, whom the harness prompts and waits for. */
async function openPcsc(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  // A named reader is used as named; otherwise the rack is searched for the card by ATR and identity.
  const home = ixit.reader ?? (await findReader(profile));
  let t = pcscTransport(profile, home);
  await powerUp(profile, t, () => t.close());
  const s = session(profile, t);
  let current = t.reader;
  return {
    session: s,
    get reader() {
      return current;
    },
    moveToOtherReader: async () => {
      const to = ixit.swapReader && current !== ixit.swapReader ? ixit.swapReader : home;
      const wait = ixit.timeouts.connectMs;
      prompt(to === current
        ? `Remove the card from "${current}" and insert it again (waiting ${wait / 1000} s).`
        : `Move the card from "${current}" to "${to}" (waiting ${wait / 1000} s).`);
      await t.close();
      await waitForCard(current, 'absent', wait);
      await waitForCard(to, 'present', wait);
      t = pcscTransport(profile, to);
      await powerUp(profile, t, () => t.close());
      s.moveTo(t);
      current = t.reader;
    },
    close: () => t.close(),
  };
}

/** The profile's expected ATR (with mask) must match before anything is sent to the card. */
export function checkAtr(profile: Profile, atr: Uint8Array): void {
  const want = profile.ixit.atr;
  if (!want || atrMatches(atr, want.value, want.mask)) return;
  throw new AtrMismatchError(`card ATR ${hex(atr, ' ')} does not match the profile's ${hex(Buffer.from(want.value, 'hex'), ' ')}${want.mask ? ` (mask ${want.mask})` : ''}: wrong card in the reader?`);
}
