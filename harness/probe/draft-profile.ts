// The probe's answer as a profile a lab can start from: the ICS the card showed, each claim preceded by YAML
// comments giving the basis and the commands and answers behind it, and an IXIT that reaches the same card
// again (reader, ATR, ICCID, ISD AID and key version, ARA-M rules). Secrets are never on the card's answers and
// never in the draft: the PIN and the domain keys are environment-variable references to fill in. The text is
// written by hand rather than through a YAML library so the comments sit next to the claims they explain.
import { hex } from '../bytes.ts';
import { JPKI_AID } from './jpki.ts';
import type { ProbedClaim, ProbeResult } from './probe.ts';

/** Environment variables the draft names for the secrets a lab must supply. */
export const DRAFT_PIN_ENV = 'SIMCERT_JPKI_PIN';
export const DRAFT_GP_KEYS_ENV = 'SIMCERT_GP_KEYS';

/** At most this many evidence lines per claim; the JSON result (--json) keeps them all. */
const EVIDENCE_LINES = 12;

function q(s: string): string {
  return JSON.stringify(s);
}

function comment(lines: string[], indent: string): string[] {
  return lines.map((l) => `${indent}# ${l.replace(/\n/g, ' ')}`);
}

function claimLines(c: ProbedClaim): string[] {
  const ev = c.evidence.length > EVIDENCE_LINES ? [...c.evidence.slice(0, EVIDENCE_LINES), `... ${c.evidence.length - EVIDENCE_LINES} more exchanges`] : c.evidence;
  const value = typeof c.value === 'string' ? q(c.value) : String(c.value);
  return [...comment([`${c.claim}: ${c.basis}`, ...ev.map((e) => `  ${e}`)], '  '), `  ${c.claim}: ${value}`];
}

export interface DraftOptions {
  /** The PC/SC reader the card was in; absent for a simulator. */
  reader?: string;
  /** What was probed, for the header ("reader X", "the bundled simulator started from P"). */
  source: string;
  date: Date;
}

export function draftProfileYaml(r: ProbeResult, opts: DraftOptions): string {
  const out: string[] = [];
  out.push(...comment([
    `Draft profile written by \`simcert probe\` on ${opts.date.toISOString()} from ${opts.source}.`,
    'Read-only probe: no authentication, no install, no PIN. Each claim is preceded by its basis and the exchanges',
    '(command -> answer and status word) it rests on. Review it, name the carrier and variant, and set',
    `${DRAFT_PIN_ENV} and ${DRAFT_GP_KEYS_ENV} (never write a real card's secrets here) before \`simcert run\`.`,
  ], ''));
  const ident = r.files.iccid ?? r.isd.cplc?.icSerialNumber ?? r.atr.hex.slice(0, 16);
  out.push(`name: ${q(`Probed card ${ident}`)}`);
  out.push('card:');
  out.push(`  carrier: ${q('unknown (not on the card: write the carrier)')}`);
  out.push(`  variant: ${q(`probed ${ident}`)}`);
  out.push('  emulated: false');
  out.push('  testCard: false              # true only if the lab may lock, re-install and personalize this card');
  out.push('');
  out.push('ics:');
  for (const c of r.claims) out.push(...claimLines(c));
  out.push(...comment(['Not shown by this probe (the schema default applies until you write a value):',
    ...r.unknown.map((u) => `  ${u.claim}: ${u.why}`)], '  '));
  out.push('');
  out.push('ixit:');
  out.push('  transport: pcsc');
  if (opts.reader) out.push(`  reader: ${q(opts.reader)}`);
  out.push('  atr:');
  out.push(...comment([r.atr.summary], '    '));
  out.push(`    value: ${r.atr.hex}`);
  if (r.files.iccid) {
    out.push(...comment(['EF ICCID (2FE2) under the MF', ...r.files.evidence.filter((e) => e.startsWith('00B0')).slice(0, 2)], '  '));
    out.push('  identity:');
    out.push(`    iccid: ${q(r.files.iccid)}`);
  }
  out.push('  jpki:');
  out.push(...comment(jpkiNotes(r), '    '));
  out.push(`    aid: ${JPKI_AID}`);
  out.push(`    pin: { env: ${DRAFT_PIN_ENV} }`);
  if (r.jpki.signingPin) out.push(`    signingPin: { env: SIMCERT_JPKI_SIGNING_PIN }   # the signing password; remove to skip the signing half`);
  out.push(`    install: none              # ${r.jpki.present ? 'the JPKI AP is on the card' : 'the JPKI AP is not on the card: install it (install: gp and a gp.loadFile { cap: FILE })'}`);
  if (r.isd.aid && /^[0-9A-F]{10,32}$/.test(r.isd.aid)) {
    out.push('  gp:');
    out.push(...comment([`ISD found by SELECT ${r.isd.aid}${r.isd.maxCommandData !== undefined ? `; FCI 9F65: ${r.isd.maxCommandData} bytes of command data at most` : ''}`,
      ...(r.isd.cplc ? [`CPLC: IC fabricator ${r.isd.cplc.icFabricator}, IC type ${r.isd.cplc.icType}, OS ${r.isd.cplc.osId}, IC serial ${r.isd.cplc.icSerialNumber}`] : ['CPLC: not given']),
      ...(r.isd.sequenceCounter !== undefined ? [`sequence counter (C1): ${r.isd.sequenceCounter}`] : []),
      ...r.isd.evidence.select.slice(-1)], '    '));
    out.push(`    sd: ${r.isd.aid}`);
    const key = r.isd.keys?.[0];
    if (key) {
      out.push(...comment([`key information template (E0): ${r.isd.keys!.map((k) => `id ${k.id} KVN ${hex(Uint8Array.of(k.kvn))} ${k.components.map((c) => `type ${hex(Uint8Array.of(c.type))} ${c.length} bytes`).join(', ')}`).join('; ')}`,
        ...r.isd.evidence.keys], '    '));
      if (key.kvn <= 127) out.push(`    kvn: ${key.kvn}                    # 0x${hex(Uint8Array.of(key.kvn))}`);
    }
    out.push(`    keys: { env: ${DRAFT_GP_KEYS_ENV} }`);
  }
  const apps = approvedApps(r);
  if (r.araM.present && apps.length > 0) {
    out.push('  accessControl:');
    out.push(...comment(['rules the ARA-M gives any terminal (GET DATA [All]) for the JPKI AP', ...r.araM.evidence.slice(-2)], '    '));
    out.push('    approvedApps:');
    apps.forEach((h, i) => out.push(`      - { name: ${q(`app ${i + 1} (from the ARA-M)`)}, hash: ${h} }`));
  } else if (r.araM.present) {
    out.push(...comment(['The card has an ARA-M but no rule names the JPKI AP: list the approved apps as ixit.accessControl.approvedApps.'], '  '));
  }
  out.push('');
  out.push('suites: []                   # add the suites to run: simcert run --help lists them');
  return `${out.join('\n')}\n`;
}

function jpkiNotes(r: ProbeResult): string[] {
  const j = r.jpki;
  if (!j.present) return ['JPKI AP: SELECT refused (not on the card)', ...j.evidence.slice(0, 1)];
  const pin = (p: typeof j.userAuthPin): string => (p ? (p.blocked ? `blocked (${p.sw})` : p.triesLeft !== undefined ? `${p.triesLeft} tries left` : `answered ${p.sw}`) : 'PIN EF not found');
  return [
    'JPKI AP present',
    ...(j.tokenLabel !== undefined ? [`token label (EF 0006): ${q(j.tokenLabel)}`] : []),
    ...(j.presence ? [`certificates present (EF 0008): ${j.presence}`] : []),
    `user-authentication PIN (EF 0018): ${pin(j.userAuthPin)}; signing password (EF 001B): ${pin(j.signingPin)}`,
    ...j.evidence.filter((e) => e.startsWith('00200080 ')),
  ];
}

/** Device app hashes the ARA-M lets reach the JPKI AP with every APDU. */
function approvedApps(r: ProbeResult): string[] {
  const out: string[] = [];
  for (const rule of r.araM.rules ?? []) {
    const target = rule.ref.aid;
    const forJpki = target?.kind === 'aid' && hex(target.aid).toUpperCase() === JPKI_AID;
    const id = rule.ref.deviceAppId;
    if (forJpki && id && id.length > 0 && rule.ar.apdu?.kind === 'always') out.push(hex(id).toUpperCase());
  }
  return [...new Set(out)];
}
