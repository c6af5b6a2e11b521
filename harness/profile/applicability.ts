// Test applicability as conformance test specifications state it: each test names the ICS capabilities it needs
// as an expression over mnemonics (`rsa2048_keygen and not t0`), evaluated against the profile's ICS. A test whose
// expression is false is not applicable, which is neither a skip nor a failure, and the report says which
// capabilities decided it and where the profile says so.
import type { Profile } from './types.ts';

type Ics = Profile['ics'];

interface Mnemonic {
  /** The ICS fields it reads (for pointing at the profile line that decided it). */
  fields: (keyof Ics)[];
  test(ics: Ics): boolean;
  meaning: string;
}

const flag = (field: keyof Ics, meaning: string): Mnemonic => ({ fields: [field], test: (ics) => ics[field] === true, meaning });
const both = (a: keyof Ics, b: keyof Ics, meaning: string): Mnemonic => ({ fields: [a, b], test: (ics) => ics[a] === true && ics[b] === true, meaning });

/** The ICS mnemonics tests may use. SCP mnemonics (scp03_i70 ...) are derived from ics.scp and ics.scpI. */
export const MNEMONICS: Record<string, Mnemonic> = {
  t0: flag('t0', 'T=0 transmission protocol'),
  t1: flag('t1', 'T=1 transmission protocol'),
  extended_length: flag('extendedLength', 'extended-length APDUs'),
  channels: { fields: ['logicalChannels'], test: (ics) => ics.logicalChannels > 1, meaning: 'more than one logical channel' },
  rsa2048: flag('rsa2048', 'RSA-2048 signatures'),
  sha1_digestinfo: flag('sha1DigestInfo', 'signing SHA-1 DigestInfos'),
  key_injection: flag('keyInjection', 'a centrally generated key injected through the security domain'),
  keygen: flag('onCardKeyGeneration', 'on-card key generation'),
  rsa2048_keygen: both('rsa2048', 'onCardKeyGeneration', 'on-card RSA-2048 key generation'),
  ec_p256: flag('ecP256', 'ECDSA P-256'),
  ec_p384: flag('ecP384', 'ECDSA P-384'),
  ec_p256_keygen: both('ecP256', 'onCardKeyGeneration', 'on-card P-256 key generation'),
  ec_p384_keygen: both('ecP384', 'onCardKeyGeneration', 'on-card P-384 key generation'),
  scp02: { fields: ['scp'], test: (ics) => ics.scp === '02', meaning: 'SCP02' },
  scp03: { fields: ['scp'], test: (ics) => ics.scp === '03', meaning: 'SCP03' },
  ssd: flag('supplementaryDomains', 'supplementary security domains'),
  delegated_management: flag('delegatedManagement', 'delegated management by an SSD'),
  dap: flag('dap', 'DAP verification by an SSD'),
  ara_m: flag('araM', 'an ARA-M (Secure Element Access Control rules)'),
  ara_m_update: both('araM', 'araMUpdate', 'ARA-M rules updated through the security domain'),
  app_lock: flag('applicationLocking', 'locking the JPKI application with SET STATUS'),
  ota_ram: flag('otaRam', 'remote application management over the air (SCP80 by SMS-PP)'),
};

function mnemonic(name: string): Mnemonic | undefined {
  const scp = /^scp0([23])_i([0-9a-f]{2})$/.exec(name);
  if (scp) {
    return { fields: ['scp', 'scpI'], test: (ics) => ics.scp === `0${scp[1]}` && ics.scpI.toLowerCase() === scp[2], meaning: `SCP0${scp[1]} with i = ${scp[2]}` };
  }
  return MNEMONICS[name];
}

type Expr = { kind: 'atom'; name: string } | { kind: 'not'; e: Expr } | { kind: 'and' | 'or'; l: Expr; r: Expr };

export class ApplicabilityError extends Error {}

/** Parses `a and not (b or c)`: `not` binds tightest, then `and`, then `or`. Unknown mnemonics are refused. */
export function parseApplicability(text: string): Expr {
  const tokens = text.match(/\(|\)|[A-Za-z0-9_]+|\S/g) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new ApplicabilityError(`applicability "${text}": ${why}`);
  };
  const peek = (): string | undefined => tokens[i];
  const orExpr = (): Expr => {
    let l = andExpr();
    while (peek() === 'or') {
      i++;
      l = { kind: 'or', l, r: andExpr() };
    }
    return l;
  };
  const andExpr = (): Expr => {
    let l = notExpr();
    while (peek() === 'and') {
      i++;
      l = { kind: 'and', l, r: notExpr() };
    }
    return l;
  };
  const notExpr = (): Expr => {
    const t = peek();
    if (t === undefined) return fail('ends too early');
    i++;
    if (t === 'not') return { kind: 'not', e: notExpr() };
    if (t === '(') {
      const e = orExpr();
      if (peek() !== ')') fail('a "(" is not closed');
      i++;
      return e;
    }
    if (!/^[a-z0-9_]+$/.test(t) || t === 'and' || t === 'or') return fail(`unexpected "${t}"`);
    if (!mnemonic(t)) fail(`unknown ICS mnemonic "${t}" (known: ${Object.keys(MNEMONICS).join(', ')}, scp0X_iYY)`);
    return { kind: 'atom', name: t };
  };
  const e = orExpr();
  if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
  return e;
}

export interface Decision {
  applicable: boolean;
  expression: string;
  /** The mnemonics whose values decided the outcome, with the ICS fields behind them. */
  decidedBy: { mnemonic: string; value: boolean; meaning: string; fields: (keyof Ics)[] }[];
}

/**
 * Evaluates the expression; `decidedBy` holds the atoms that made the result what it is (for `and` false: the
 * false operands; for `or` true: the true ones; and so on), so a report can say why in a few words.
 */
export function decide(text: string, ics: Ics): Decision {
  const expr = parseApplicability(text);
  type R = { value: boolean; why: Decision['decidedBy'] };
  const ev = (e: Expr): R => {
    switch (e.kind) {
      case 'atom': {
        const m = mnemonic(e.name)!;
        const value = m.test(ics);
        return { value, why: [{ mnemonic: e.name, value, meaning: m.meaning, fields: m.fields }] };
      }
      case 'not': {
        const r = ev(e.e);
        return { value: !r.value, why: r.why };
      }
      case 'and':
      case 'or': {
        const l = ev(e.l);
        const r = ev(e.r);
        const value = e.kind === 'and' ? l.value && r.value : l.value || r.value;
        // The operands equal to the short-circuit value decide; otherwise both do.
        const decisive = e.kind === 'and' ? false : true;
        const why = value === decisive ? [...(l.value === decisive ? l.why : []), ...(r.value === decisive ? r.why : [])] : [...l.why, ...r.why];
        return { value, why };
      }
    }
  };
  const r = ev(expr);
  return { applicable: r.value, expression: text, decidedBy: r.why };
}

/** One line for a report: `not applicable: rsa2048_keygen and not t0 — rsa2048_keygen is false (ics.onCardKeyGeneration)`. */
export function explain(d: Decision, where: (field: keyof Ics) => string): string {
  const parts = d.decidedBy.map((x) => `${x.mnemonic} is ${x.value} (${x.meaning}; ${x.fields.map((f) => `ics.${String(f)} at ${where(f)}`).join(', ')})`);
  return `${d.applicable ? 'applicable' : 'not applicable'}: "${d.expression}" — ${parts.join('; ')}`;
}
