// Opens the card a profile describes, whichever route reaches it (harness/card/routes: the bundled simulator, a
// vpcd listener, a PC/SC reader, the simulator inside pcscd), as a traced APDU session. The one place that turns a
// profile's IXIT into a live connection: each route is a module of its own behind OpenCard.
import type { Profile } from '../profile/types.ts';
import { openSimulated } from './routes/simulator.ts';
import { openVpcd } from './routes/vpcd.ts';
import type { OpenCard } from './routes/card.ts';

export { AtrMismatchError, checkAtr, type OpenCard } from './routes/card.ts';

export async function openCard(profile: Profile): Promise<OpenCard> {
  switch (profile.ixit.transport) {
    case 'sim':
      return openSimulated(profile);
    case 'vpcd':
      return openVpcd(profile);
    case 'pcsc': {
      // Loaded only for a PC/SC card: a rack of emulated cards imports it in every card's worker otherwise.
      const { openPcsc, openPcscSimulated } = await import('./routes/pcsc.ts');
      return profile.sim?.vpcdReaders ? openPcscSimulated(profile) : openPcsc(profile);
    }
  }
}
