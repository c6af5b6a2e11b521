// The simcert command as a user meets it: bad input gives one clear line and a non-zero exit, never a stack
// trace, and nothing reaches a card.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simcertInProcess } from './test-helpers.ts';

// The command's main in this process, as simcert.js calls it (test-helpers.ts); bad-input.test.ts starts the real
// command for one case of each kind of refusal.
async function simcert(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return simcertInProcess(dir, args);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-cli-'));
  await writeFile(join(dir, 'bad.yaml'), 'name: x\ncard:\n  carrier: c\n  variant: v\nixit:\n  transport: usb\n  jpki:\n    pin: { env: X }\nsuites: []\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simcert on bad input', () => {
  it('run with a profile path that does not exist: one line, exit 2', async () => {
    const r = await simcert('run', '--profile', 'missing.yaml');
    expect(r.code).toBe(2);
    expect(r.out.trim().split('\n')).toEqual(['missing.yaml: cannot read the profile: no such file', '1 problem(s) in the profile(s); no card was touched.']);
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('run with a glob that matches nothing says so', async () => {
    const r = await simcert('run', '--profile', 'nothing/*.yaml');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('simcert: --profile nothing/*.yaml: the pattern matches no file');
  });

  it('profile check prints each problem as file:line:column: field: message', async () => {
    const r = await simcert('profile', 'check', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.out.trim().split('\n')).toEqual(['bad.yaml:6:14: ixit.transport: must be one of sim (bundled simulator), vpcd (a virtual card connects to us), pcsc (a reader)']);
  });

  it('an unknown suite is refused before any profile is opened', async () => {
    const r = await simcert('run', '--profile', 'bad.yaml', '--suite', 'nope');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^simcert: --suite nope: no such suite \(suites: .*jpki-signing/);
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await simcert('--help');
    expect(r.code).toBe(0);
    for (const c of ['run', 'profile', 'readers']) expect(r.out).toContain(c);
  });
});
