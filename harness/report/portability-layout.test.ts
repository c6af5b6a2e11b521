// The portability page a lab reads: columns in variant-name order whatever order the profiles ran in (numbers in
// names as numbers), each column's full load-file hash on hover, and the layout that keeps a five-variant matrix
// inside a 1400-px screen (sticky suite and check columns, wrapping variant headers). Built from Allure result
// fixtures written here, read by the real matrix builder and template.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMatrix, renderMatrixHtml, type Matrix } from './portability.ts';

let dir: string;
let matrix: Matrix;
const HASH = 'a3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
// The order they ran in: not the order of their names.
const RAN = ['Variant C', 'Variant A', 'Variant 10', 'Variant 9', 'Variant B'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-portability-layout-'));
  for (const [i, name] of RAN.entries()) {
    const uuid = `0b6f3c2e-7d1a-4c55-9f0e-1a2b3c4d5e${String(i).padStart(2, '0')}`;
    await writeFile(join(dir, `${uuid}-result.json`), JSON.stringify({
      uuid, name: 'installs the load file', status: 'passed', start: 1_767_000_000_000 + i,
      labels: [{ name: 'conformance suite', value: 'applet-install' }],
      parameters: [{ name: 'profile', value: name }, { name: 'profile file', value: `profiles/emulated/variants/${name}.yaml` }, { name: 'load file SHA-256', value: HASH }],
    }));
  }
  matrix = await buildMatrix(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('portability page layout', () => {
  it('orders the columns by variant name, not by run order', () => {
    expect(matrix.profiles.map((p) => p.name)).toEqual(['Variant 9', 'Variant 10', 'Variant A', 'Variant B', 'Variant C']);
    expect(matrix.rows[0]!.cells.every((c) => c.status === 'passed')).toBe(true);
  });

  it('shows a short load-file hash with the full one on hover', () => {
    const html = renderMatrixHtml(matrix, new Date(0));
    expect(html).toContain(`title="SHA-256 ${HASH}"`);
    expect(html).toContain(`${HASH.slice(0, 12)}…`);
    // Headers in the same order as the matrix.
    const headers = [...html.matchAll(/<th>(Variant [^<]+)<br>/g)].map((m) => m[1]);
    expect(headers).toEqual(['Variant 9', 'Variant 10', 'Variant A', 'Variant B', 'Variant C']);
  });

  it('keeps the suite and check columns in view and wraps the variant headers', () => {
    const html = renderMatrixHtml(matrix, new Date(0));
    expect(html).toMatch(/\.suite, \.check \{ position: sticky;/);
    expect(html).toMatch(/thead th \{[^}]*white-space: normal;[^}]*max-width: 11em;/);
    expect(html).toContain('<th class="suite" scope="row">applet-install</th><td class="check">installs the load file</td>');
  });
});
