// Validates a parsed profile against profiles/profile.schema.json (JSON Schema 2020-12, via ajv) and turns
// ajv's errors into one message per field, worded for a lab engineer rather than a schema author.
import { join } from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { repoRoot } from '../paths.ts';
import { schemaValidator } from '../schema-validator.ts';

export const SCHEMA_FILE = join(repoRoot, 'profiles', 'profile.schema.json');

export interface SchemaProblem {
  /** Path of the field concerned (for an unknown field: the field itself). */
  path: (string | number)[];
  /** Set when the problem is a key that should not be there. */
  unknownKey?: string;
  message: string;
}

const validate = schemaValidator(SCHEMA_FILE, { allErrors: true, useDefaults: true, verbose: true, strict: true });

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(seg) ? Number(seg) : seg;
  });
}

function hintOf(e: ErrorObject): string | undefined {
  const ps = e.parentSchema as { 'x-hint'?: string } | undefined;
  return ps?.['x-hint'];
}

function describe(e: ErrorObject): string {
  const hint = hintOf(e);
  switch (e.keyword) {
    case 'required':
      return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'type':
      return `must be ${(e.params as { type: string }).type === 'integer' ? 'a whole number' : `a ${(e.params as { type: string }).type}`}, got ${typeName(e.data)}`;
    case 'enum':
      return hint ? `must be ${hint}` : `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return `${JSON.stringify(e.data)} is not ${hint ?? `in the form ${(e.params as { pattern: string }).pattern}`}`;
    case 'oneOf':
      return hint ? `must be ${hint}` : 'matches none of the allowed forms';
    case 'minimum':
    case 'maximum':
      return `${String(e.data)} is out of range (${e.keyword} ${String((e.params as { limit: number }).limit)})`;
    case 'minLength':
      return 'must not be empty';
    case 'minItems':
      return `needs at least ${String((e.params as { limit: number }).limit)} item(s)`;
    case 'uniqueItems':
      return `items ${String((e.params as { i: number }).i)} and ${String((e.params as { j: number }).j)} are the same`;
    default:
      return e.message ?? e.keyword;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates in place (fills defaults) and returns the problems, one per field. */
export function checkSchema(data: unknown): SchemaProblem[] {
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // A oneOf failure says it best as one line naming the accepted forms; drop what its branches said.
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const kept = errors.filter((e) => e.keyword === 'oneOf' || !oneOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of kept) {
    const path = pointerToPath(e.instancePath);
    let problem: SchemaProblem;
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      problem = { path: [...path, key], unknownKey: key, message: `unknown field "${key}"` };
    } else {
      problem = { path, message: describe(e) };
    }
    const key = `${JSON.stringify(problem.path)}|${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}
