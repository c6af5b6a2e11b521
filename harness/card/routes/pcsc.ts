// Routes through PC/SC (pcsc-lite and the smartcard binding): a real card in a lab reader, found by name or by ATR
// and identity in the rack, swapped by the operator the harness prompts; or the bundled simulator inserted into
// pcscd's vsmartcard-vpcd readers, the real PC/SC stack end to end, swapped by moving it between those readers.
import type { Profile } from '../../profile/types.ts';
import { attachSimulator } from '../../sim/launch.ts';
import { PcscTransport, waitForCard } from '../../transport/pcsc.ts';
import { findReader } from '../find-card.ts';
import { powerUp, session, type OpenCard } from './card.ts';

/** Tells the operator what to do with the card, on the terminal (stderr keeps stdout for results). */
function prompt(text: string): void {
  process.stderr.write(`\n>>> ${text}\n`);
}

function pcscTransport(profile: Profile, reader: string): PcscTransport {
  const { ics } = profile;
  // Named in the error when the reader or card refuses them: the claims the user must correct, and where.
  const claims = {
    protocol: `the profile claims ics.t0: ${ics.t0}, ics.t1: ${ics.t1} (${profile.file})`,
    ...(ics.extendedLength ? { extendedLength: `the profile claims ics.extendedLength: true (${profile.file})` } : {}),
  };
  const t = new PcscTransport({ reader, protocol: ics.t1 ? (ics.t0 ? 'any' : 'T=1') : 'T=0', claims });
  t.timeoutMs = profile.ixit.timeouts.apduMs;
  return t;
}

/** The bundled simulator inserted into pcscd's vpcd readers: the real PC/SC stack end to end. */
export async function openPcscSimulated(profile: Profile): Promise<OpenCard> {
  const { ixit } = profile;
  const sim = profile.sim!;
  const readers = sim.vpcdReaders!;
  const first = readers[0]!;
  if (!ixit.reader) throw new Error(`${profile.file}: transport pcsc needs ixit.reader`);
  // The previous suite's simulator has just left this reader, but pcscd reports the removal only at its next poll:
  // "present" until then, and a connect in that window finds the new card unpowered. So the reader must be seen
  // empty before this card goes in.
  await waitForCard(ixit.reader, 'absent', ixit.timeouts.connectMs);
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
      const from = t.reader;
      await t.close();
      await attached.moveTo(to.at.host, to.at.port);
      // As in a handset swap, the card is out of the first reader before the harness goes on: pcscd reports a
      // removal only at its next poll of the reader, later still on a loaded host, so it is waited for.
      if (from !== to.name) await waitForCard(from, 'absent', ixit.timeouts.connectMs);
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
export async function openPcsc(profile: Profile): Promise<OpenCard> {
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
