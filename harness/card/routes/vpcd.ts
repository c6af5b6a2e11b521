// Route `vpcd`: the harness listens like vsmartcard's vpcd and a virtual card dials in: jCardSim's VSmartCard, or,
// with a sim section, the bundled simulator started in jCardSim's place. A card that dialled in cannot be moved
// by the harness, so a handset swap is refused with the reason.
import type { Profile } from '../../profile/types.ts';
import { startSimulator } from '../../sim/launch.ts';
import { VpcdListener } from '../../transport/vpcd.ts';
import { powerUp, session, type OpenCard } from './card.ts';

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

export async function openVpcd(profile: Profile): Promise<OpenCard> {
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
