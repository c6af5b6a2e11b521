// The card `simcert probe` asks: a card in a named PC/SC reader, or the bundled simulator started from an emulated
// profile's sim section (the card's hardware and platform knobs) with the carrier's ARA-M rules put in, as the card
// would leave the carrier. The simulator is then probed as an unknown card: the probe sees only its answers, never
// the profile's ICS. Every probe starts from a cold reset, with nothing selected.
import { CardSession } from '../apdu/session.ts';
import type { Profile } from '../profile/types.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import { provisionSimAraM } from '../sim/provision-aram.ts';
import { provisionEmulatedCard } from '../sim/provision-emulated.ts';
import { PcscTransport } from '../transport/pcsc.ts';

export interface ProbeTarget {
  session: CardSession;
  /** For the report: the reader's name, or "bundled simulator (PROFILE)". */
  readonly reader: string;
  /** Present for --sim: the running simulator (tests take its state image). */
  simulator?: RunningSimulator;
  close(): Promise<void>;
}

/** A fresh session over a transport: short APDUs only, since nothing about the card is assumed. */
function probeSession(t: ConstructorParameters<typeof CardSession>[0]): CardSession {
  return new CardSession(t, { extendedLength: false });
}

/**
 * The card in a PC/SC reader. `apduTimeoutMs` bounds each command: the transport's 30 s by default, the profile's
 * for a deep probe, whose key generation on a real card can take minutes.
 */
export async function openReader(reader: string, apduTimeoutMs?: number): Promise<ProbeTarget> {
  // 'any': the probe asks for whichever protocol the reader and card agree on, and reports what the ATR offers.
  const t = new PcscTransport({ reader, protocol: 'any' });
  if (apduTimeoutMs !== undefined) t.timeoutMs = apduTimeoutMs;
  await t.connect();
  try {
    // Start from power-up, with nothing selected on the basic channel (the extended-length test needs that).
    await t.reset('cold');
  } catch (err) {
    await t.close().catch(() => undefined);
    throw err;
  }
  return { session: probeSession(t), reader, close: () => t.close() };
}

/**
 * Starts the simulator from `profile.sim` only, installs the carrier's ARA-M with its rules (sim.araM) when the
 * profile has one, then cold-resets the card. With `installed`, the card is brought to the state of a standing
 * lab card first, as `simcert sim serve` does: the JPKI AP installed and personalized from the profile's IXIT.
 */
export async function openSimulatorAsCard(profile: Profile, opts: { installed?: boolean } = {}): Promise<ProbeTarget> {
  if (!profile.sim) throw new Error(`${profile.file}: --sim needs an emulated profile with a sim section`);
  const sim = await startSimulator(profile.sim, { connectTimeoutMs: profile.ixit.timeouts.connectMs, apduTimeoutMs: profile.ixit.timeouts.apduMs });
  try {
    await sim.transport.connect();
    const s = probeSession(sim.transport);
    if (opts.installed) await provisionEmulatedCard(s, profile);
    else if (profile.sim.araM) await provisionSimAraM(s, profile);
    await sim.transport.reset('cold');
    const session = probeSession(sim.transport);
    return { session, reader: `bundled simulator (${profile.file})`, simulator: sim, close: () => sim.stop() };
  } catch (err) {
    await sim.stop().catch(() => undefined);
    throw err;
  }
}
