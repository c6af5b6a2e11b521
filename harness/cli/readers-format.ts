// One line per reader for `simcert readers`: name, card state, the protocol pcsc-lite negotiated with the card and
// the ones its ATR offers, and the ATR, tab-separated so that scripts can cut columns. What a user checks a
// profile's t0/t1 claims and ixit.atr against before a run.
import { hex } from '../bytes.ts';
import { atrProtocols } from '../transport/atr-protocols.ts';
import type { ReaderStatus } from '../transport/pcsc.ts';

export function formatReaderLine(r: ReaderStatus): string {
  const state = `${r.card}${r.inUse ? ' (in use)' : ''}`;
  if (!r.atr) return `${r.name}\t${state}`;
  let offers: string;
  try {
    offers = atrProtocols(r.atr).join(', ') || 'none';
  } catch (err) {
    offers = `unreadable (${(err as Error).message})`;
  }
  const protocol = r.protocol ? `protocol ${r.protocol}` : r.protocolError ? `protocol unknown (${r.protocolError})` : 'protocol not negotiated';
  return `${r.name}\t${state}\t${protocol}\tATR offers ${offers}\tATR ${hex(r.atr, ' ')}`;
}
