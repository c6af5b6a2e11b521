// The ARA-M applet (lab/applets/ara-m) on the simulator, driven through harness/gp/ara-m.ts: rules stored
// straight to the applet and through the issuer security domain (INSTALL [for personalization] + STORE DATA over
// SCP03), read back with GET DATA [All] / [Next], deleted; the refresh tag, a full rule store (6A84), malformed
// rules (6A80), and GET DATA [Specific] agreeing with the harness's enforcer resolution. A UICC-like card: T=1,
// short APDUs only, so every answer over 256 bytes needs GET DATA [Next].
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCommand, type CommandApdu } from '../apdu/apdu.ts';
import { CardSession } from '../apdu/session.ts';
import { concat, fromHex, hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { buildLab } from '../sim/build.ts';
import { checkJavaCardSubset, formatViolation } from '../sim/javacard-api-check.ts';
import { startSimulator, type RunningSimulator } from '../sim/launch.ts';
import {
  ARA_M_AID,
  decodeArDo,
  decodeRefArDo,
  decodeRefreshTag,
  decodeRuleSet,
  decodeSpecificResponse,
  encodeDelete,
  encodeRefArDo,
  encodeRuleSet,
  encodeStoreRules,
  encodeUpdateRefreshTag,
  getDataAllCommand,
  getDataNextCommand,
  getDataSpecificCommand,
  getRefreshTagCommand,
  readAllRules,
  resolveAccess,
  storeDataCommand,
  type AidRef,
  type ApduRule,
  type RefArDo,
} from './ara-m.ts';
import { installForPersonalization } from './content.ts';
import { openSecureChannel, type SecureChannel } from './secure-channel.ts';

const v = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'gp', 'ara-m.json'), 'utf8'));

const ISD = 'A000000151000000';
const ARA_M = hex(ARA_M_AID);
/** Further instances of the same applet class under test AIDs: a 120-byte rule store, and bad install parameters. */
const SMALL = 'F0000000015141434C01';
const BAD_PARAMS = 'F0000000015141434C02';
const CLASS = 'org.simcert.applets.aram.AraM';
const TEST_KEY = fromHex('404142434445464748494A4B4C4D4E4F');
const keys = { enc: TEST_KEY, mac: TEST_KEY, dek: TEST_KEY, kvn: 0x30 };

let sim: RunningSimulator;
let s: CardSession;

const transmit = (cmd: CommandApdu) => s.transmit(cmd);

async function select(aid: string): Promise<void> {
  expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex(aid) })).sw, `SELECT ${aid}`).toBe(0x9000);
}

async function createApplet(aid: string, appData: Uint8Array = new Uint8Array(0)): Promise<number> {
  const a = fromHex(aid);
  return (await s.transmit({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: concat(Uint8Array.of(a.length), a, Uint8Array.of(0, appData.length), appData) })).sw;
}

async function store(data: Uint8Array): Promise<number> {
  return (await s.transmit(storeDataCommand(data))).sw;
}

async function rules(): Promise<RefArDo[]> {
  return (await readAllRules(transmit)).rules;
}

async function refreshTag(): Promise<string> {
  return hex(decodeRefreshTag((await s.send(getRefreshTagCommand())).data));
}

async function clearRules(): Promise<void> {
  expect(await store(encodeDelete({ all: true }))).toBe(0x9000);
}

const aramRule = (h: string): RefArDo => decodeRefArDo(fromHex(h));
/** AramConstTest's VALID_REF_AR_DO, VALID_REF_AR_DO_CLONE (same AID, other hash) and VALID_REF_AR_DO1..10. */
const VALID = aramRule(v.aramConst.getDataAllResponse.slice(6));
const CLONE = aramRule(v.aramConst.ruleCloneEncoding);
const NUMBERED: RefArDo[] = v.aramConst.numberedRules.encodings.map(aramRule);

/** A distinct 49-byte rule for filling the store: the AramConst layout with AID A0 00 00 00 AA i. */
function filler(i: number): RefArDo {
  return { ref: { aid: { kind: 'aid', aid: fromHex(`A0000000AA${i.toString(16).padStart(2, '0')}00000000000000000000`) }, deviceAppId: new Uint8Array(20).fill(i) }, ar: { apdu: { kind: 'always' } } };
}

beforeAll(async () => {
  const applet = { class: CLASS, codebase: 'ara-m' };
  sim = await startSimulator({
    atr: '3B9F96801FC78031E073FE211B633A204E8300900031', protocol: 'T=1', extendedLength: false, apduBufferSize: 261, logicalChannels: 4,
    applets: [{ aid: ARA_M, ...applet }, { aid: SMALL, ...applet }, { aid: BAD_PARAMS, ...applet }],
  }, { connectTimeoutMs: 30_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  s = new CardSession(sim.transport, { extendedLength: false });
  expect(await createApplet(ARA_M)).toBe(0x9000);
});
afterAll(async () => {
  await sim?.stop();
});

describe('ARA-M applet on the simulator', () => {
  it('compiles to what a Java Card converter accepts', async () => {
    const lab = await buildLab();
    expect((await checkJavaCardSubset(lab.applets['ara-m']!)).map(formatViolation)).toEqual([]);
  });

  it('answers FF40 00 with no rules, then stores AramConstTest\'s rule and answers it byte for byte', async () => {
    await select(ARA_M);
    const empty = await s.send(getDataAllCommand(256));
    expect(hex(empty.data)).toBe(v.aramConst.emptyGetDataAllResponse);
    expect((await s.transmit(decodeCommand(fromHex(v.aramConst.storeDataApdu)))).sw).toBe(0x9000);
    expect(hex((await s.send(getDataAllCommand(256))).data)).toBe(v.aramConst.getDataAllResponse);
    expect(await rules()).toEqual([VALID]);
  });

  it('keeps one copy of an identical rule (6381), refuses a conflicting one (6A89), and changes the refresh tag only with the rules', async () => {
    await select(ARA_M);
    await clearRules();
    expect(await store(encodeStoreRules([VALID]))).toBe(0x9000);
    const t0 = await refreshTag();
    expect(t0).toMatch(/^[0-9A-F]{16}$/);
    expect(await store(encodeStoreRules([VALID]))).toBe(0x6381);
    expect(await refreshTag()).toBe(t0);
    const conflicting: RefArDo = { ref: VALID.ref, ar: { apdu: { kind: 'never' } } };
    expect(await store(encodeStoreRules([conflicting]))).toBe(0x6a89);
    // All or nothing: CLONE is new, but the command also carries the conflicting rule.
    expect(await store(encodeStoreRules([CLONE, conflicting]))).toBe(0x6a89);
    expect(await rules()).toEqual([VALID]);
    expect(await refreshTag()).toBe(t0);
    // A new rule beside an existing one goes in, with the warning for the other.
    expect(await store(encodeStoreRules([VALID, CLONE]))).toBe(0x6381);
    expect(await rules()).toEqual([VALID, CLONE]);
    const t1 = await refreshTag();
    expect(t1).not.toBe(t0);
    expect(await store(encodeUpdateRefreshTag())).toBe(0x9000);
    expect(await refreshTag()).not.toBe(t1);
    expect(await rules()).toEqual([VALID, CLONE]);
  });

  it('serves a rule set larger than one answer through GET DATA [Next], at any Le, and 6A88 once it is read', async () => {
    await select(ARA_M);
    await clearRules();
    const all = [VALID, ...NUMBERED];
    for (const r of all) expect(await store(encodeStoreRules([r]))).toBe(0x9000);
    const atF0 = await readAllRules(transmit);
    expect(atF0.rules).toEqual(all);
    expect(hex(atF0.data)).toBe(hex(encodeRuleSet(all)));
    expect(atF0.data.length).toBe(5 + 11 * 49);
    expect(atF0.nextCommands).toBe(2);
    expect((await s.transmit(getDataNextCommand(256))).sw).toBe(0x6a88);
    const at256 = await readAllRules(transmit, { maxLe: 256 });
    expect(at256.rules).toEqual(all);
    expect(at256.nextCommands).toBe(2);
    const small = await readAllRules(transmit, { maxLe: 100 });
    expect(small.nextCommands).toBe(5);
    expect(hex(small.data)).toBe(hex(atF0.data));
  });

  it('refuses GET DATA [Next] without GET DATA [All] (6A88) and after the rules changed under the read (6984)', async () => {
    await select(ARA_M);
    expect((await s.transmit(getDataNextCommand())).sw).toBe(0x6a88);
    const first = await s.send(getDataAllCommand());
    expect(first.data.length).toBe(0xf0);
    expect(await store(encodeUpdateRefreshTag())).toBe(0x9000);
    expect((await s.transmit(getDataNextCommand())).sw).toBe(0x6984);
    expect((await s.transmit(getDataNextCommand())).sw).toBe(0x6a88);
  });

  it('deletes by AID-REF-DO, by REF-DO and by exact REF-AR-DO (6A88 when nothing matches), and everything', async () => {
    await select(ARA_M);
    await clearRules();
    expect(await store(encodeStoreRules([VALID, CLONE, NUMBERED[0]!]))).toBe(0x9000);
    let tag = await refreshTag();
    const byAid = encodeDelete({ aid: VALID.ref.aid! });
    expect(hex(byAid)).toBe(`F112${v.aramConst.deleteByAidSelector}`);
    expect(await store(byAid)).toBe(0x9000);
    expect(await rules()).toEqual([NUMBERED[0]]);
    expect(await refreshTag()).not.toBe(tag);
    tag = await refreshTag();
    expect(await store(byAid)).toBe(0x6a88);
    expect(await refreshTag()).toBe(tag);

    expect(await store(encodeStoreRules([VALID]))).toBe(0x9000);
    expect(hex(encodeDelete({ ref: VALID.ref }))).toBe(`F12A${v.aramConst.deleteByRefDoSelector}`);
    expect(await store(encodeDelete({ ref: VALID.ref }))).toBe(0x9000);
    expect(await rules()).toEqual([NUMBERED[0]]);
    expect(await store(encodeDelete({ ref: CLONE.ref }))).toBe(0x6a88);

    const otherAr: RefArDo = { ref: NUMBERED[0]!.ref, ar: { apdu: { kind: 'never' } } };
    expect(await store(encodeDelete({ rule: otherAr }))).toBe(0x6a88);
    expect(await store(encodeDelete({ rule: NUMBERED[0]! }))).toBe(0x9000);
    expect(await rules()).toEqual([]);

    expect(await store(encodeStoreRules([VALID, CLONE]))).toBe(0x9000);
    tag = await refreshTag();
    expect(await store(encodeDelete({ all: true }))).toBe(0x9000);
    expect(hex((await s.send(getDataAllCommand())).data)).toBe('FF4000');
    expect(await refreshTag()).not.toBe(tag);
  });

  it('takes STORE DATA through the issuer security domain after INSTALL [for personalization] (SCP03, C-MAC and C-DECRYPTION)', async () => {
    await select(ARA_M);
    await clearRules();
    const tag = await refreshTag();
    await select(ISD);
    const ch: SecureChannel = await openSecureChannel(s, keys, { level: 0x03 });
    await installForPersonalization(ch, ARA_M);
    const viaIsd = (data: Uint8Array) => ch.transmit(storeDataCommand(data), 'STORE DATA (ARA-M, through the ISD)');
    expect((await viaIsd(encodeStoreRules([VALID, CLONE]))).sw).toBe(0x9000);
    expect((await viaIsd(encodeStoreRules([VALID]))).sw).toBe(0x6381);
    expect((await viaIsd(encodeStoreRules([{ ref: VALID.ref, ar: { apdu: { kind: 'never' } } }]))).sw).toBe(0x6a89);
    expect((await viaIsd(fromHex(v.malformedStoreData.cases[0].data))).sw).toBe(0x6a80);
    expect((await viaIsd(encodeDelete({ ref: CLONE.ref }))).sw).toBe(0x9000);
    await select(ARA_M);
    expect(await rules()).toEqual([VALID]);
    expect(await refreshTag()).not.toBe(tag);
  });

  it('answers 6A84 when the rule store is full, storing nothing of the command that does not fit', async () => {
    // A second instance sized by its install parameters: 120 bytes, two 49-byte rules.
    expect(await createApplet(SMALL, fromHex('0078'))).toBe(0x9000);
    expect(await createApplet(BAD_PARAMS, fromHex('007800'))).toBe(0x6444);
    await select(SMALL);
    const [r1, r2, r3] = [filler(1), filler(2), filler(3)];
    expect(encodeRefArDo(r1).length).toBe(49);
    expect(await store(encodeStoreRules([r1]))).toBe(0x9000);
    const tag = await refreshTag();
    expect(await store(encodeStoreRules([r2, r3]))).toBe(0x6a84);
    expect(await rules()).toEqual([r1]);
    expect(await refreshTag()).toBe(tag);
    expect(await store(encodeStoreRules([r2]))).toBe(0x9000);
    expect(await store(encodeStoreRules([r3]))).toBe(0x6a84);
    expect(await store(encodeDelete({ rule: r1 }))).toBe(0x9000);
    expect(await store(encodeStoreRules([r3]))).toBe(0x9000);
    expect(await rules()).toEqual([r2, r3]);

    // The default store holds 1024 bytes: twenty of these rules and not a twenty-first.
    await select(ARA_M);
    await clearRules();
    for (let i = 0; i < 20; i++) expect(await store(encodeStoreRules([filler(i)])), `rule ${i}`).toBe(0x9000);
    expect(await store(encodeStoreRules([filler(20)]))).toBe(0x6a84);
    const full = await readAllRules(transmit);
    expect(full.rules).toHaveLength(20);
    expect(full.data.length).toBe(5 + 20 * 49);
  });

  it('refuses malformed rules with 6A80 and command data objects it does not implement with 6981, storing nothing', async () => {
    await select(ARA_M);
    await clearRules();
    const tag = await refreshTag();
    for (const m of v.malformedStoreData.cases) {
      expect(await store(fromHex(m.data)), m.id).toBe(Number.parseInt(m.sw, 16));
    }
    const valid = hex(encodeStoreRules([VALID]));
    const cases: [string, string][] = [
      ['a truncated REF-AR-DO', valid.slice(0, -2)],
      ['F0 length longer than the data', `F032${valid.slice(4)}`],
      ['a length not in its shortest form', `F08131${valid.slice(4)}`],
      ['bytes after the command data object', `${valid}00`],
      ['two command data objects', `${valid}F200`],
      ['an empty Command-Store-REF-AR-DO', 'F000'],
      ['a Command-UpdateRefreshTag with a value', 'F20100'],
      ['a Command-Delete selector of another kind', 'F103C10100'],
      ['an unknown command data object', 'E0020000'],
      ['a three-byte tag', 'DF810100'],
      // Published rules the SEAC encoding does not allow (vectors: strictness).
      ...v.strictness.map((x: { id: string; getDataAllResponse: string }): [string, string] => {
        const body = fromHex(x.getDataAllResponse).subarray(3); // the first E2 inside FF40 LL
        const e2 = body.subarray(0, 2 + body[1]!);
        return [x.id, hex(concat(Uint8Array.of(0xf0, e2.length), e2))];
      }),
    ];
    for (const [what, data] of cases) {
      expect(await store(fromHex(data)), what).toBe(0x6a80);
    }
    expect(await rules()).toEqual([]);
    expect(await refreshTag()).toBe(tag);
  });

  it('stores Android carrier-privilege rules and answers them as AOSP\'s test cards do', async () => {
    await select(ARA_M);
    for (const a of v.aospCarrierPrivileges) {
      await clearRules();
      const stored = decodeRuleSet(fromHex(a.getDataAllResponse));
      expect(await store(encodeStoreRules(stored)), a.id).toBe(0x9000);
      expect(hex((await s.send(getDataAllCommand(256))).data), a.id).toBe(a.getDataAllResponse);
    }
  });

  it('resolves GET DATA [Specific] as the harness resolves the GET DATA [All] rules, for every precedence case', async () => {
    await select(ARA_M);
    const r = v.resolver;
    const aidOf = (name: string): AidRef =>
      name === 'all' ? { kind: 'all-se-apps' } : name === 'default' ? { kind: 'default-selected' } : { kind: 'aid', aid: fromHex(r.aids[name] ?? name) };
    const hashOf = (name: string): Uint8Array => fromHex(r.hashes[name] ?? name);
    const filter = { header: fromHex(r.filter.header), mask: fromHex(r.filter.mask) };
    const apduOf = (a: string): ApduRule => (a === 'filter' ? { kind: 'filters', filters: [filter] } : { kind: a as 'never' | 'always' });
    let checked = 0;
    for (const c of r.cases) {
      if (c.request.apps.length !== 1) continue; // GET DATA [Specific] names one device application
      await clearRules();
      const set: RefArDo[] = c.rules.map((x: { aid: string; app: string; apdu: string; nfc?: 'never' | 'always' }) => ({
        ref: { aid: aidOf(x.aid), deviceAppId: hashOf(x.app) },
        ar: { apdu: apduOf(x.apdu), ...(x.nfc ? { nfc: x.nfc } : {}) },
      }));
      if (set.length > 0) expect(await store(encodeStoreRules(set)), c.id).toBe(0x9000);
      const aid = c.request.aid === 'default' ? ('default-selected' as const) : fromHex(r.aids[c.request.aid]);
      const app = hashOf(c.request.apps[0]);
      const expected = resolveAccess(set, { aid, deviceAppIds: [app] });
      const ref = { aid: aid === 'default-selected' ? ({ kind: 'default-selected' } as const) : ({ kind: 'aid', aid } as const), deviceAppId: app };
      const res = await s.transmit(getDataSpecificCommand(ref, 256));
      if (expected.step === 'no-rule') {
        expect(res.sw, c.id).toBe(0x6a88);
      } else {
        expect(res.sw, c.id).toBe(0x9000);
        const ar = decodeSpecificResponse(res.data)!;
        expect(ar.apdu, c.id).toEqual(expected.apdu);
        if (expected.rules.length === 0) expect(ar, c.id).toEqual({ apdu: { kind: 'never' }, nfc: 'never' });
        else expect(ar, c.id).toEqual(expected.rules[0]!.ar);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    // An AR-DO of 128 bytes or more comes back with a two-byte length.
    await clearRules();
    const filters = Array.from({ length: 16 }, (_, i) => ({ header: Uint8Array.of(0x80, i, 0, 0), mask: fromHex('FFFF0000') }));
    const wide: RefArDo = { ref: { aid: { kind: 'all-se-apps' }, deviceAppId: new Uint8Array(0) }, ar: { apdu: { kind: 'filters', filters } } };
    expect(await store(encodeStoreRules([wide]))).toBe(0x9000);
    const res = await s.send(getDataSpecificCommand({ aid: { kind: 'aid', aid: fromHex('A0000000010101') }, deviceAppId: new Uint8Array(20) }, 256));
    expect(hex(res.data.subarray(0, 4))).toBe('FF508186');
    expect(decodeArDo(res.data.subarray(4))).toEqual(wide.ar);
  });

  it('checks class, instruction and parameters', async () => {
    await select(ARA_M);
    const sw = async (cmd: CommandApdu): Promise<number> => (await s.transmit(cmd)).sw;
    expect(await sw({ cla: 0x00, ins: 0xca, p1: 0xff, p2: 0x40, le: 256 })).toBe(0x6e00);
    expect(await sw({ cla: 0x84, ins: 0xca, p1: 0xff, p2: 0x40, le: 256 })).toBe(0x6e00);
    expect(await sw({ cla: 0x80, ins: 0xcb, p1: 0xff, p2: 0x40, le: 256 })).toBe(0x6d00);
    expect(await sw({ cla: 0x80, ins: 0xca, p1: 0xff, p2: 0x41, le: 256 })).toBe(0x6a86);
    expect(await sw({ ...storeDataCommand(encodeUpdateRefreshTag()), p1: 0x80 })).toBe(0x6a86);
    expect(await sw({ ...storeDataCommand(encodeUpdateRefreshTag()), p2: 0x01 })).toBe(0x6a86);
    expect(await sw({ ...storeDataCommand(encodeUpdateRefreshTag()), p1: 0x91 })).toBe(0x9000);
  });

  it('keeps its rules in persistent memory across a power cycle', async () => {
    await select(ARA_M);
    await clearRules();
    expect(await store(encodeStoreRules([VALID, CLONE]))).toBe(0x9000);
    const tag = await refreshTag();
    await sim.transport.reset('cold');
    await select(ARA_M);
    expect(await rules()).toEqual([VALID, CLONE]);
    expect(await refreshTag()).toBe(tag);
    expect((await s.transmit(getDataNextCommand())).sw).toBe(0x6a88);
  });
});
