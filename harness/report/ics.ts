// `simcert profile ics`: a profile as the ICS and IXIT proforma tables (ISO/IEC 9646-7) a lab attaches to a
// certificate: item, question, status (m / o / o.N / c.N, and what a condition resolves to for this card), support
// (the profile's answer) and the clauses it refers to. The questions come from harness/profile/proforma.ts; the
// answers from the resolved profile. Secrets are never printed: a PIN or key shows where it comes from ("secret (from
// env SIMCERT_GP_KEYS)") or that it is an inline test value, never its value.
// The statement also says whether the card claims every mandatory capability (ISO/IEC 9646-7's global statement of
// conformance), naming each item that falls short, so a lab sees an incomplete ICS before it runs a suite.
import { dirname, join, relative } from 'node:path';
import { Eta } from 'eta';
import { MNEMONICS } from '../profile/applicability.ts';
import {
  CONDITIONS, ICS_ROWS, ICS_TABLES, IXIT_ROWS, IXIT_TABLES, OPTION_GROUPS, type ProformaRow, type ResolvedStatus,
} from '../profile/proforma.ts';
import type { Profile, SecretRef } from '../profile/types.ts';
import { parseClause } from '../../suites/support/requirements.ts';

type Ics = Profile['ics'];

export interface ProformaCell {
  item: string;
  /** The profile field the row answers, e.g. `ics.ecP256`. */
  field: string;
  question: string;
  status: string;
  /** What a c.N status comes to for this profile (m, o, n/a); the status itself otherwise. */
  resolved: ResolvedStatus | undefined;
  support: string;
  /** The value was not written in the profile (or a base it extends): the schema's default filled it in. */
  byDefault: boolean;
  reference: { text: string; url: string | undefined }[];
  /** ICS mnemonics this field decides (tests state their applicability over them). */
  mnemonics: string[];
}

export interface ProformaTableOut {
  number: string;
  title: string;
  rows: ProformaCell[];
}

export interface IcsStatement {
  profile: { name: string; file: string; carrier: string; variant: string; vendor: string | undefined; emulated: boolean; testCard: boolean };
  simcertVersion: string;
  generatedAt: string;
  ics: ProformaTableOut[];
  ixit: ProformaTableOut[];
  /** The o.N and c.N footnotes the tables use. */
  notes: { id: string; text: string }[];
  /** Mandatory items not supported, option groups with no item supported: empty when the ICS is complete. */
  shortfalls: string[];
}

/** Whether a field was written in the profile or a base it extends (else the schema's default filled it in). */
export type FieldIsSet = (path: readonly string[]) => boolean;

/** How a secret reference shows in a proforma: where it comes from, never what it is. */
export function describeSecret(ref: SecretRef): string {
  if ('env' in ref) return `secret (from env ${ref.env})`;
  if ('file' in ref) return `secret (from file ${ref.file})`;
  return 'test value (inline; emulated or test card only)';
}

function get(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The item numbers of every field (`ics.araM` → `A.4/1`), for the rows and the conditions' text. */
function itemNumbers(): Map<string, string> {
  const n = new Map<string, string>();
  for (const t of ICS_TABLES) t.items.forEach((f, i) => n.set(`ics.${f}`, `${t.number}/${i + 1}`));
  for (const t of IXIT_TABLES) t.items.forEach((f, i) => n.set(`ixit.${f}`, `${t.number}/${i + 1}`));
  return n;
}

/** `{ics.araM}` in a condition's text → `A.4/1`. Throws on a field no table has (a proforma edit gone wrong). */
export function conditionText(text: string, numbers = itemNumbers()): string {
  return text.replace(/\{([a-zA-Z.]+)\}/g, (_, field: string) => {
    const n = numbers.get(field);
    if (!n) throw new Error(`proforma condition names ${field}, which no table holds`);
    return n;
  });
}

function resolveStatus(row: ProformaRow, p: Profile): ResolvedStatus | undefined {
  if (row.status.startsWith('c.')) {
    const c = CONDITIONS[row.status];
    if (!c) throw new Error(`proforma status ${row.status} has no condition in CONDITIONS`);
    return c.resolve(p);
  }
  return undefined;
}

function supportOfIcs(v: unknown): string {
  if (v === true) return 'Yes';
  if (v === false) return 'No';
  if (v === undefined) return 'not stated';
  return String(v);
}

/** A readable IXIT value: paths relative to the profile's folder, objects one line, secrets by reference only. */
function supportOfIxit(v: unknown, secret: boolean, profileDir: string): string {
  if (v === undefined) return 'not given';
  if (secret) return describeSecret(v as SecretRef);
  const path = (p: string): string => relative(profileDir, p) || '.';
  if (typeof v === 'string') return v.startsWith('/') ? path(v) : v;
  if (typeof v !== 'object' || v === null) return String(v);
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x === 'object' && x !== null && 'name' in x && 'hash' in x) return `${String(x.name)}: ${String(x.hash)}`;
      // A domain with its signing key (gp.dap.domains): the key by reference only, like any secret.
      if (typeof x === 'object' && x !== null && 'sd' in x && 'key' in x) return `${String(x.sd)}: ${describeSecret(x.key as SecretRef)}`;
      return JSON.stringify(x);
    }).join('; ');
  }
  const o = v as Record<string, unknown>;
  if (o.source === 'fixture') return `fixture (vectors ${path(String(o.vectors))})`;
  if (o.source === 'none') return 'none (personalized before the card reaches the lab)';
  if (typeof o.cap === 'string') return `CAP file ${path(o.cap)}`;
  if (typeof o.codebase === 'string') return `built from lab/applets/${o.codebase} (package ${String(o.packageAid)})`;
  return Object.entries(o).map(([k, x]) => `${k}: ${typeof x === 'string' && x.startsWith('/') ? path(x) : String(x)}`).join(', ');
}

function mnemonicsOf(field: keyof Ics): string[] {
  return Object.entries(MNEMONICS).filter(([, m]) => m.fields.includes(field)).map(([name]) => name);
}

function references(row: ProformaRow): ProformaCell['reference'] {
  return row.reference.map((text) => ({ text, url: parseClause(text).url }));
}

/** The statement for one loaded profile; `isSet` tells written fields from defaults (from the profile's source map). */
export function icsStatement(p: Profile, isSet: FieldIsSet, meta: { simcertVersion: string; generatedAt: Date; cwd?: string }): IcsStatement {
  const numbers = itemNumbers();
  const profileDir = dirname(p.file);
  const used = new Set<string>();
  const ics = ICS_TABLES.map((t): ProformaTableOut => ({
    number: t.number,
    title: t.title,
    rows: t.items.map((f, i): ProformaCell => {
      const row = ICS_ROWS[f];
      if (row.status !== 'm' && row.status !== 'o') used.add(row.status);
      return {
        item: `${t.number}/${i + 1}`, field: `ics.${f}`, question: row.question, status: row.status, resolved: resolveStatus(row, p),
        support: supportOfIcs(p.ics[f]), byDefault: !isSet(['ics', f]), reference: references(row), mnemonics: mnemonicsOf(f),
      };
    }),
  }));
  const ixit = IXIT_TABLES.map((t): ProformaTableOut => ({
    number: t.number,
    title: t.title,
    rows: t.items.map((f, i): ProformaCell => {
      const row = IXIT_ROWS[f];
      if (!row) throw new Error(`IXIT table ${t.number} names ${f}, which has no row in IXIT_ROWS`);
      if (row.status !== 'm' && row.status !== 'o') used.add(row.status);
      const path = f.split('.');
      const v = get(p.ixit, path);
      return {
        item: `${t.number}/${i + 1}`, field: `ixit.${f}`, question: row.question, status: row.status, resolved: resolveStatus(row, p),
        support: supportOfIxit(v, row.secret === true, profileDir), byDefault: v !== undefined && !isSet(['ixit', ...path]),
        reference: references(row), mnemonics: [],
      };
    }),
  }));

  const shortfalls: string[] = [];
  const required = (c: ProformaCell): boolean => c.status === 'm' || c.resolved === 'm';
  for (const c of ics.flatMap((t) => t.rows)) {
    if (required(c) && (c.support === 'No' || c.support === 'not stated')) shortfalls.push(`${c.item} (${c.field}) is mandatory and the card does not claim it`);
  }
  for (const [group, text] of Object.entries(OPTION_GROUPS)) {
    const members = ics.flatMap((t) => t.rows).filter((c) => c.status === group);
    if (members.length > 0 && !members.some((c) => c.support === 'Yes')) {
      shortfalls.push(`${group}: ${text}, and the card claims none of ${members.map((c) => `${c.item} (${c.field})`).join(', ')}`);
    }
  }
  for (const c of ixit.flatMap((t) => t.rows)) {
    if (required(c) && c.support === 'not given') shortfalls.push(`${c.item} (${c.field}) is mandatory for this card and the IXIT does not give it`);
  }
  const notes = [...used].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((id) => ({
    id, text: id.startsWith('o.') ? (OPTION_GROUPS[id] ?? '') : conditionText(CONDITIONS[id]!.text, numbers),
  }));
  const shown = (f: string): string => relative(meta.cwd ?? process.cwd(), f) || f;
  return {
    profile: { name: p.name, file: shown(p.file), carrier: p.card.carrier, variant: p.card.variant, vendor: p.card.vendor, emulated: p.card.emulated, testCard: p.card.testCard },
    simcertVersion: meta.simcertVersion,
    generatedAt: meta.generatedAt.toISOString(),
    ics,
    ixit,
    notes,
    shortfalls,
  };
}

function statusText(c: ProformaCell): string {
  return c.resolved !== undefined ? `${c.status} → ${c.resolved}` : c.status;
}

function supportText(c: ProformaCell): string {
  return c.byDefault ? `${c.support} (default)` : c.support;
}

const md = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

function mdTable(t: ProformaTableOut, kind: 'ICS' | 'IXIT'): string[] {
  return [
    `### ${t.number} ${kind}: ${t.title}`,
    '',
    '| item | question | status | support | reference |',
    '|---|---|---|---|---|',
    ...t.rows.map((c) => `| ${c.item} \`${c.field}\` | ${md(c.question)} | ${statusText(c)} | ${md(supportText(c))} | ${md(c.reference.map((r) => r.text).join('; '))} |`),
    '',
  ];
}

/** The statement as Markdown: identification, global statement, ICS tables, IXIT tables, notes. */
export function icsMarkdown(s: IcsStatement): string {
  const p = s.profile;
  return [
    `# ICS and IXIT proforma: ${md(p.name)}`,
    '',
    `Implementation conformance statement (ICS) and implementation extra information for testing (IXIT), ISO/IEC 9646-7 style, for the profile \`${p.file}\`. Generated ${s.generatedAt} by simcert ${s.simcertVersion}.`,
    '',
    '## Identification',
    '',
    '| | |',
    '|---|---|',
    `| carrier | ${md(p.carrier)} |`,
    `| variant | ${md(p.variant)} |`,
    `| vendor | ${md(p.vendor ?? 'not given')} |`,
    `| emulated | ${p.emulated ? 'yes' : 'no'} |`,
    `| test card | ${p.testCard ? 'yes' : 'no'} |`,
    `| profile | \`${p.file}\` |`,
    '',
    '## Global statement of conformance',
    '',
    s.shortfalls.length === 0
      ? 'Every mandatory capability is claimed, and every option group has at least one supported item.'
      : ['The ICS falls short:', '', ...s.shortfalls.map((x) => `- ${md(x)}`)].join('\n'),
    '',
    'Status: m mandatory, o optional, o.N optional with at least one of group N required, c.N conditional (→ what it comes to for this card), n/a not applicable. "(default)": the profile does not state it; the schema\'s default applies.',
    '',
    '## ICS',
    '',
    ...s.ics.flatMap((t) => mdTable(t, 'ICS')),
    '## IXIT',
    '',
    'Secrets are given by reference: where the harness reads them, never their value.',
    '',
    ...s.ixit.flatMap((t) => mdTable(t, 'IXIT')),
    '## Notes',
    '',
    ...s.notes.map((n) => `- ${n.id}: ${md(n.text)}`),
    '',
  ].join('\n');
}

const eta = new Eta({ views: join(import.meta.dirname, 'templates'), autoEscape: true, cache: true });

/** The statement as one standalone HTML page (no script, nothing loaded from elsewhere). */
export function icsHtml(s: IcsStatement): string {
  return eta.render('ics', { s, statusText, supportText });
}
