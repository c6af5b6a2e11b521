// What every card route shares: the card's interface to the suites (OpenCard), powering up with the profile's ATR
// check before anything is sent, and the traced APDU session over the route's transport.
import { CardSession } from '../../apdu/session.ts';
import { hex } from '../../bytes.ts';
import type { Profile } from '../../profile/types.ts';
import type { Transport } from '../../transport/transport.ts';
import { atrMatches } from '../find-card.ts';

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

/** The profile's expected ATR (with mask) must match before anything is sent to the card. */
export function checkAtr(profile: Profile, atr: Uint8Array): void {
  const want = profile.ixit.atr;
  if (!want || atrMatches(atr, want.value, want.mask)) return;
  throw new AtrMismatchError(`card ATR ${hex(atr, ' ')} does not match the profile's ${hex(Buffer.from(want.value, 'hex'), ' ')}${want.mask ? ` (mask ${want.mask})` : ''}: wrong card in the reader?`);
}

/** Powers the card up and checks its ATR; on any failure the route's resources are released. */
export async function powerUp(profile: Profile, transport: Transport, release: () => Promise<void>): Promise<void> {
  try {
    await transport.connect();
    checkAtr(profile, transport.atr);
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}

export function session(profile: Profile, transport: Transport): CardSession {
  return new CardSession(transport, { extendedLength: profile.ics.extendedLength });
}
