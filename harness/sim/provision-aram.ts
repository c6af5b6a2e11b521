// The ARA-M of an emulated card put in place as its carrier would have before the card left the factory: jCardSim's
// CREATE APPLET, then one STORE DATA per rule the profile's sim.araM lists. Shared by the service-lifecycle suite
// and `simcert sim serve` (a standing card must carry the same rules the suites certify). Real cards arrive with
// their carrier's rules; nothing here is for them.
import { fromHex, hex } from '../bytes.ts';
import type { CardSession } from '../apdu/session.ts';
import { describeSw } from '../apdu/status-words.ts';
import { encodeStoreRules, storeDataCommand, type AidRef, type RefArDo } from '../gp/ara-m.ts';
import type { Profile, SimAccessRule } from '../profile/types.ts';
import { createAppletInstance } from './create-applet.ts';

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
  const r = await session.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), le: 256 }, { name: 'SELECT ARA-M' });
  if (r.sw !== 0x9000 && r.sw >> 8 !== 0x61) throw new Error(`SELECT ARA-M ${aid} (00 A4 04 00): the card answered ${describeSw(r.sw)}`);
}

/** Installs the emulated card's ARA-M and stores the carrier's rules from sim.araM, one STORE DATA per rule. */
export async function provisionSimAraM(session: CardSession, profile: Profile): Promise<number> {
  const aid = fromHex(araMAid(profile));
  // No application data: the ARA-M's default rule store.
  await createAppletInstance(session, aid);
  await selectAraM(session, hex(aid));
  const rules = (profile.sim?.araM?.rules ?? []).map(ruleFromProfile);
  for (const rule of rules) {
    const r = await session.transmit(storeDataCommand(encodeStoreRules([rule])), { name: 'STORE DATA (ARA-M rule)' });
    if (r.sw !== 0x9000) throw new Error(`STORE DATA of an ARA-M rule (80 E2 90 00): the card answered ${describeSw(r.sw)}`);
  }
  return rules.length;
}
