// Runs this same simcert command again as a child in a process group of its own, and passes Ctrl-C / SIGTERM on
// to it alone. Why: a terminal's Ctrl-C goes to every process of the foreground group, so the simulator a bench
// run started (a direct child) would die with the APDU in flight, and the sample it was timing would be lost. In
// its own group, only simcert's handler hears the signal: it finishes that APDU, writes the samples, then stops
// the simulator itself. A second Ctrl-C kills the whole group (nothing is written) and exits 130.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT } from '../run/errors.ts';

/** Set in the child, so it does the work instead of starting another child. */
export const OWN_GROUP_ENV = 'SIMCERT_IN_OWN_GROUP';

export function inOwnGroup(): boolean {
  return process.env[OWN_GROUP_ENV] === '1';
}

export function rerunInOwnGroup(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, [OWN_GROUP_ENV]: '1' },
  });
  let signals = 0;
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const forward = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) child.kill(signal);
    else killGroup();
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`simcert: cannot start the bench process: ${err.message}\n`);
      resolve(EXIT.failed);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      killGroup(); // a simulator left by a child that was killed outright
      if (signals > 1) resolve(EXIT.interrupted);
      else resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : EXIT.failed));
    });
  });
}
