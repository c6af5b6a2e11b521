// Runs one of the fixture test files under the project's own config in a child vitest, the way `npm test` would
// run it, for the tests that show what the config does to a bad test (require-assertions, stall-watch). The
// fixtures skip themselves unless their environment variable is set. A fixture's run is expected to fail: its exit
// code and output (stdout, then stderr) are what the caller checks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot, vitestCli } from '../paths.ts';

const run = promisify(execFile);

export interface FixtureRun {
  code: number | undefined;
  /** stdout then stderr; empty when the run passed. */
  out: string;
}

export async function runFixture(file: string, env: Record<string, string>, timeoutMs?: number): Promise<FixtureRun> {
  return run(process.execPath, [vitestCli(), 'run', '--config', 'vitest.config.ts', file], {
    cwd: repoRoot,
    env: { ...process.env, ...env, CI: 'true', NO_COLOR: '1' },
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  }).then(() => ({ code: 0, out: '' }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
}
