// Vitest setup file for the project's own tests: what a test file changes in the process it runs in (environment
// variables, the working directory) is put back when the file ends. The files share worker processes
// (vitest.config.ts: isolate false), so without this one file's SIMCERT_JPKI_PIN or chdir would reach the next.
import { afterAll, beforeAll } from 'vitest';

let env: NodeJS.ProcessEnv;
let cwd: string;

beforeAll(() => {
  env = { ...process.env };
  cwd = process.cwd();
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  process.chdir(cwd);
});
