// Loads SIM variant profiles: YAML parsed with positions, validated against profiles/profile.schema.json,
// checked for cross-field rules, with every problem reported as file:line:column and the field.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { fieldName, ProfileError, type ProfileProblem } from './problems.ts';
import { SourceMap } from './positions.ts';
import { checkRules, type RuleOptions } from './rules.ts';
import { checkSchema } from './schema.ts';
import type { Profile } from './types.ts';

export { formatProblem, ProfileError, type ProfileProblem } from './problems.ts';
export { resolveSecret, SecretError } from './secrets.ts';
export type { Profile } from './types.ts';

export type LoadOptions = RuleOptions;

/** Paths in a profile are relative to the profile file; make them absolute once, here. */
function resolvePaths(p: Profile): void {
  const base = dirname(p.file);
  const pers = p.ixit.jpki.personalization;
  if (pers.source === 'fixture') pers.vectors = resolve(base, pers.vectors);
  const pin = p.ixit.jpki.pin;
  if ('file' in pin) pin.file = resolve(base, pin.file);
  const gpKeys = p.ixit.gp?.keys;
  if (gpKeys && 'file' in gpKeys) gpKeys.file = resolve(base, gpKeys.file);
  const spKeys = p.ixit.gp?.serviceProvider?.keys;
  if (spKeys && 'file' in spKeys) spKeys.file = resolve(base, spKeys.file);
  const lf = p.ixit.gp?.loadFile;
  if (lf && 'cap' in lf) lf.cap = resolve(base, lf.cap);
}

/** Parses and checks one profile; returns the profile (if usable) and every problem found. */
export async function inspectProfile(file: string, opts: LoadOptions): Promise<{ profile?: Profile; problems: ProfileProblem[] }> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a profile' : (err as Error).message;
    return { problems: [{ file: abs, field: '', message: `cannot read the profile: ${why}` }] };
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const map = new SourceMap(doc, lines);
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later ones are mostly consequences of it.
    const e = doc.errors[0]!;
    const pos = map.at(e.pos[0]);
    return { problems: [{ file: abs, ...pos, field: '', message: `YAML: ${e.message.split('\n')[0]!}` }] };
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { problems: [{ file: abs, line: 1, column: 1, field: '', message: 'the profile is empty' }] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file: abs, line: 1, column: 1, field: '', message: 'a profile is a mapping of fields (name:, card:, ics:, ixit:, suites:)' }] };
  }

  const schemaProblems = checkSchema(data);
  if (schemaProblems.length > 0) {
    return {
      problems: schemaProblems.map((sp) => {
        const pos = sp.unknownKey !== undefined ? map.keyPos(sp.path.slice(0, -1), sp.unknownKey) : map.valuePos(sp.path);
        return { file: abs, ...pos, field: fieldName(sp.path), message: sp.message };
      }),
    };
  }

  const profile = { ...(data as Omit<Profile, 'file'>), file: abs } as Profile;
  resolvePaths(profile);
  const problems = checkRules(profile, opts)
    .map((r) => ({ file: abs, ...map.valuePos(r.path), field: fieldName(r.path), message: r.message }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return problems.length > 0 ? { problems } : { profile, problems };
}

/** Loads a profile or throws a ProfileError listing every problem. */
export async function loadProfile(file: string, opts: LoadOptions): Promise<Profile> {
  const r = await inspectProfile(file, opts);
  if (!r.profile) throw new ProfileError(r.problems);
  return r.profile;
}

/** Checks every file and reports all problems; nothing is thrown for a bad profile. */
export async function checkProfiles(files: readonly string[], opts: LoadOptions): Promise<{ file: string; problems: ProfileProblem[] }[]> {
  const out: { file: string; problems: ProfileProblem[] }[] = [];
  for (const f of files) out.push({ file: resolve(f), problems: (await inspectProfile(f, opts)).problems });
  return out;
}
