// The suites' Allure results writer against the one allure-js-commons ships (FileSystemWriter), as the oracle:
// the same result, container, attachment, environment, categories and globals give the same files, byte for byte,
// and nothing half-written or temporary is left beside them.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';
import type { Writer } from 'allure-js-commons/sdk/reporter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultsWriter } from './results-writer.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-results-writer-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeAll(w: Writer, source: string): Promise<void> {
  w.writeResult({ uuid: 'r1', name: 'signs "abc" — ✓', status: 'passed', labels: [{ name: 'profile', value: 'Variant A' }] } as Parameters<Writer['writeResult']>[0]);
  w.writeGroup({ uuid: 'g1', name: 'suite', children: ['r1'], befores: [], afters: [] } as Parameters<Writer['writeGroup']>[0]);
  w.writeAttachment('a1-attachment.txt', Buffer.from('#1 SELECT\n  > 00 A4 04 0C\n'));
  w.writeAttachmentFromPath('a2-attachment.bin', source);
  w.writeEnvironmentInfo({ simcert: '0.1.0', os: 'linux = x' });
  w.writeCategoriesDefinitions([{ name: 'the card said no', matchedStatuses: ['failed' as never] }]);
  w.writeGlobals('globals.json', { attachments: [], errors: [] } as Parameters<Writer['writeGlobals']>[1]);
}

async function contents(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(d)).sort()) out[f] = (await readFile(join(d, f))).toString('hex');
  return out;
}

describe('ResultsWriter', () => {
  it('writes what allure-js-commons\' own writer writes, byte for byte, and leaves no temporary file', async () => {
    const source = join(dir, 'source.bin');
    await writeFile(source, Buffer.from([0, 1, 2, 0xff]));
    const ours = join(dir, 'ours');
    const theirs = join(dir, 'theirs');
    await writeAll(new ResultsWriter(ours), source);
    await writeAll(new FileSystemWriter({ resultsDir: theirs }), source);
    const mine = await contents(ours);
    expect(Object.keys(mine)).toEqual(['a1-attachment.txt', 'a2-attachment.bin', 'categories.json', 'environment.properties', 'g1-container.json', 'globals.json', 'r1-result.json']);
    expect(mine).toEqual(await contents(theirs));
  });
});
