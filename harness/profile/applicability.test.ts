// Applicability expressions decide which tests run on a card: they must parse as written in the suites, refuse
// typos (a misspelt mnemonic would silently make a test never apply), and say which ICS claims decided.
import { describe, expect, it } from 'vitest';
import { ApplicabilityError, decide, explain, parseApplicability } from './applicability.ts';
import type { Profile } from './types.ts';

const ics: Profile['ics'] = {
  t0: true, t1: false, extendedLength: false, logicalChannels: 1, rsa2048: true, sha1DigestInfo: false, keyInjection: true,
  onCardKeyGeneration: false, ecP256: true, ecP384: false, javaCard: '3.0.4', globalPlatform: '2.2.1', scp: '02', scpI: '55',
  supplementaryDomains: false, delegatedManagement: false, dap: false, araM: true, araMUpdate: false, applicationLocking: true,
  otaRam: false,
};

describe('applicability expressions', () => {
  it.each([
    ['rsa2048', true],
    ['rsa2048_keygen', false],
    ['ara_m and app_lock', true],
    ['ara_m_update', false],
    ['ota_ram', false],
    ['not t0', false],
    ['rsa2048 and not t0', false],
    ['key_injection and (ec_p256 or ec_p384)', true],
    ['ec_p384 or ec_p256 and rsa2048', true], // and binds tighter: ec_p384 or (ec_p256 and rsa2048)
    ['(ec_p384 or ec_p256) and not rsa2048', false],
    ['not not t0', true],
    ['channels', false],
    ['scp02_i55', true],
    ['scp02_i15 or scp03_i70', false],
    ['scp02 and not ssd', true],
  ])('%s is %s for a T=0, SCP02 i=55, P-256 card', (expr, want) => {
    expect(decide(expr, ics).applicable).toBe(want);
  });

  it.each([
    ['rsa2048 and', 'ends too early'],
    ['rsa2048 and (t0', '"(" is not closed'],
    ['rsa2048 t0', 'unexpected "t0"'],
    ['rsa2408', 'unknown ICS mnemonic "rsa2408"'],
    ['RSA2048', 'unexpected "RSA2048"'],
    ['t0 && t1', 'unexpected "&"'],
  ])('refuses %s', (expr, why) => {
    expect(() => parseApplicability(expr)).toThrow(ApplicabilityError);
    expect(() => parseApplicability(expr)).toThrow(why);
  });

  it('names the claims that decided, not the ones that did not matter', () => {
    const d = decide('rsa2048_keygen and not t0', ics);
    expect(d.applicable).toBe(false);
    expect(d.decidedBy.map((x) => x.mnemonic)).toEqual(['rsa2048_keygen', 't0']);
    const e = decide('ec_p384 or t0', ics);
    expect(e.decidedBy.map((x) => x.mnemonic)).toEqual(['t0']);
    expect(explain(decide('keygen and rsa2048', ics), (f) => `p.yaml:${String(f).length}:3`))
      .toBe('not applicable: "keygen and rsa2048" — keygen is false (on-card key generation; ics.onCardKeyGeneration at p.yaml:19:3)');
  });
});
