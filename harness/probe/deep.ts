// `simcert probe --deep`: what only code on the card can tell, asked by the capability-probe applet
// (lab/applets/capability-probe) loaded through the issuer security domain, asked once and deleted. NOT read-only:
// it authenticates (so it needs a test card and its ISD keys, and the lock ledger applies to real cards), loads,
// installs and deletes; it then checks with GET STATUS that the card's applications and load files are exactly as
// they were. The load file is the simulator's JAR form, so this runs on emulated cards; a real card needs the
// applet converted to a CAP by the lab's Java Card SDK, which this version does not take yet.
import type { CardSession } from '../apdu/session.ts';
import { hex } from '../bytes.ts';
import { getStatus, type RegistryEntry } from '../gp/card-content.ts';
import { deleteAid, installAndMakeSelectable, loadLoadFile } from '../gp/content.ts';
import { parseKeySpec } from '../gp/keys-spec.ts';
import { AuthLedger } from '../gp/ledger.ts';
import { buildJarLoadFile } from '../gp/load-file.ts';
import { openSecureChannel, type SecureChannel } from '../gp/secure-channel.ts';
import { resolveSecret } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { buildLab } from '../sim/build.ts';
import { ask, type Evidence } from './evidence.ts';

/** The probe applet's package and instance (simcert's private F0 53 4D ... AID range, as the lab's other applets). */
export const CAPABILITY_PROBE = {
  codebase: 'capability-probe',
  packageAid: 'F0534D434552544350',
  appletAid: 'F0534D43455254435001',
  class: 'org.simcert.applets.capability.CapabilityProbe',
} as const;

/** Bits of the applet's answer (CapabilityProbe.BIT_*). */
const BIT = { rsa2048: 0x01, rsa2048Keygen: 0x02, p256Keygen: 0x04, p384Keygen: 0x08, ecdsaSha256: 0x10, ecdsaSha384: 0x20, sha384: 0x40, rsaSha256: 0x80 };

export class DeepProbeRefused extends Error {}

export interface DeepResult {
  /** JCSystem.getVersion as major.minor bytes, and read as a version ("3.0.5" for 0x0305: the 3.0.x RE convention). */
  javaCardVersion: number;
  javaCard: string;
  rsa2048: boolean;
  onCardKeyGeneration: boolean;
  ecP256: boolean;
  ecP384: boolean;
  sha384: boolean;
  /** getAvailableMemory (the API caps each at 32767). */
  memory: { persistent: number; transientReset: number; transientDeselect: number };
  /** GET STATUS of applications and load files before and after: equal when the card is as it was. */
  contentRestored: boolean;
  evidence: Evidence[];
}

/** Refuses, before anything is sent, a profile that does not allow a deep probe. */
export function checkDeepAllowed(profile: Profile): void {
  if (!profile.card.testCard) throw new DeepProbeRefused(`${profile.file}: --deep loads and deletes an applet, so only a test card may be probed deep (card.testCard: true)`);
  if (!profile.ixit.gp) throw new DeepProbeRefused(`${profile.file}: --deep needs the issuer security domain and its keys (ixit.gp)`);
  if (!profile.card.emulated) throw new DeepProbeRefused(`${profile.file}: --deep on a real card needs the probe applet (lab/applets/${CAPABILITY_PROBE.codebase}) as a CAP file, which this simcert does not take yet; the read-only probe works`);
}

/** JCSystem.getVersion: major in the high byte, minor in the low; Java Card 3.0.x reports 3.0.minor that way. */
export function javaCardVersion(v: number): string {
  const major = v >> 8;
  const minor = v & 0xff;
  return major === 3 ? `3.0.${minor}` : `${major}.${minor}`;
}

async function content(ch: SecureChannel): Promise<string> {
  const sorted = (l: RegistryEntry[]): string[] => l.map((e) => `${e.aid}/${e.lifeCycle}/${e.privileges}`).sort();
  return JSON.stringify({ applications: sorted(await getStatus(ch, 0x40)), loadFiles: sorted(await getStatus(ch, 0x20)) });
}

export async function probeDeep(session: CardSession, profile: Profile): Promise<DeepResult> {
  checkDeepAllowed(profile);
  const gp = profile.ixit.gp!;
  const keys = parseKeySpec(await resolveSecret(gp.keys, 'ixit.gp.keys'), gp.kvn);
  const ledger = profile.card.emulated ? undefined : { ledger: new AuthLedger(), sdAid: gp.sd, acceptLockRisk: false };
  const evidence: Evidence[] = [];
  const open = async (): Promise<SecureChannel> => {
    const sel = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: Buffer.from(gp.sd, 'hex'), le: 256 }, 'SELECT ISD (deep probe)');
    evidence.push(...sel.evidence);
    return openSecureChannel(session, keys, { level: Number.parseInt(gp.level, 16), diversification: gp.diversification, sdAid: gp.sd, ...(ledger ? { ledger } : {}) });
  };
  const dir = (await buildLab()).applets[CAPABILITY_PROBE.codebase];
  if (!dir) throw new Error(`no applet codebase "${CAPABILITY_PROBE.codebase}" under lab/applets`);
  const loadFile = await buildJarLoadFile({ classesDir: dir, packageAid: CAPABILITY_PROBE.packageAid, applets: [{ aid: CAPABILITY_PROBE.appletAid, class: CAPABILITY_PROBE.class }] });

  let ch = await open();
  const before = await content(ch);
  if (before.includes(CAPABILITY_PROBE.packageAid)) throw new DeepProbeRefused(`the card already holds ${CAPABILITY_PROBE.packageAid}: a previous deep probe did not finish; delete it first`);
  let answer: Uint8Array | undefined;
  try {
    await loadLoadFile(ch, CAPABILITY_PROBE.packageAid, loadFile);
    await installAndMakeSelectable(ch, { loadFileAid: CAPABILITY_PROBE.packageAid, moduleAid: CAPABILITY_PROBE.appletAid, instanceAid: CAPABILITY_PROBE.appletAid });
    evidence.push(`LOAD ${CAPABILITY_PROBE.packageAid} (${loadFile.length} bytes) and INSTALL ${CAPABILITY_PROBE.appletAid} through the ISD: 9000`);
    const sel = await ask(session, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: Buffer.from(CAPABILITY_PROBE.appletAid, 'hex') }, 'SELECT capability probe');
    evidence.push(...sel.evidence);
    const r = await ask(session, { cla: 0x80, ins: 0x10, p1: 0x00, p2: 0x00, le: 256 }, 'capability report');
    evidence.push(...r.evidence);
    if (r.sw === 0x9000 && r.data.length >= 10) answer = r.data;
  } finally {
    ch = await open();
    const sw = await deleteAid(ch, CAPABILITY_PROBE.packageAid, { related: true });
    evidence.push(`DELETE ${CAPABILITY_PROBE.packageAid} and its instance: ${sw.toString(16).toUpperCase()}`);
  }
  const after = await content(ch);
  evidence.push(`GET STATUS applications and load files ${after === before ? 'equal' : 'DIFFER'} before and after`);
  if (!answer) throw new Error(`the capability probe applet gave no report: ${evidence.slice(-3).join('; ')}`);
  const bits = (answer[2]! << 8) | answer[3]!;
  const has = (b: number): boolean => (bits & b) !== 0;
  const u16 = (o: number): number => (answer![o]! << 8) | answer![o + 1]!;
  const version = u16(0);
  return {
    javaCardVersion: version,
    javaCard: javaCardVersion(version),
    rsa2048: has(BIT.rsa2048),
    // On-card generation of any JPKI key type counts: an EC-only card (the next-generation variant) generates P-384.
    onCardKeyGeneration: has(BIT.rsa2048Keygen) || has(BIT.p256Keygen) || has(BIT.p384Keygen),
    ecP256: has(BIT.p256Keygen) && has(BIT.ecdsaSha256),
    ecP384: has(BIT.p384Keygen) && has(BIT.ecdsaSha384) && has(BIT.sha384),
    sha384: has(BIT.sha384),
    memory: { persistent: u16(4), transientReset: u16(6), transientDeselect: u16(8) },
    contentRestored: after === before,
    evidence: [...evidence, `report: version ${hex(answer.subarray(0, 2))}, support bits ${hex(answer.subarray(2, 4))}, memory ${hex(answer.subarray(4, 10))}`],
  };
}
