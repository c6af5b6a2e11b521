// Route `sim`: the bundled simulator started for this profile behind a vpcd listener of the harness's own; a
// handset swap moves it, state kept, to a new listener (a new reader).
import type { Profile } from '../../profile/types.ts';
import { startSimulator } from '../../sim/launch.ts';
import { powerUp, session, type OpenCard } from './card.ts';

export async function openSimulated(profile: Profile): Promise<OpenCard> {
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
