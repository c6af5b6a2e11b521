// The rule "no test body without an assertion" is in force: both vitest configs load the setup file, and a test
// that asserts nothing fails under the project's config (the fixture file, run in a child vitest).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot, vitestCli } from '../paths.ts';
import projectConfig from '../../vitest.config.ts';
import suitesConfig from '../../suites/vitest.config.ts';

const run = promisify(execFile);
const SETUP = 'harness/testing/require-assertions.ts';

describe('every test must assert something', () => {
  it('both configs load the setup file', () => {
    expect(projectConfig.test?.setupFiles).toContain(SETUP);
    expect(suitesConfig.test?.setupFiles).toContain(SETUP);
  });

  it('a test that asserts nothing fails, saying so', async () => {
    const vitest = vitestCli();
    const r = await run(process.execPath, [vitest, 'run', '--config', 'vitest.config.ts', 'harness/testing/no-assertion-fixture.test.ts'], {
      cwd: repoRoot,
      env: { ...process.env, SIMCERT_ASSERTION_FIXTURE: '1', CI: 'true', NO_COLOR: '1' },
    }).then(() => ({ code: 0, out: '' }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('expected any number of assertion, but got none');
    expect(r.out).toMatch(/1 failed/);
  }, 60_000);
});
