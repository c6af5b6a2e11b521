// Child processes a run starts (vitest, its workers, the simulators they start) live in one process group of
// their own, so an interruption stops all of them with one kill and none is left behind. A child in its own group
// also no longer gets the terminal's Ctrl-C directly: the harness decides when and how it stops.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface GroupChild {
  child: ChildProcess;
  /** Resolves with the exit code (signal -> 128 + its number is not needed by callers: 1). */
  exited: Promise<number>;
  /** SIGTERM to the whole group, SIGKILL to what is left after `graceMs`; resolves when the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function spawnGroup(command: string, args: string[], options: SpawnOptions): GroupChild {
  const child = spawn(command, args, { ...options, detached: true });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      // Workers or simulators that outlived the leader (an orphan of a crashed worker) go with it.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve(code ?? (signal ? 1 : 0));
    });
  });
  const stop = async (graceMs = 3000): Promise<void> => {
    const pid = child.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const hard = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited.catch(() => undefined);
    clearTimeout(hard);
    signalGroup(pid, 'SIGKILL');
  };
  return { child, exited, stop };
}
