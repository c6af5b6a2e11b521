// A run killed outright (SIGKILL) cannot tidy up: the next run in the same --out clears what it left, gives back a
// previous report it had moved aside, and leaves alone a run that is still alive beside it.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaging, discard } from './staging.ts';

let out: string;
const host = hostname().replace(/[^A-Za-z0-9]/g, '_');
/** The pid of a process that has ended. */
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'simcert-staging-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('staging folders left by a killed run', () => {
  it('are cleared by the next run, which gives back the report moved aside and spares a live run', async () => {
    const killed = `.run-${host}-${deadPid}-20261205T010000000Z`;
    await mkdir(join(out, killed, 'allure-results'), { recursive: true });
    // Killed while promoting: the previous report was moved aside, the new one not yet in place.
    await mkdir(join(out, `${killed}.old`, 'allure-report'), { recursive: true });
    await writeFile(join(out, `${killed}.old`, 'allure-report', 'index.html'), 'the last complete report');
    const live = `.run-${host}-${process.pid}-20261205T010000000Z`;
    await mkdir(join(out, live));
    const otherHost = `.run-elsewhere-${deadPid}-20261205T010000000Z`;
    await mkdir(join(out, otherHost));

    const staging = await createStaging(out);
    const left = await readdir(out);
    expect(left).not.toContain(killed);
    expect(left).not.toContain(`${killed}.old`);
    expect(left).toContain(live);
    expect(left).toContain(otherHost);
    expect(await readFile(join(out, 'allure-report', 'index.html'), 'utf8')).toBe('the last complete report');
    await discard(staging);
  });
});
