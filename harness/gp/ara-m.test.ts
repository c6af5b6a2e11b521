// The ARA-M codec and resolver against vectors/gp/ara-m.json: rule encodings and malformed commands from
// published tests (bertrandmartel/aram-applet, AOSP's UiccCarrierPrivilegeRulesTest), and enforcer decisions
// built from the reference's precedence list; plus the GET DATA [All]/[Next] loop against a scripted card.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { encodeCommand } from '../apdu/apdu.ts';
import { concat, fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import {
  AraMCardError,
  AraMFormatError,
  apduPermitted,
  decodeArDo,
  decodeRefArDo,
  decodeRefDo,
  decodeRefreshTag,
  decodeRuleSet,
  decodeSpecificResponse,
  decodeStoreCommand,
  encodeDelete,
  encodeRefArDo,
  encodeRefDo,
  encodeRuleSet,
  encodeStoreRules,
  encodeUpdateRefreshTag,
  readAllRules,
  resolveAccess,
  storeDataCommand,
  type AidRef,
  type ApduRule,
  type RefArDo,
} from './ara-m.ts';

const v = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'ara-m.json'), 'utf8'));

interface JsonRule {
  ref: { aid?: string; deviceAppId?: string; packageName?: string };
  ar: { apdu?: 'never' | 'always' | { header: string; mask: string }[]; nfc?: 'never' | 'always'; permissions?: string };
}

function aidRef(a: string): AidRef {
  if (a === 'all') return { kind: 'all-se-apps' };
  if (a === 'default') return { kind: 'default-selected' };
  return { kind: 'aid', aid: fromHex(a) };
}

/** The vectors' JSON form of a rule -> the codec's typed form. */
function rule(j: JsonRule): RefArDo {
  const r: RefArDo = { ref: {}, ar: {} };
  if (j.ref.aid !== undefined) r.ref.aid = aidRef(j.ref.aid);
  if (j.ref.deviceAppId !== undefined) r.ref.deviceAppId = fromHex(j.ref.deviceAppId);
  if (j.ref.packageName !== undefined) r.ref.packageName = j.ref.packageName;
  if (j.ar.apdu !== undefined) {
    r.ar.apdu = typeof j.ar.apdu === 'string' ? { kind: j.ar.apdu }
      : { kind: 'filters', filters: j.ar.apdu.map((f) => ({ header: fromHex(f.header), mask: fromHex(f.mask) })) };
  }
  if (j.ar.nfc !== undefined) r.ar.nfc = j.ar.nfc;
  if (j.ar.permissions !== undefined) r.ar.permissions = fromHex(j.ar.permissions);
  return r;
}

describe('REF-AR-DO encoding (bertrandmartel AramConstTest)', () => {
  const c = v.aramConst;

  it('encodes the Command-Store-REF-AR-DO APDU byte for byte', () => {
    const cmd = storeDataCommand(encodeStoreRules([rule(c.rule)]));
    expect(hex(encodeCommand(cmd))).toBe(c.storeDataApdu);
  });

  it('decodes the GET DATA [All] answer to the rule, and encodes the rule set back to it', () => {
    expect(decodeRuleSet(fromHex(c.getDataAllResponse))).toEqual([rule(c.rule)]);
    expect(hex(encodeRuleSet([rule(c.rule)]))).toBe(c.getDataAllResponse);
    expect(decodeRuleSet(fromHex(c.emptyGetDataAllResponse))).toEqual([]);
    expect(hex(encodeRuleSet([]))).toBe(c.emptyGetDataAllResponse);
  });

  it('encodes the Command-Delete selectors of AramTest (by AID-REF-DO, by REF-DO)', () => {
    const r = rule(c.rule);
    expect(hex(encodeDelete({ aid: r.ref.aid! }))).toBe(`F1${(c.deleteByAidSelector.length / 2).toString(16).toUpperCase()}${c.deleteByAidSelector}`);
    expect(hex(encodeDelete({ ref: r.ref }))).toBe(`F12A${c.deleteByRefDoSelector}`);
    expect(hex(encodeRefDo(r.ref))).toBe(c.deleteByRefDoSelector);
    expect(hex(encodeDelete({ all: true }))).toBe('F100');
    expect(hex(encodeUpdateRefreshTag())).toBe('F200');
  });

  it('reads every STORE DATA command data object back', () => {
    const r = rule(c.rule);
    expect(decodeStoreCommand(encodeStoreRules([r]))).toEqual({ kind: 'store', rules: [r] });
    expect(decodeStoreCommand(encodeDelete({ all: true }))).toEqual({ kind: 'delete', selector: { all: true } });
    expect(decodeStoreCommand(encodeDelete({ aid: r.ref.aid! }))).toEqual({ kind: 'delete', selector: { aid: r.ref.aid } });
    expect(decodeStoreCommand(encodeDelete({ aid: { kind: 'default-selected' } }))).toEqual({ kind: 'delete', selector: { aid: { kind: 'default-selected' } } });
    expect(decodeStoreCommand(encodeDelete({ ref: r.ref }))).toEqual({ kind: 'delete', selector: { ref: r.ref } });
    expect(decodeStoreCommand(encodeDelete({ rule: r }))).toEqual({ kind: 'delete', selector: { rule: r } });
    expect(decodeStoreCommand(encodeUpdateRefreshTag())).toEqual({ kind: 'update-refresh-tag' });
  });

  it('refuses the malformed STORE DATA commands of AramTest, naming what is wrong', () => {
    const expected = ['expected tag E2, found E3', 'REF-DO (E1) then an AR-DO (E3), found E2', 'unexpected tag 4A in a REF-DO',
      'unexpected tag C2 in a REF-DO', 'REF-DO (E1) then an AR-DO (E3), found E1, E4', 'unknown command data object F3'];
    v.malformedStoreData.cases.forEach((m: { id: string; data: string }, i: number) => {
      expect(() => decodeStoreCommand(fromHex(m.data)), m.id).toThrow(AraMFormatError);
      expect(() => decodeStoreCommand(fromHex(m.data)), m.id).toThrow(expected[i]!);
    });
  });
});

describe('Android carrier-privilege rules (AOSP UiccCarrierPrivilegeRulesTest)', () => {
  for (const a of v.aospCarrierPrivileges) {
    it(`${a.id}: decodes and re-encodes byte for byte`, () => {
      const rules = a.rules.map(rule);
      expect(decodeRuleSet(fromHex(a.getDataAllResponse))).toEqual(rules);
      expect(hex(encodeRuleSet(rules))).toBe(a.getDataAllResponse);
    });
  }

  it('frames a SHA-256 rule with a package name as the reference shows', () => {
    const f = v.sha256CarrierPrivilegeFrame;
    const bytes = hex(encodeRefArDo({ ref: { deviceAppId: new Uint8Array(32).fill(0xa5), packageName: f.packageName }, ar: { permissions: fromHex(f.permissions) } }));
    expect(bytes.startsWith(f.prefix)).toBe(true);
    expect(bytes.endsWith(f.suffix)).toBe(true);
    expect(bytes.length / 2).toBe(2 + 0x41);
  });

  for (const st of v.strictness) {
    it(`refuses what the SEAC encoding does not allow: ${st.id}`, () => {
      expect(() => decodeRuleSet(fromHex(st.getDataAllResponse))).toThrow(AraMFormatError);
      expect(() => decodeRuleSet(fromHex(st.getDataAllResponse))).toThrow(st.errorMentions);
    });
  }
});

describe('malformed rule data', () => {
  const good = fromHex(v.aramConst.getDataAllResponse);
  const cases: [string, string, string][] = [
    ['truncated answer', hex(good.subarray(0, good.length - 1)), 'truncated value of tag FF40'],
    ['trailing bytes after FF40', `${hex(good)}9000`, 'expected one FF40 data object, found 2 (FF40, 90)'],
    ['AID of 4 bytes', 'E20CE1064F04A0000001E302D001', 'AID-REF-DO (4F) of 4 bytes'],
    ['C0 with a value', 'E208E103C00101E301D0', 'C0 (default-selected application) must be empty'],
    ['APDU filter of 7 bytes', 'E20FE102C100E309D00780000000FFFF00', 'APDU-AR-DO (D0) of 7 bytes'],
    ['APDU generic rule 02', 'E209E102C100E303D00102', 'generic rule must be 00 or 01'],
    ['NFC rule of two bytes', 'E20AE102C100E304D1020101', 'NFC-AR-DO (D1) must be one byte'],
    ['PERM of 4 bytes', 'E20CE102C100E306DB0400000000', 'PERM-AR-DO (DB) must have 8 bytes'],
    ['two AID-REF-DOs', 'E20BE104C0004F00E303D00101', 'AID-REF-DO (4F/C0) appears twice'],
    ['package name alone', 'E20AE105CA03616263E301D0', 'PKG-REF-DO (CA) without a DeviceAppID-REF-DO'],
    ['empty AR-DO', 'E206E102C100E300', 'empty AR-DO'],
    ['unknown tag in the AR-DO', 'E209E102C100E303D50101', 'unexpected tag D5 in an AR-DO'],
  ];
  for (const [what, bytes, message] of cases) {
    it(`names the problem: ${what}`, () => {
      const data = fromHex(bytes);
      const decode = (): unknown => (data[0] === 0xff ? decodeRuleSet(data) : decodeRefArDo(data));
      expect(decode).toThrow(AraMFormatError);
      expect(decode).toThrow(message);
    });
  }

  it('refuses to encode what a card would refuse', () => {
    expect(() => encodeRefDo({ aid: { kind: 'aid', aid: fromHex('A0000001') } })).toThrow('an AID has 5 to 16 bytes, got 4');
    expect(() => encodeRefDo({ deviceAppId: new Uint8Array(16) })).toThrow('got 16');
    expect(() => encodeRefDo({ aid: { kind: 'all-se-apps' }, packageName: 'com.example' })).toThrow('needs a DeviceAppID-REF-DO');
    expect(() => encodeRefDo({ deviceAppId: new Uint8Array(0), packageName: 'x'.repeat(128) })).toThrow('1 to 127 printable ASCII');
    expect(() => encodeRefDo({})).toThrow('REF-DO: empty');
    expect(() => decodeArDo(fromHex('E300'))).toThrow('empty AR-DO');
    expect(() => encodeRefArDo({ ref: { deviceAppId: new Uint8Array(0) }, ar: { apdu: { kind: 'filters', filters: [] } } })).toThrow('at least one filter');
    expect(() => storeDataCommand(new Uint8Array(256))).toThrow('1 to 255 fit one command');
  });

  it('decodes GET DATA [Refresh] and [Specific] answers, and refuses a short refresh tag', () => {
    expect(hex(decodeRefreshTag(fromHex('DF20080102030405060708')))).toBe('0102030405060708');
    expect(() => decodeRefreshTag(fromHex('DF2004010203040506'))).toThrow(AraMFormatError);
    expect(decodeSpecificResponse(fromHex('FF5005E303D00101'))).toEqual({ apdu: { kind: 'always' } });
    expect(decodeSpecificResponse(fromHex('FF5000'))).toBeUndefined();
    expect(decodeRefDo(fromHex('E1024F00'))).toEqual({ aid: { kind: 'all-se-apps' } });
    expect(decodeRefDo(fromHex('E104C000C100'))).toEqual({ aid: { kind: 'default-selected' }, deviceAppId: new Uint8Array(0) });
  });
});

describe('Access Control Enforcer resolution (seek-for-android AccessRuleCache.findAccessRule)', () => {
  const r = v.resolver;
  const aidOf = (name: string): string => r.aids[name] ?? name;
  const hashOf = (name: string): Uint8Array => fromHex(r.hashes[name] ?? name);
  const filter = { header: fromHex(r.filter.header), mask: fromHex(r.filter.mask) };
  const apduOf = (a: string): ApduRule => (a === 'filter' ? { kind: 'filters', filters: [filter] } : { kind: a as 'never' | 'always' });

  for (const c of r.cases) {
    it(c.id, () => {
      const rules: RefArDo[] = c.rules.map((x: { aid: string; app: string; apdu: string; nfc?: 'never' | 'always' }) => ({
        ref: { aid: aidRef(aidOf(x.aid)), deviceAppId: hashOf(x.app) },
        ar: { apdu: apduOf(x.apdu), ...(x.nfc ? { nfc: x.nfc } : {}) },
      }));
      const request = { aid: c.request.aid === 'default' ? ('default-selected' as const) : fromHex(aidOf(c.request.aid)), deviceAppIds: c.request.apps.map(hashOf) };
      const d = resolveAccess(rules, request);
      expect(d.step).toBe(c.expect.step);
      expect(d.apdu).toEqual(apduOf(c.expect.apdu));
      if (c.expect.nfc) expect(d.nfc).toBe(c.expect.nfc);
    });
  }

  it('applies APDU filters as header AND mask = filter header', () => {
    const d = { apdu: { kind: 'filters', filters: [{ header: fromHex('80CA0000'), mask: fromHex('FFFF0000') }] } as ApduRule };
    expect(apduPermitted(d, fromHex('80CAFF40'))).toBe(true);
    expect(apduPermitted(d, fromHex('80E29000'))).toBe(false);
    expect(apduPermitted({ apdu: { kind: 'always' } }, fromHex('00A40400'))).toBe(true);
    expect(apduPermitted({ apdu: { kind: 'never' } }, fromHex('00A40400'))).toBe(false);
  });

  it('ignores Android carrier-privilege rules (no AID-REF-DO) for APDU access', () => {
    const rules = v.aospCarrierPrivileges[0].rules.map(rule);
    expect(resolveAccess(rules, { aid: fromHex('A0000000010101'), deviceAppIds: [rules[0].ref.deviceAppId] }).step).toBe('no-rule');
  });

  it('merges rules with the same (AID, app) reference, the more restrictive winning', () => {
    const ref = { aid: { kind: 'aid', aid: fromHex('A0000000010101') } as AidRef, deviceAppId: fromHex('11'.repeat(20)) };
    const f1 = { header: fromHex('80CA0000'), mask: fromHex('FFFF0000') };
    const f2 = { header: fromHex('00B00000'), mask: fromHex('FFFF0000') };
    const req = { aid: fromHex('A0000000010101'), deviceAppIds: [ref.deviceAppId] };
    const pkg = (n: string, apdu: ApduRule): RefArDo => ({ ref: { ...ref, packageName: n }, ar: { apdu } });
    expect(resolveAccess([pkg('a.b', { kind: 'always' }), pkg('c.d', { kind: 'filters', filters: [f1] }), pkg('e.f', { kind: 'filters', filters: [f2] })], req).apdu)
      .toEqual({ kind: 'filters', filters: [f1, f2] });
    expect(resolveAccess([pkg('a.b', { kind: 'always' }), pkg('c.d', { kind: 'never' })], req).apdu).toEqual({ kind: 'never' });
  });
});

describe('GET DATA [All] / [Next] reading loop', () => {
  /** A card that answers GET DATA [All] and [Next] from `answer` in pieces of at most Le bytes, and logs the commands. */
  function scriptedCard(answer: Uint8Array, opts: { nextSw?: number; allSw?: number; stall?: boolean } = {}) {
    const log: CommandApdu[] = [];
    let off = 0;
    const send = async (cmd: CommandApdu): Promise<ResponseApdu> => {
      log.push(cmd);
      if (cmd.p2 === 0x40) {
        if (opts.allSw) return { data: new Uint8Array(0), sw: opts.allSw };
        off = 0;
      } else if (opts.nextSw) {
        return { data: new Uint8Array(0), sw: opts.nextSw };
      }
      const n = opts.stall && cmd.p2 === 0x60 ? 0 : Math.min(cmd.le ?? 256, answer.length - off);
      const data = answer.slice(off, off + n);
      off += n;
      return { data, sw: 0x9000 };
    };
    return { send, log };
  }

  const eleven = [v.aramConst.getDataAllResponse.slice(6), ...v.aramConst.numberedRules.encodings].map((h: string) => decodeRefArDo(fromHex(h)));
  const big = encodeRuleSet(eleven);

  it('reads an 11-rule set (539 bytes) with Le F0: GET DATA [All] then [Next] until the FF40 length is reached', async () => {
    const card = scriptedCard(big);
    const got = await readAllRules(card.send);
    expect(big.length).toBe(5 + 11 * 49); // FF40 82 021B
    expect(got.rules).toEqual(eleven);
    expect(hex(got.data)).toBe(hex(big));
    expect(got.nextCommands).toBe(2);
    expect(card.log.map((c) => hex(encodeCommand(c)))).toEqual(['80CAFF40F0', '80CAFF60F0', '80CAFF6040']);
  });

  it('reads a one-segment answer without GET DATA [Next]', async () => {
    const card = scriptedCard(fromHex(v.aramConst.getDataAllResponse));
    const got = await readAllRules(card.send, { maxLe: 256 });
    expect(got.nextCommands).toBe(0);
    expect(got.rules).toEqual([rule(v.aramConst.rule)]);
    expect(hex(encodeCommand(card.log[0]!))).toBe('80CAFF4000');
  });

  it('takes 6A88 to GET DATA [All] as no rules, like seek-for-android', async () => {
    expect((await readAllRules(scriptedCard(big, { allSw: 0x6a88 }).send)).rules).toEqual([]);
  });

  it('stops on a failed GET DATA [Next], on a segment without data, and on a wrong outer tag', async () => {
    await expect(readAllRules(scriptedCard(big, { nextSw: 0x6984 }).send)).rejects.toThrow(AraMCardError);
    await expect(readAllRules(scriptedCard(big, { nextSw: 0x6984 }).send)).rejects.toThrow('GET DATA [Next] after 240 of 544 bytes: ARA-M answered 6984');
    await expect(readAllRules(scriptedCard(big, { stall: true }).send)).rejects.toThrow('brought no data');
    await expect(readAllRules(scriptedCard(concat(fromHex('FF50'), big.subarray(2))).send)).rejects.toThrow('expected tag FF40, found FF50');
    await expect(readAllRules(scriptedCard(big, { allSw: 0x6985 }).send)).rejects.toThrow('GET DATA [All]: ARA-M answered 6985');
  });
});
