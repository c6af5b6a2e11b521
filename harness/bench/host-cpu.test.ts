// The rack bench's CPU figure: read from the fields proc(5) documents, command names with spaces and parentheses
// included, and counting a child's CPU once the child has ended.
import { execFileSync } from 'node:child_process';
import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuSpent, hostCpu, parseStat } from './host-cpu.ts';

/** A /proc/<pid>/stat line laid out as proc(5) gives it, fields 1 to 17 then more. */
function statLine(comm: string, utime: number, stime: number, cutime: number, cstime: number): string {
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
  return `4242 (${comm}) S 1 4242 4242 0 -1 4194560 900 7000 3 11 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 5 0\n`;
}

describe('host CPU from /proc/self/stat', () => {
  it('reads utime, stime, cutime and cstime after the command name, whatever that name holds', () => {
    expect(parseStat(statLine('node', 250, 50, 1200, 300), 100)).toEqual({ self: 3, children: 15 });
    expect(parseStat(statLine('a (b) c) d', 250, 50, 1200, 300), 100)).toEqual({ self: 3, children: 15 });
    expect(parseStat(statLine('node', 250, 50, 1200, 300), 1000)).toEqual({ self: 0.3, children: 1.5 });
  });

  it('gives no figure for a line without the fields', () => {
    expect(parseStat('4242 node S 1', 100)).toBeUndefined();
    expect(parseStat('4242 (node) S 1 4242', 100)).toBeUndefined();
    expect(cpuSpent(undefined, { self: 1, children: 1 })).toBeUndefined();
  });

  it.runIf(platform() === 'linux')('counts the CPU a child spent once it has ended', () => {
    const before = hostCpu();
    // The child spins until its own CPU clock says 300 ms, then reports what it spent in all.
    const spent = Number(execFileSync(process.execPath, ['-e', [
      'const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };',
      'while (t() < 0.3) ;',
      'process.stdout.write(String(t()));',
    ].join('\n')], { encoding: 'utf8' }));
    const after = hostCpu();
    const children = after!.children - before!.children;
    expect(spent).toBeGreaterThanOrEqual(0.3);
    // One clock tick of rounding either way; the child's start-up (before its clock is read) only adds.
    expect(children).toBeGreaterThanOrEqual(spent - 0.02);
    // Self and children together: never less than the children's part (up to the rounding of sums of seconds, which
    // made 0.30999999999999870 of 0.31000000000000050 once).
    expect(cpuSpent(before, after)! - children).toBeGreaterThanOrEqual(-1e-9);
  });
});
