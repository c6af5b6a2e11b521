// `simcert probe`: asks a card what conformance testers ask, read-only (no authentication, no install, no PIN), and
// turns the answers into ICS claims, each with the commands and answers it rests on. The order matters: the
// extended-length test goes first, right after power-up, while no application is selected on the basic channel.
// Claims a read-only probe cannot see are listed with the reason (NOT_READ_ONLY) rather than guessed.
import type { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import type { Profile } from '../profile/types.ts';
import { probeAraM, type AraMInfo } from './ara-m.ts';
import { describeAtr, parseAtr, type Atr } from './atr.ts';
import { probeChannels, probeExtendedLength, probeT0, type Channels, type ExtendedLength, type T0Behaviour } from './channels.ts';
import type { Evidence } from './evidence.ts';
import { probeDeep, type DeepResult } from './deep.ts';
import { probeIsd, type IsdInfo } from './isd.ts';
import { probeIsoFiles, type IsoFiles } from './iso-files.ts';
import { probeJpki, type JpkiInfo } from './jpki.ts';

export type Ics = Profile['ics'];
export type IcsClaim = keyof Ics;

/** One claim the card showed, with what showed it. */
export interface ProbedClaim<K extends IcsClaim = IcsClaim> {
  claim: K;
  value: Ics[K];
  /** Why this value, in a few words. */
  basis: string;
  evidence: Evidence[];
}

/**
 * ICS claims a read-only probe cannot establish, and why. The round-trip test compares every other claim of each
 * emulated profile; this list is what it leaves out, and the README says the same.
 */
export const NOT_READ_ONLY: Readonly<Partial<Record<IcsClaim, string>>> = {
  rsa2048: 'algorithm support is known only to code on the card (--deep loads a probe applet)',
  onCardKeyGeneration: 'only an applet can try GENERATE KEY PAIR (--deep)',
  ecP256: 'only an applet can ask for EC keys (--deep)',
  ecP384: 'only an applet can ask for EC keys (--deep)',
  javaCard: 'card recognition data gives the major version at most; JCSystem.getVersion needs an applet (--deep)',
  sha1DigestInfo: 'a property of the JPKI applet\'s signing, shown by the jpki-signing suite',
  keyInjection: 'needs the security domain\'s keys (personalization through STORE DATA)',
  supplementaryDomains: 'creating a domain needs an authenticated ISD',
  delegatedManagement: 'needs an authenticated ISD and a DM token',
  dap: 'DAP verification shows only in a LOAD through a domain with the DAP Verification privilege, which needs an authenticated ISD',
  otaRam: 'remote management answers only a secured packet, which needs the OTA keys (KIc/KID)',
  araMUpdate: 'storing ARA-M rules needs an authenticated security domain',
  applicationLocking: 'SET STATUS needs an authenticated security domain',
};

export interface ProbeResult {
  reader: string;
  atr: { hex: string; parsed: Atr; summary: string };
  extendedLength: ExtendedLength;
  files: IsoFiles;
  isd: IsdInfo;
  araM: AraMInfo;
  jpki: JpkiInfo;
  channels: Channels;
  t0?: T0Behaviour;
  /** --deep only: what the capability-probe applet reported, and whether the card's content was restored. */
  deep?: DeepResult;
  claims: ProbedClaim[];
  /** Claims the card did not show, with the reason (NOT_READ_ONLY, or the card did not answer). */
  unknown: { claim: IcsClaim; why: string }[];
}

/**
 * Probes the card; with `deep` (a test card's profile with its ISD keys), afterwards loads the capability-probe
 * applet for the claims only code on the card can establish (deep.ts): that part is not read-only.
 */
export async function probeCard(session: CardSession, reader: string, opts: { deep?: Profile } = {}): Promise<ProbeResult> {
  const atr = parseAtr(session.atr);
  const extendedLength = await probeExtendedLength(session);
  const files = await probeIsoFiles(session);
  const isd = await probeIsd(session);
  const araM = await probeAraM(session);
  const jpki = await probeJpki(session);
  const channels = await probeChannels(session);
  const t0 = atr.protocols.includes(0) ? await probeT0(session, isd.aid) : undefined;
  const result: ProbeResult = {
    reader,
    atr: { hex: hex(session.atr).toUpperCase(), parsed: atr, summary: describeAtr(atr) },
    extendedLength, files, isd, araM, jpki, channels, ...(t0 ? { t0 } : {}),
    claims: [], unknown: [],
  };
  if (opts.deep) result.deep = await probeDeep(session, opts.deep);
  deriveClaims(result);
  return result;
}

/** The claims the capability-probe applet establishes (--deep). */
const DEEP_CLAIMS = ['rsa2048', 'onCardKeyGeneration', 'ecP256', 'ecP384', 'javaCard'] as const;

function deriveClaims(r: ProbeResult): void {
  const atrEvidence = [`ATR ${r.atr.hex}: ${r.atr.summary}`];
  const add = <K extends IcsClaim>(claim: K, value: Ics[K], basis: string, evidence: Evidence[]): void => {
    r.claims.push({ claim, value, basis, evidence } as ProbedClaim);
  };
  const t0Evidence = r.t0 ? [`T=0 behaviour: 61xx/GET RESPONSE ${r.t0.getResponse ? 'seen' : 'not seen'}, 6Cxx re-send ${r.t0.wrongLe ? 'seen' : 'not seen'}`, ...r.t0.evidence] : [];
  add('t0', r.atr.parsed.protocols.includes(0), r.atr.parsed.protocols.includes(0) ? 'the ATR offers T=0' : 'the ATR does not offer T=0', [...atrEvidence, ...t0Evidence]);
  add('t1', r.atr.parsed.protocols.includes(1), r.atr.parsed.protocols.includes(1) ? 'the ATR offers T=1' : 'the ATR does not offer T=1', atrEvidence);
  const caps = r.atr.parsed.capabilities;
  add('extendedLength', r.extendedLength.supported, r.extendedLength.why,
    [...r.extendedLength.evidence, ...(caps ? [`ATR card capabilities declare extended Lc/Le: ${caps.extendedLength ? 'yes' : 'no'}`] : []),
      ...(r.files.efAtr?.extendedLengthInfo ? [`EF.ATR extended length information 7F66 ${r.files.efAtr.extendedLengthInfo}`] : [])]);
  add('logicalChannels', r.channels.count,
    `${r.channels.count - 1} MANAGE CHANNEL open(s) worked${r.channels.refusedWith ? `, the next was refused with ${r.channels.refusedWith}` : ''}`,
    [...r.channels.evidence, ...(caps ? [`ATR card capabilities declare ${caps.maxLogicalChannels}${caps.maxLogicalChannels === 8 ? ' or more' : ''} channel(s)`] : [])]);
  const rec = r.isd.recognition;
  if (rec?.gpVersion) add('globalPlatform', rec.gpVersion, 'card recognition data (66), card management type and version OID', r.isd.evidence.recognition);
  else r.unknown.push({ claim: 'globalPlatform', why: 'the card gave no card recognition data with a version (GET DATA 66)' });
  if (rec?.scp && (rec.scp.version === 2 || rec.scp.version === 3)) {
    add('scp', `0${rec.scp.version}` as Ics['scp'], 'card recognition data (66), secure channel protocol OID', r.isd.evidence.recognition);
    add('scpI', hex(Uint8Array.of(rec.scp.i)).toUpperCase(), 'card recognition data (66), the i parameter after the SCP', r.isd.evidence.recognition);
  } else {
    r.unknown.push({ claim: 'scp', why: 'the card named no SCP02/SCP03 in card recognition data (GET DATA 66)' });
    r.unknown.push({ claim: 'scpI', why: 'the card named no SCP02/SCP03 in card recognition data (GET DATA 66)' });
  }
  add('araM', r.araM.present, r.araM.present ? 'SELECT of the ARA-M AID worked' : 'SELECT of the ARA-M AID was refused', r.araM.evidence);
  const free = r.isd.resources?.freeNonVolatile;
  if (free !== undefined) add('persistentMemory', free, 'extended card resources (FF21), free non-volatile memory (82)', r.isd.evidence.resources);
  else r.unknown.push({ claim: 'persistentMemory', why: 'the card does not state its free memory (GET DATA FF21)' });
  const d = r.deep;
  if (d) {
    const basis: Record<(typeof DEEP_CLAIMS)[number], string> = {
      rsa2048: 'probe applet, an RSA-2048 CRT private key (KeyBuilder.buildKey)',
      onCardKeyGeneration: 'probe applet, an RSA-2048 key pair generated on the card (KeyPair.genKeyPair)',
      ecP256: 'probe applet, a P-256 key pair generated and ECDSA with SHA-256',
      ecP384: 'probe applet, a P-384 key pair generated, ECDSA with SHA-384 and SHA-384',
      javaCard: `probe applet, JCSystem.getVersion() = ${d.javaCardVersion.toString(16).padStart(4, '0')}`,
    };
    for (const claim of DEEP_CLAIMS) {
      const v = d[claim];
      add(claim, v, `${basis[claim]}${typeof v === 'boolean' ? `: ${v ? 'works' : 'refused'}` : ''} (--deep)`, d.evidence);
    }
  }
  for (const [claim, why] of Object.entries(NOT_READ_ONLY) as [IcsClaim, string][]) {
    if (!(d && (DEEP_CLAIMS as readonly string[]).includes(claim))) r.unknown.push({ claim, why });
  }
}
