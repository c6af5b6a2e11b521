// Finds a profile's card in a rack of readers by what the card is (ATR pattern, ICCID), never by reader position:
// cards get moved between readers, and a test against the wrong card is worse than no test.
import { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import type { Profile } from '../profile/types.ts';
import { listReaders, PcscTransport } from '../transport/pcsc.ts';
import { readIccid } from './identity.ts';

export interface CardInReader {
  reader: string;
  atr: Uint8Array;
  iccid?: string;
}

/** Connects to every card present (shared) and reads its ATR and ICCID. */
export async function surveyReaders(): Promise<CardInReader[]> {
  const out: CardInReader[] = [];
  for (const r of listReaders()) {
    if (r.card !== 'present') continue;
    const t = new PcscTransport({ reader: r.name, protocol: 'any' });
    try {
      await t.connect();
      const iccid = await readIccid(new CardSession(t, { extendedLength: false })).catch(() => undefined);
      out.push({ reader: t.reader, atr: t.atr, ...(iccid ? { iccid } : {}) });
    } catch {
      out.push({ reader: r.name, atr: r.atr ?? new Uint8Array(0) });
    } finally {
      await t.close();
    }
  }
  return out;
}

export function atrMatches(atr: Uint8Array, value: string, mask?: string): boolean {
  const expected = Buffer.from(value, 'hex');
  const m = mask ? Buffer.from(mask, 'hex') : Buffer.alloc(expected.length, 0xff);
  return atr.length === expected.length && expected.every((b, i) => ((atr[i]! ^ b) & (m[i] ?? 0xff)) === 0);
}

/** Whether the card is the profile's: its ATR pattern and, when the profile names one, its ICCID. */
export function profileMatches(profile: Profile, card: CardInReader): boolean {
  const { atr, identity, reader } = profile.ixit;
  if (!atr && !identity) return reader === card.reader;
  if (atr && !atrMatches(card.atr, atr.value, atr.mask)) return false;
  if (identity && identity.iccid !== card.iccid) return false;
  return true;
}

/** The one reader holding the profile's card; an error naming what was found when there is none or several. */
export async function findReader(profile: Profile): Promise<string> {
  const cards = await surveyReaders();
  const hits = cards.filter((c) => profileMatches(profile, c));
  if (hits.length === 1) return hits[0]!.reader;
  const seen = cards.map((c) => `"${c.reader}" (ATR ${hex(c.atr)}${c.iccid ? `, ICCID ${c.iccid}` : ''})`).join('; ') || 'no cards';
  const want = [profile.ixit.atr ? `ATR ${profile.ixit.atr.value}${profile.ixit.atr.mask ? `/${profile.ixit.atr.mask}` : ''}` : '',
    profile.ixit.identity ? `ICCID ${profile.ixit.identity.iccid}` : ''].filter(Boolean).join(', ');
  throw new Error(hits.length === 0
    ? `no inserted card is "${profile.name}" (${want}); found: ${seen}`
    : `${hits.length} inserted cards match "${profile.name}" (${want}): ${hits.map((h) => `"${h.reader}"`).join(', ')}; name ixit.reader or ixit.identity`);
}
