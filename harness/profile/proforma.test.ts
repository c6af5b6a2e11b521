// The proforma cannot fall behind the profile schema: every field the schema lets a profile claim (ics) or give
// (ixit leaves) has exactly one row with a question, a status and a reference; every row answers a field the
// schema has; every secret field of the schema is a secret row (so its value is never printed); every status has
// its footnote; every reference cites a known document. Read from profiles/profile.schema.json itself, not from
// the types, so a new schema field without a proforma row fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { parseClause } from '../../suites/support/requirements.ts';
import { conditionText } from '../report/ics.ts';
import { CONDITIONS, ICS_ROWS, ICS_TABLES, IXIT_ROWS, IXIT_TABLES, OPTION_GROUPS, type ProformaRow } from './proforma.ts';

interface SchemaNode {
  type?: string;
  $ref?: string;
  properties?: Record<string, SchemaNode>;
}

const schema = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'profile.schema.json'), 'utf8')) as { properties: Record<string, SchemaNode>; $defs: Record<string, SchemaNode> };

/** A `#/$defs/x` reference that names an object of fields (e.g. otaDomain), resolved; other references stay leaves. */
function objectDef(n: SchemaNode): SchemaNode | undefined {
  const def = n.$ref?.startsWith('#/$defs/') ? schema.$defs[n.$ref.slice('#/$defs/'.length)] : undefined;
  return def?.properties ? def : undefined;
}

/** Leaf fields under a node, as dotted paths: objects with properties are descended into, anything else is a leaf. */
function leaves(node: SchemaNode, prefix = ''): { path: string; node: SchemaNode }[] {
  return Object.entries(node.properties ?? {}).flatMap(([k, n]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    const inner = n.properties && !n.$ref ? n : objectDef(n);
    return inner ? leaves(inner, path) : [{ path, node: n }];
  });
}

const icsFields = Object.keys(schema.properties.ics!.properties!);
const ixitLeaves = leaves(schema.properties.ixit!);

describe('the ICS/IXIT proforma against profiles/profile.schema.json', () => {
  it('has one ICS row for every ICS property of the schema, and none for a property it lacks', () => {
    expect(icsFields.length).toBeGreaterThan(10);
    expect(icsFields.filter((f) => !Object.hasOwn(ICS_ROWS, f)), 'ICS properties without a proforma row').toEqual([]);
    expect(Object.keys(ICS_ROWS).filter((f) => !icsFields.includes(f)), 'proforma rows without an ICS property').toEqual([]);
  });

  it('places every ICS row in exactly one table', () => {
    const placed = ICS_TABLES.flatMap((t) => t.items as string[]);
    expect([...placed].sort()).toEqual([...icsFields].sort());
  });

  it('has one IXIT row for every IXIT field of the schema, each in exactly one table, and none for a field it lacks', () => {
    const paths = ixitLeaves.map((l) => l.path);
    expect(paths).toContain('gp.serviceProvider.keys');
    expect(paths.filter((p) => !Object.hasOwn(IXIT_ROWS, p)), 'IXIT fields without a proforma row').toEqual([]);
    expect(Object.keys(IXIT_ROWS).filter((p) => !paths.includes(p)), 'proforma rows without an IXIT field').toEqual([]);
    expect([...IXIT_TABLES.flatMap((t) => t.items)].sort()).toEqual([...paths].sort());
  });

  it('marks every secret field of the schema as a secret row, so the proforma names where it comes from, never its value', () => {
    const secrets = ixitLeaves.filter((l) => l.node.$ref === '#/$defs/secret').map((l) => l.path).sort();
    expect(secrets).toEqual([
      'gp.delegatedManagement.receiptKey', 'gp.delegatedManagement.tokenKey', 'gp.keys', 'gp.serviceProvider.keys', 'jpki.pin', 'jpki.signingPin',
      'ota.isd.kic.key', 'ota.isd.kid.key', 'ota.serviceProvider.kic.key', 'ota.serviceProvider.kid.key',
    ]);
    expect(Object.entries(IXIT_ROWS).filter(([, r]) => r.secret).map(([p]) => p).sort()).toEqual(secrets);
  });

  it('gives every row a question, a status with its footnote, and references to known documents', () => {
    const rows: [string, ProformaRow][] = [...Object.entries(ICS_ROWS), ...Object.entries(IXIT_ROWS)];
    for (const [field, r] of rows) {
      expect(r.question.length, field).toBeGreaterThan(10);
      expect(r.status, field).toMatch(/^(m|o|o\.\d+|c\.\d+)$/);
      if (r.status.startsWith('o.')) expect(OPTION_GROUPS[r.status], `${field}: ${r.status} has no group text`).toBeDefined();
      if (r.status.startsWith('c.')) expect(CONDITIONS[r.status], `${field}: ${r.status} has no condition`).toBeDefined();
      expect(r.reference.length, field).toBeGreaterThan(0);
      for (const ref of r.reference) expect(() => parseClause(ref), `${field}: ${ref}`).not.toThrow();
    }
  });

  it('writes every condition over fields the tables hold', () => {
    for (const [id, c] of Object.entries(CONDITIONS)) {
      expect(() => conditionText(c.text), id).not.toThrow();
      expect(c.text, id).toMatch(/\{(ics|ixit)\.[a-zA-Z.]+\}/);
    }
    expect(conditionText('IF {ics.araM} THEN m ELSE n/a')).toBe('IF A.4/1 THEN m ELSE n/a');
    expect(() => conditionText('IF {ics.noSuchClaim} THEN m')).toThrow(/ics\.noSuchClaim/);
  });
});
