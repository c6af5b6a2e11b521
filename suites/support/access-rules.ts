// The ARA-M side of the service-lifecycle suite: the rules of an emulated card put in place as its carrier would
// have (jCardSim's CREATE APPLET, then STORE DATA), read back with GET DATA [All]/[Next], and described for the
// report. Real cards arrive with their carrier's rules; nothing here writes to them except the suite's own,
// reversible rule change.
import { fromHex, hex } from '../../harness/bytes.ts';
import type { CardSession } from '../../harness/apdu/session.ts';
import { CardError } from '../../harness/apdu/session.ts';
import { encodeStoreRules, readAllRules, storeDataCommand, type AidRef, type RefArDo } from '../../harness/gp/ara-m.ts';
import type { Profile, SimAccessRule } from '../../harness/profile/types.ts';
import { createAppletInstance } from '../../harness/sim/create-applet.ts';

export const DEFAULT_ARA_M_AID = 'A00000015141434C00';

export function araMAid(profile: Profile): string {
  return (profile.ixit.accessControl?.araM ?? DEFAULT_ARA_M_AID).toUpperCase();
}

/** A rule as the profile's sim.araM states it, in the harness's rule model. */
export function ruleFromProfile(r: SimAccessRule): RefArDo {
  const aid: AidRef = r.aid === 'all' ? { kind: 'all-se-apps' } : { kind: 'aid', aid: fromHex(r.aid) };
  const deviceAppId = r.app === 'all' ? new Uint8Array(0) : fromHex(r.app);
  return { ref: { aid, deviceAppId }, ar: { apdu: { kind: r.apdu } } };
}

export async function selectAraM(session: CardSession, aid: string): Promise<void> {
  const select = { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), le: 256 };
  const r = await session.transmit(select, { name: 'SELECT ARA-M' });
  if (r.sw !== 0x9000) throw new CardError(`SELECT ARA-M ${aid}`, select, r.sw);
}

/** Installs the emulated card's ARA-M and stores the carrier's rules from sim.araM, one STORE DATA per rule. */
export async function provisionSimAraM(session: CardSession, profile: Profile): Promise<number> {
  const aid = fromHex(araMAid(profile));
  // No application data: the ARA-M's default rule store.
  await createAppletInstance(session, aid);
  await selectAraM(session, hex(aid));
  const rules = (profile.sim?.araM?.rules ?? []).map(ruleFromProfile);
  for (const rule of rules) {
    const store = storeDataCommand(encodeStoreRules([rule]));
    const r = await session.transmit(store, { name: 'STORE DATA (ARA-M rule)' });
    if (r.sw !== 0x9000) throw new CardError('STORE DATA of an ARA-M rule', store, r.sw);
  }
  return rules.length;
}

export async function readRules(session: CardSession, aid: string): Promise<{ data: Uint8Array; rules: RefArDo[] }> {
  await selectAraM(session, aid);
  return readAllRules((cmd) => session.transmit(cmd, { name: cmd.p2 === 0x40 ? 'GET DATA [All]' : 'GET DATA [Next]' }));
}

function aidText(a: AidRef | undefined): string {
  if (!a) return '(none: a carrier-privilege rule)';
  if (a.kind === 'all-se-apps') return 'every applet';
  if (a.kind === 'default-selected') return 'the default-selected applet';
  return hex(a.aid);
}

/** One line per rule, for the report: which applet, which app, what access. */
export function describeRules(rules: RefArDo[], names: Map<string, string>): string {
  if (rules.length === 0) return '(no rules)';
  const lines = ['| applet | app (certificate hash) | APDU access | NFC |', '|---|---|---|---|'];
  for (const { ref, ar } of rules) {
    const h = ref.deviceAppId ? hex(ref.deviceAppId) : '';
    const app = !ref.deviceAppId ? '(none)' : h === '' ? 'every app' : `${h}${names.has(h) ? ` (${names.get(h)})` : ''}`;
    const apdu = !ar.apdu ? 'none' : ar.apdu.kind === 'filters' ? `filters ${ar.apdu.filters.map((f) => `${hex(f.header)}/${hex(f.mask)}`).join(', ')}` : ar.apdu.kind;
    lines.push(`| ${aidText(ref.aid)} | ${app} | ${apdu} | ${ar.nfc ?? '-'} |`);
  }
  return lines.join('\n');
}
