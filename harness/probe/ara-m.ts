// Whether the card carries an ARA-M (GlobalPlatform Secure Element Access Control 1.1), and the rules it gives
// any terminal: SELECT the ARA-M AID, then GET DATA [All] (80 CA FF 40) and [Next] (FF 60), as Android's access
// control enforcer reads them. Reading rules is open to everyone by design; nothing is stored.
import type { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import { ARA_M_AID, decodeRuleSet, getDataAllCommand, getDataNextCommand, type RefArDo } from '../gp/ara-m.ts';
import { ask, worked, type Evidence } from './evidence.ts';

export interface AraMInfo {
  present: boolean;
  /** Rules whose target is the given AID: the device app hashes (hex) that may reach it. */
  rules?: RefArDo[];
  evidence: Evidence[];
}

export async function probeAraM(session: CardSession): Promise<AraMInfo> {
  const evidence: Evidence[] = [];
  const sel = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: ARA_M_AID, le: 256 }, 'SELECT ARA-M');
  evidence.push(...sel.evidence);
  if (!worked(sel)) return { present: false, evidence };
  const first = await ask(session, getDataAllCommand(), 'GET DATA [All] (ARA-M rules)');
  evidence.push(...first.evidence);
  if (!worked(first)) return { present: true, evidence };
  let all = Buffer.from(first.data);
  const total = announcedLength(all);
  for (let round = 0; total !== undefined && all.length < total && round < 64; round++) {
    const next = await ask(session, getDataNextCommand(), 'GET DATA [Next] (ARA-M rules)');
    evidence.push(...next.evidence);
    if (!worked(next)) break;
    all = Buffer.concat([all, next.data]);
  }
  try {
    return { present: true, rules: decodeRuleSet(all), evidence };
  } catch (err) {
    evidence.push(`(rules not readable: ${(err as Error).message}; ${hex(all).slice(0, 64)})`);
    return { present: true, evidence };
  }
}

/** FF40 L...: the size of the whole answer the first block announces (BER length, up to 3 bytes). */
function announcedLength(b: Uint8Array): number | undefined {
  if (b.length < 3 || b[0] !== 0xff || b[1] !== 0x40) return undefined;
  const l = b[2]!;
  if (l < 0x80) return 3 + l;
  const n = l & 0x7f;
  if (n < 1 || n > 3 || b.length < 3 + n) return undefined;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[3 + i]!;
  return 3 + n + v;
}
