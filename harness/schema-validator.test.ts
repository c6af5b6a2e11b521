// The on-disk validator cache must be invisible except in speed: a validator loaded from the cache judges, fills
// defaults and reports errors as a freshly compiled one does, and an edited schema is never judged by its old code.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from './profile/schema.ts';
import { cacheFile, schemaValidator } from './schema-validator.ts';

const OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strict: true };
let dir: string;
/** The cache files this test made for its throwaway schemas, removed afterwards. */
const made: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-schema-validator-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const f of made) await rm(f, { force: true });
});

/** A schema no other test uses (its nonce keeps the cache key new), with a default and a hinted pattern. */
function schemaText(minimum: number): string {
  return JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: `nonce ${process.pid} ${Date.now()} ${Math.random()}`,
    type: 'object',
    required: ['pin'],
    additionalProperties: false,
    properties: {
      pin: { type: 'string', pattern: '^[0-9]{4}$', 'x-hint': 'four digits' },
      tries: { type: 'integer', minimum, default: 3 },
    },
  });
}

function fresh(text: string): ReturnType<typeof schemaValidator> {
  const ajv = new Ajv2020(OPTIONS);
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  return ajv.compile(JSON.parse(text) as object);
}

const documents = [{ pin: '1234' }, { pin: '12a4', tries: 0 }, { tries: 'x', extra: true }, [], { pin: '0000', tries: 9 }];

describe('schema validator cache', () => {
  it('stores a compiled validator once and loads it in place of compiling, with the same verdicts, errors and defaults', async () => {
    const file = join(dir, 'a.schema.json');
    const text = schemaText(1);
    await writeFile(file, text);
    const stored = cacheFile(text, OPTIONS);
    made.push(stored);
    expect(existsSync(stored)).toBe(false);
    const compiled = schemaValidator(file, OPTIONS); // compiles and stores
    expect(existsSync(stored)).toBe(true);
    const cached = schemaValidator(file, OPTIONS); // from the cache file
    expect(cached).not.toBe(compiled);
    const reference = fresh(text);
    for (const doc of documents) {
      const a = structuredClone(doc);
      const b = structuredClone(doc);
      expect(cached(a)).toBe(reference(b));
      expect(a).toEqual(b); // defaults filled alike
      const strip = (errs: typeof cached.errors): unknown => (errs ?? []).map((e) => ({ ...e, parentSchema: undefined, schema: undefined }));
      expect(strip(cached.errors)).toEqual(strip(reference.errors));
    }
  });

  it('judges by the edited schema, not by the cached code of the old one', async () => {
    const file = join(dir, 'b.schema.json');
    for (const [minimum, verdict] of [[1, true], [5, false]] as const) {
      const text = schemaText(minimum);
      made.push(cacheFile(text, OPTIONS));
      await writeFile(file, text);
      schemaValidator(file, OPTIONS); // the first use stores it
      expect(schemaValidator(file, OPTIONS)({ pin: '1234', tries: 2 })).toBe(verdict);
    }
  });

  it('validates profiles as ajv compiling the profile schema does', () => {
    const cached = schemaValidator(SCHEMA_FILE, OPTIONS);
    const reference = fresh(readFileSync(SCHEMA_FILE, 'utf8'));
    for (const doc of [{}, { name: 'x', card: { carrier: 'c' } }, { name: 'x', card: { carrier: 'c', variant: 'v' }, ics: {}, ixit: { transport: 'usb' }, suites: [] }]) {
      expect(cached(structuredClone(doc))).toBe(reference(structuredClone(doc)));
      expect((cached.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message}`)).toEqual((reference.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message}`));
    }
  });
});
