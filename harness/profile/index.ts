// Loads SIM variant profiles: YAML parsed with positions, validated against profiles/profile.schema.json,
// merged over the profiles it extends, checked for cross-field rules, with every problem reported as
// file:line:column (of the file that set the value) and the field.
import { resolve } from 'node:path';
import { readProfileLayers, type LayeredSourceMap } from './layers.ts';
import { fieldName, ProfileError, type ProfileProblem } from './problems.ts';
import { checkRules, type RuleOptions } from './rules.ts';
import { checkSchema } from './schema.ts';
import type { Profile } from './types.ts';

export { formatProblem, ProfileError, type ProfileProblem } from './problems.ts';
export { resolveSecret, SecretError } from './secrets.ts';
export type { Profile } from './types.ts';

export type LoadOptions = RuleOptions;

/**
 * Paths in a profile are relative to the file that sets them (with `extends`, a base's paths are relative to the
 * base); make them absolute once, here.
 */
function resolvePaths(p: Profile, map: LayeredSourceMap): void {
  const at = (path: string[], value: string): string => resolve(map.dirOf(path), value);
  const pers = p.ixit.jpki.personalization;
  if (pers.source === 'fixture') pers.vectors = at(['ixit', 'jpki', 'personalization', 'vectors'], pers.vectors);
  const pin = p.ixit.jpki.pin;
  if ('file' in pin) pin.file = at(['ixit', 'jpki', 'pin', 'file'], pin.file);
  const signingPin = p.ixit.jpki.signingPin;
  if (signingPin && 'file' in signingPin) signingPin.file = at(['ixit', 'jpki', 'signingPin', 'file'], signingPin.file);
  const ca = p.ixit.jpki.trustedCa;
  for (const half of ['userAuth', 'signing'] as const) {
    const f = ca?.[half];
    if (ca && f) ca[half] = at(['ixit', 'jpki', 'trustedCa', half], f);
  }
  const gpKeys = p.ixit.gp?.keys;
  if (gpKeys && 'file' in gpKeys) gpKeys.file = at(['ixit', 'gp', 'keys', 'file'], gpKeys.file);
  const spKeys = p.ixit.gp?.serviceProvider?.keys;
  if (spKeys && 'file' in spKeys) spKeys.file = at(['ixit', 'gp', 'serviceProvider', 'keys', 'file'], spKeys.file);
  const dap = p.ixit.gp?.dap;
  dap?.domains.forEach((d, i) => {
    if ('file' in d.key) d.key.file = at(['ixit', 'gp', 'dap', 'domains', String(i), 'key', 'file'], d.key.file);
  });
  const dm = p.ixit.gp?.delegatedManagement;
  for (const k of ['tokenKey', 'receiptKey'] as const) {
    const ref = dm?.[k];
    if (ref && 'file' in ref) ref.file = at(['ixit', 'gp', 'delegatedManagement', k, 'file'], ref.file);
  }
  const cm = p.sim?.contentManagement;
  cm?.dapKeys?.forEach((d, i) => {
    d.publicKey = at(['sim', 'contentManagement', 'dapKeys', String(i), 'publicKey'], d.publicKey);
  });
  if (cm?.tokenKey) cm.tokenKey = at(['sim', 'contentManagement', 'tokenKey'], cm.tokenKey);
  const lf = p.ixit.gp?.loadFile;
  if (lf && 'cap' in lf) lf.cap = at(['ixit', 'gp', 'loadFile', 'cap'], lf.cap);
}

export interface InspectedProfile {
  profile?: Profile;
  problems: ProfileProblem[];
  /** Where each field came from (absent when the files could not be read or parsed). */
  sources?: LayeredSourceMap;
}

/** Parses and checks one profile (with the profiles it extends); returns the profile (if usable) and every problem. */
export async function inspectProfile(file: string, opts: LoadOptions): Promise<InspectedProfile> {
  const abs = resolve(file);
  const read = await readProfileLayers(abs);
  if (!read.ok) return { problems: read.problems };
  const { merged: data, map } = read;

  const schemaProblems = checkSchema(data);
  if (schemaProblems.length > 0) {
    return {
      sources: map,
      problems: schemaProblems.map((sp) => {
        const pos = sp.unknownKey !== undefined ? map.keyPos(sp.path.slice(0, -1), sp.unknownKey) : map.valuePos(sp.path);
        return { ...pos, field: fieldName(sp.path), message: sp.message };
      }),
    };
  }

  const profile = { ...(data as Omit<Profile, 'file'>), file: abs } as Profile;
  resolvePaths(profile, map);
  const problems = checkRules(profile, opts)
    .map((r) => ({ ...map.valuePos(r.path), field: fieldName(r.path), message: r.message }))
    .sort((a, b) => (a.file === b.file ? 0 : a.file === abs ? -1 : 1) || a.line - b.line || a.column - b.column);
  return problems.length > 0 ? { problems, sources: map } : { profile, problems, sources: map };
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
