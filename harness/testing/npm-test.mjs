// `npm test`: the type check (`tsc --noEmit`) and the tests (vitest on vitest.config.ts) side by side, instead of one
// after the other. vitest.config.ts runs the timing model's file first and alone, and its two cards sleep through
// their model's delays, so the type check (one core, about 8 s) fills time the host would otherwise leave idle
// (measured on two cores: the model's median 251.2 ms idle, 253.3 ms beside a type check, against 250 ms ± 2 %).
// The type check's output is held back and printed after the tests', so it is not lost among them; the command
// fails if either fails. Arguments go to vitest (`npm test -- harness/tlv`).
// Plain JavaScript: it runs before anything can load TypeScript.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const bin = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

/** The child's exit code (1 when it could not start or a signal stopped it) and, then, why. */
function ended(child, name) {
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 1, why: `cannot start ${name}: ${err.message}` }));
    child.on('exit', (code, signal) => resolve({ code: code ?? 1, why: signal ? `${name} stopped by ${signal}` : '' }));
  });
}

const tsc = spawn(process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let typeErrors = '';
tsc.stdout.on('data', (chunk) => (typeErrors += chunk));
tsc.stderr.on('data', (chunk) => (typeErrors += chunk));
const typeChecked = ended(tsc, 'tsc');

const vitest = spawn(process.execPath, [bin('vitest', 'vitest.mjs'), 'run', '--config', 'vitest.config.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
const tested = ended(vitest, 'vitest');

// Ctrl-C reaches both children from the terminal; a signal sent to this process alone (CI's timeout) is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of [tsc, vitest]) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

const tests = await tested;
const types = await typeChecked;
if (tests.why) process.stderr.write(`npm test: ${tests.why}\n`);
if (types.code !== 0) {
  process.stderr.write(`\nnpm test: the type check failed (tsc --noEmit${types.why ? `; ${types.why}` : ''}):\n${typeErrors}`);
} else {
  process.stdout.write('npm test: type check (tsc --noEmit) passed\n');
}
process.exitCode = tests.code !== 0 ? tests.code : types.code;
