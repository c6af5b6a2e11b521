// Logical channels and the transmission behaviour a terminal must cope with, measured rather than read from the
// ATR: MANAGE CHANNEL open (ISO/IEC 7816-4 11.1.2) until the card refuses, then every opened channel closed
// again; one case-4 command in the extended form (ISO/IEC 7816-3 12.1.3) that selects the MF and so cannot change
// the card; and on T=0 whether the card uses 61xx (GET RESPONSE) and 6Cxx (wrong Le) as ISO/IEC 7816-3 12.2
// says. Channels are volatile: opening and closing them leaves nothing on the card.
import { encodeCommand } from '../apdu/apdu.ts';
import type { CardSession } from '../apdu/session.ts';
import { swHex } from '../apdu/status-words.ts';
import { hex } from '../bytes.ts';
import { ask, type Evidence } from './evidence.ts';

/** ISO/IEC 7816-4 numbers channels 0 to 19. */
const MAX_CHANNELS = 20;

export interface Channels {
  /** Channels the card supports, the basic channel included: opened + 1. */
  count: number;
  /** The status word that ended the opening (absent when MAX_CHANNELS was reached). */
  refusedWith?: string;
  evidence: Evidence[];
}

export async function probeChannels(session: CardSession): Promise<Channels> {
  const evidence: Evidence[] = [];
  const opened: number[] = [];
  let refusedWith: string | undefined;
  while (opened.length < MAX_CHANNELS - 1) {
    const r = await ask(session, { cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 }, 'MANAGE CHANNEL open');
    evidence.push(...r.evidence);
    if (r.sw !== 0x9000 || r.data.length !== 1) {
      refusedWith = swHex(r.sw);
      break;
    }
    opened.push(r.data[0]!);
  }
  for (const n of opened) {
    const r = await ask(session, { cla: 0x00, ins: 0x70, p1: 0x80, p2: n }, `MANAGE CHANNEL close ${n}`);
    evidence.push(...r.evidence);
  }
  return { count: opened.length + 1, ...(refusedWith ? { refusedWith } : {}), evidence };
}

export interface ExtendedLength {
  supported: boolean;
  evidence: Evidence[];
  why: string;
}

/**
 * SELECT MF (00 A4 00 04, FCP asked) as an extended case-4 APDU: Lc 00 0002, Le 0000. Sent right after a reset,
 * with no application selected on the basic channel. A card that does not take the extended form answers 6700
 * (wrong length) or the reader refuses it; any other answer means the card parsed it.
 */
export async function probeExtendedLength(session: CardSession): Promise<ExtendedLength> {
  const cmd = { cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x04, data: Uint8Array.of(0x3f, 0x00), le: 65536 };
  const wire = encodeCommand(cmd, { extended: true });
  let raw: Uint8Array;
  try {
    raw = await session.transport.transmit(wire);
  } catch (err) {
    return { supported: false, evidence: [`${hex(wire).toUpperCase()} -> (refused: ${(err as Error).message})`], why: 'the reader or transport refused the extended APDU' };
  }
  const sw = raw.length >= 2 ? (raw[raw.length - 2]! << 8) | raw[raw.length - 1]! : 0;
  const data = hex(raw.subarray(0, Math.max(0, raw.length - 2))).toUpperCase();
  const evidence = [`${hex(wire).toUpperCase()} -> ${data ? `${data} ` : ''}${hex(raw.subarray(raw.length - 2)).toUpperCase()}`];
  if (raw.length < 2) return { supported: false, evidence, why: 'no status word' };
  if (sw === 0x6700) return { supported: false, evidence, why: '6700 (wrong length) to an extended case-4 APDU' };
  return { supported: true, evidence, why: `the card answered the extended case-4 APDU on its merits (${swHex(sw)}), not 6700` };
}

export interface T0Behaviour {
  /** A case-4 command's answer came through 61xx + GET RESPONSE. */
  getResponse: boolean;
  /** A case-2 command with the wrong Le got 6Cxx and the re-sent command its data. */
  wrongLe: boolean;
  evidence: Evidence[];
}

/**
 * On T=0 (ISO/IEC 7816-3 12.2.2-12.2.4): a case-4 SELECT of the ISD (answered with an FCI) and a case-2 GET DATA
 * CPLC with P3 = 00 show whether the card drives 61xx and 6Cxx; the session follows both, the trace shows them.
 */
export async function probeT0(session: CardSession, isdAid: string | undefined): Promise<T0Behaviour> {
  const evidence: Evidence[] = [];
  let getResponse = false;
  let wrongLe = false;
  if (isdAid) {
    const r = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: Buffer.from(isdAid, 'hex'), le: 256 }, 'SELECT ISD (T=0 case 4)');
    evidence.push(...r.evidence);
    getResponse = r.evidence.some((e) => / -> 61[0-9A-F]{2}$/.test(e)) && r.evidence.some((e) => /^0[0-3]C0/.test(e));
    const g = await ask(session, { cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x7f, le: 256 }, 'GET DATA CPLC (T=0 case 2, P3 00)');
    evidence.push(...g.evidence);
    wrongLe = g.evidence.some((e) => / -> 6C[0-9A-F]{2}$/.test(e)) && g.sw === 0x9000;
  }
  return { getResponse, wrongLe, evidence };
}
