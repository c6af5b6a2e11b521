// The protocols offered by ATRs of real card models as published (the sources are named in the card-model profiles
// under profiles/examples): pySim's and JCAlgTest's sysmoISIM-SJA2 ATR is T=0 only, JCAlgTest's JCOP 4 J3R180 ATR
// is T=1 only, ACS's ACOSJ 95K has no TD1 (T=0 by default); pcsc-tools' smartcard_list.txt lists each. One ATR
// offering both is built here by the rule of ISO/IEC 7816-3 8.2.3.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { atrProtocols } from './atr-protocols.ts';

describe('atrProtocols', () => {
  it('reads T=0 from a UICC ATR whose TD1 names T=0 and TD2 the global T=15 (sysmoISIM-SJA2)', () => {
    expect(atrProtocols(fromHex('3B9F96801F878031E073FE211B674A4C753034054BA9'))).toEqual(['T=0']);
  });

  it('reads T=1 from a JCOP 4 J3R180 ATR (TD1 and TD2 name T=1, TD3 T=15)', () => {
    expect(atrProtocols(fromHex('3BD518FF8191FE1FC38073C821100A'))).toEqual(['T=1']);
  });

  it('takes an ATR without TD1 as T=0 only (ACS ACOSJ 95K)', () => {
    expect(atrProtocols(fromHex('3B69000241434F534A76323037'))).toEqual(['T=0']);
  });

  it('reads both when the ATR offers T=0 first and T=1 after (the simulator\'s T=1 JCOP ATR offers T=1 only)', () => {
    // 3B 80 80 01 01: TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1); K = 0 (ISO/IEC 7816-3 8.2.3's order rule).
    expect(atrProtocols(fromHex('3B80800101'))).toEqual(['T=0', 'T=1']);
    expect(atrProtocols(fromHex('3BFA1800008131FE454A434F5033315632333298'))).toEqual(['T=1']);
  });

  it('refuses an ATR cut inside its interface bytes', () => {
    expect(() => atrProtocols(fromHex('3BD518FF'))).toThrow(/ends inside its interface bytes/);
  });
});
