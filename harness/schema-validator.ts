// Compiles the project's JSON Schemas (profiles, bench results) with ajv once per machine instead of once per process.
// Compiling the profile schema costs a few hundred milliseconds of CPU, and nearly every process validates a
// profile: the CLI, each card's suite worker, most test files. On a rack of cards sharing two cores that repeats
// per card (issue 20). ajv's standalone code generation writes the compiled validator as a CommonJS module; it is
// kept under node_modules/.cache keyed by everything it was made from (schema text, options, ajv's version), so a
// changed schema or a new ajv gets a new file and a stale one is never used.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { repoRoot } from './paths.ts';

/** Where compiled validators are kept: inside node_modules, so their `require('ajv/dist/runtime/...')` resolves. */
export const VALIDATOR_CACHE = join(repoRoot, 'node_modules', '.cache', 'simcert-schema');

/** Bump when the way a validator is made changes (options handling, keywords), so older cache files are not used. */
const MAKER_VERSION = '1';

const require = createRequire(import.meta.url);
// ajv's standalone module is CommonJS whose function is its `default` export.
const standaloneCode = standalone.default;
const ajvVersion = (require('ajv/package.json') as { version: string }).version;

/**
 * The validator for the JSON Schema in `schemaFile` (JSON Schema 2020-12, with the project's one extension keyword
 * `x-hint`: a human hint naming what a field expects). From the cache when it holds one made from the same
 * schema text, options and ajv; otherwise compiled and, when the cache folder is writable, stored for the next process.
 */
export function schemaValidator<T>(schemaFile: string, options: Options): ValidateFunction<T> {
  const text = readFileSync(schemaFile, 'utf8');
  const file = cacheFile(text, options);
  try {
    return require(file) as ValidateFunction<T>;
  } catch {
    // Not cached yet (or unreadable): compile below.
  }
  const ajv = new Ajv2020({ ...options, code: { ...options.code, source: true } });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  const validate = ajv.compile<T>(JSON.parse(text) as object);
  store(file, standaloneCode(ajv, validate));
  return validate;
}

/** The cache file for a schema's text compiled with `options`. */
export function cacheFile(schemaText: string, options: Options): string {
  const key = createHash('sha256').update(JSON.stringify([MAKER_VERSION, ajvVersion, options, schemaText])).digest('hex').slice(0, 32);
  return join(VALIDATOR_CACHE, `${key}.cjs`);
}

/** Writes under a name of this process's own, then renames: two processes filling the cache at once never see half a file. */
function store(file: string, code: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    mkdirSync(VALIDATOR_CACHE, { recursive: true });
    writeFileSync(partial, code);
    renameSync(partial, file);
  } catch {
    // A read-only checkout only loses the speed-up; validation itself is unaffected.
    rmSync(partial, { force: true });
  }
}
