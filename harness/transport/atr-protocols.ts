// Which transmission protocols a card's ATR offers (ISO/IEC 7816-3 8.2): `simcert readers` shows them beside the one
// pcsc-lite negotiated, so that a profile's t0/t1 claims can be checked against the card before a run. Only the
// interface-byte chain is walked: T0's and each TDi's high nibble say which of TAi..TDi follow, TDi's low nibble
// names a protocol. No TD1 means T=0 only. T=15 carries global bytes and is not a protocol.
export type TransmissionProtocol = 'T=0' | 'T=1';

export function atrProtocols(atr: Uint8Array): TransmissionProtocol[] {
  if (atr.length < 2) throw new Error(`an ATR of ${atr.length} bytes: too short (TS and T0 at least)`);
  const found = new Set<number>();
  let y = atr[1]! >> 4;
  let i = 2;
  let sawTd = false;
  while (y !== 0) {
    // TA, TB, TC present per bits 1..3 of Y; TD per bit 4 (ISO/IEC 7816-3 8.2.2).
    i += (y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1);
    if (!(y & 8)) break;
    if (i >= atr.length) throw new Error('the ATR ends inside its interface bytes');
    const td = atr[i]!;
    i += 1;
    sawTd = true;
    found.add(td & 0x0f);
    y = td >> 4;
  }
  if (!sawTd) found.add(0);
  return (['T=0', 'T=1'] as const).filter((p) => found.has(p === 'T=0' ? 0 : 1));
}
