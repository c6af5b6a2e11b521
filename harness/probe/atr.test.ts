// The ATR parser against ATRs of cards labs buy, decoded by hand per ISO/IEC 7816-3 tables 7 and 8 as pcsc-tools'
// ATR_analysis does. Sources (/work/shared/reference/real-cards.md, part A): sysmoISIM-SJA2 and sysmoUSIM-SJS1 ATRs
// from pySim (pySim/sysmocom_sja2.py, pySim/legacy/cards.py) and pcsc-tools smartcard_list.txt, with the SJS1 list
// entry ending 000100 whose TCK does not verify; the JCOP ATR is jCardSim's default (a JCOP 3.1 ATR).
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { AtrError, parseAtr } from './atr.ts';

describe('ATR (ISO/IEC 7816-3 section 8)', () => {
  it('sysmoISIM-SJA2: T=0 only, TA1 96 = Fi 512 / Di 32, 4 logical channels in the card capabilities, TCK over T=15', () => {
    const a = parseAtr(fromHex('3B9F96801F878031E073FE211B674A4C753034054BA9'));
    expect(a.protocols).toEqual([0]);
    expect(a.ta1).toEqual({ byte: 0x96, fi: 512, fMaxMHz: 5, di: 32, baudAtFmax: 312500 });
    expect(a.ifsc).toBeUndefined();
    expect(a.capabilities).toEqual({ commandChaining: false, extendedLength: false, channelAssignment: { byCard: true, byTerminal: true }, maxLogicalChannels: 4 });
    expect(a.tck).toEqual({ value: 0xa9, valid: true });
    expect(a.historical.length).toBe(15);
  });

  it('sysmoUSIM-SJS1: channel assignment by the card only (capabilities byte 13)', () => {
    const a = parseAtr(fromHex('3B9F96801FC78031A073BE21136743200718000001A5'));
    expect(a.capabilities?.channelAssignment).toEqual({ byCard: true, byTerminal: false });
    expect(a.tck?.valid).toBe(true);
  });

  it('reports a TCK that does not verify (the SJS1 list entry ending 000100)', () => {
    expect(parseAtr(fromHex('3B9F96801FC78031A073BE2113674320071800000100')).tck?.valid).toBe(false);
  });

  it('JCOP 3.1 (jCardSim default): T=1, TA1 18 = Fi 372 / Di 12, IFSC FE = 254', () => {
    const a = parseAtr(fromHex('3BFA1800008131FE454A434F5033315632333298'));
    expect(a.protocols).toEqual([1]);
    expect(a.ta1).toMatchObject({ fi: 372, di: 12, fMaxMHz: 5 });
    expect(a.ifsc).toBe(254);
    expect(Buffer.from(a.historical).toString('latin1')).toBe('JCOP31V232');
    expect(a.tck).toEqual({ value: 0x98, valid: true });
  });

  it('an ATR without TD1 offers T=0 and carries no TCK', () => {
    const a = parseAtr(fromHex('3B69000241434F534A76313031'));
    expect(a.protocols).toEqual([0]);
    expect(a.tck).toBeUndefined();
    expect(Buffer.from(a.historical).toString('latin1')).toBe('ACOSJv101');
  });

  it('refuses what it cannot read rather than guess', () => {
    expect(() => parseAtr(fromHex('3B9F9680'))).toThrow(AtrError);
    expect(() => parseAtr(fromHex('3BFA1800008131FE454A434F50333156323332'))).toThrow(/TCK is missing/);
    expect(() => parseAtr(fromHex('2B00'))).toThrow(/TS 2B/);
    expect(() => parseAtr(fromHex('3B0000'))).toThrow(/after the historical bytes/);
  });
});
