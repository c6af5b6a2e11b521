// The ARA-M side of the service-lifecycle suite: the rules of an emulated card put in place as its carrier would
// have (jCardSim's CREATE APPLET, then STORE DATA), read back with GET DATA [All]/[Next], and described for the
// report. Real cards arrive with their carrier's rules; nothing here writes to them except the suite's own,
// reversible rule change.
import { hex } from '../../harness/bytes.ts';
import type { CardSession } from '../../harness/apdu/session.ts';
import { readAllRules, type AidRef, type RefArDo } from '../../harness/gp/ara-m.ts';
import { selectAraM } from '../../harness/sim/provision-aram.ts';

// Installing the ARA-M with the profile's rules is shared with `simcert sim serve`: it lives in harness/sim.
export { araMAid, DEFAULT_ARA_M_AID, provisionSimAraM, ruleFromProfile, selectAraM } from '../../harness/sim/provision-aram.ts';

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
