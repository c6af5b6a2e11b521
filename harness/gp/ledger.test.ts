// The authentication ledger shared by the cards of a rack: failures recorded at the same time (cards side by side,
// each in its own process, writing one ledger) are all kept, since a lost failure could let the harness lock a
// card; a lock left by a process that died does not block the ledger.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthLedger } from './ledger.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-ledger-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the authentication ledger', () => {
  it('keeps every one of failures recorded at the same time by separate writers', async () => {
    const file = join(dir, 'concurrent.json');
    const keys = ['CARD1@A000000151000000', 'CARD2@A000000151000000'];
    await Promise.all(Array.from({ length: 24 }, (_, i) => new AuthLedger(file).recordFailure(keys[i % 2]!)));
    const ledger = new AuthLedger(file);
    expect((await ledger.get(keys[0]!))?.failures).toBe(12);
    expect((await ledger.get(keys[1]!))?.failures).toBe(12);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const file = join(dir, 'stale.json');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(`${file}.lock`, String(gone));
    const e = await new AuthLedger(file).recordFailure('CARD3@A000000151000000');
    expect(e.failures).toBe(1);
  });
});
