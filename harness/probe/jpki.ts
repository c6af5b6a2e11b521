// Whether the JPKI AP is already on the card, and in what state, read the way OpenSC's pkcs15-jpki.c binds to a
// My Number card (/work/shared/reference/jpki-card-interface.md): SELECT the AP, READ BINARY of the token
// information (EF 0006) and of the certificate presence (EF 0008), and the tries left of both PINs by a bare
// VERIFY (00 20 00 80, no data, no Le) after selecting the PIN EF (0018 user authentication, 001B signing).
// A bare VERIFY carries no PIN, so it cannot spend a try; nothing else is sent to the PINs.
import type { CardSession } from '../apdu/session.ts';
import { triesLeft } from '../apdu/status-words.ts';
import { hex } from '../bytes.ts';
import { parseTokenInfo } from '../jpki/token-info.ts';
import { ask, worked, type Evidence } from './evidence.ts';

export const JPKI_AID = 'D392F000260100000001';

export interface PinState {
  /** Tries left from 63Cx; undefined when the card gave no count. */
  triesLeft?: number;
  /** 6983 / 6984: the PIN is blocked. */
  blocked: boolean;
  sw: string;
}

export interface JpkiInfo {
  present: boolean;
  tokenLabel?: string;
  tokenInfoRaw?: string;
  presence?: string;
  userAuthPin?: PinState;
  signingPin?: PinState;
  evidence: Evidence[];
}

async function selectEf(session: CardSession, fid: number, ev: Evidence[]): Promise<boolean> {
  const r = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff) }, `SELECT EF ${fid.toString(16).padStart(4, '0')}`);
  ev.push(...r.evidence);
  return worked(r);
}

async function pinState(session: CardSession, fid: number, ev: Evidence[]): Promise<PinState | undefined> {
  if (!(await selectEf(session, fid, ev))) return undefined;
  // Case 1: no Lc, no data, no Le (a trailing Le gets 6700 on a real card).
  const r = await ask(session, { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }, 'VERIFY (bare: tries left)');
  ev.push(...r.evidence);
  const sw = r.sw.toString(16).toUpperCase().padStart(4, '0');
  const left = triesLeft(r.sw);
  return { ...(left !== undefined ? { triesLeft: left } : {}), blocked: r.sw === 0x6983 || r.sw === 0x6984, sw };
}

export async function probeJpki(session: CardSession, aid: string = JPKI_AID): Promise<JpkiInfo> {
  const evidence: Evidence[] = [];
  const sel = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: Buffer.from(aid, 'hex') }, 'SELECT JPKI AP');
  evidence.push(...sel.evidence);
  if (!worked(sel)) return { present: false, evidence };
  const out: JpkiInfo = { present: true, evidence };
  if (await selectEf(session, 0x0006, evidence)) {
    const r = await ask(session, { cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 256 }, 'READ BINARY EF 0006 (token information)');
    evidence.push(...r.evidence);
    if (worked(r)) {
      out.tokenInfoRaw = hex(r.data).toUpperCase();
      try {
        out.tokenLabel = parseTokenInfo(r.data).label;
      } catch {
        // not CK_TOKEN_INFO text: the raw bytes are kept
      }
    }
  }
  if (await selectEf(session, 0x0008, evidence)) {
    const r = await ask(session, { cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 3 }, 'READ BINARY EF 0008 (certificates present)');
    evidence.push(...r.evidence);
    if (worked(r)) out.presence = hex(r.data).toUpperCase();
  }
  const ua = await pinState(session, 0x0018, evidence);
  if (ua) out.userAuthPin = ua;
  const sg = await pinState(session, 0x001b, evidence);
  if (sg) out.signingPin = sg;
  return out;
}
