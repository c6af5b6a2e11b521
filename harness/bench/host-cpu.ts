// The host CPU a benchmark's work cost: this process and every child process it has waited for, with their own
// children (vitests, their workers, the simulators' JVMs, the report tool), read from /proc/self/stat (proc(5):
// utime, stime, cutime, cstime). Wall time alone cannot say whether a rack run was card-bound or host-bound; CPU
// time beside it can. Linux only, as the lab's hosts are: elsewhere there is no figure, not a wrong one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Seconds of CPU (user + system) so far. */
export interface HostCpu {
  self: number;
  /** Children that have ended and been waited for, each with the children it waited for. */
  children: number;
}

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK), the unit of those fields (proc(5)); 100 on Linux's usual architectures. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** Parses a /proc/<pid>/stat line; undefined when it does not have the fields. */
export function parseStat(text: string, ticks: number): HostCpu | undefined {
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses: count from its end.
  const end = text.lastIndexOf(')');
  if (end === -1) return undefined;
  // After ") " comes field 3 (state); utime, stime, cutime and cstime are fields 14 to 17.
  const [utime, stime, cutime, cstime] = text.slice(end + 2).split(' ').slice(11, 15).map(Number);
  if ([utime, stime, cutime, cstime].some((v) => v === undefined || !Number.isFinite(v))) return undefined;
  return { self: (utime! + stime!) / ticks, children: (cutime! + cstime!) / ticks };
}

/** This process's CPU so far, or undefined where there is no /proc (not Linux). */
export function hostCpu(): HostCpu | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  return parseStat(text, clockTicks());
}

/** CPU seconds (self and children together) spent between two readings. */
export function cpuSpent(before: HostCpu | undefined, after: HostCpu | undefined): number | undefined {
  if (!before || !after) return undefined;
  return after.self + after.children - before.self - before.children;
}
