// A JVM the harness starts and follows through its output: the simulator (one card, or CardHost's many), and npm
// test's run-wide card host and JDK tool server. Its lines as they come, a line awaited with a deadline, why it
// exited, and stopping it. What a message calls the process (`who`) is the caller's: "the simulator", "the test
// run's card host".
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export class JavaProcessError extends Error {}

/** A process's output, line by line: the last lines, kept for its error, and each line to whoever listens. */
export interface OutputLines {
  recent: string[];
  listeners: Set<(line: string) => void>;
}

export function outputLines(...streams: Readable[]): OutputLines {
  const lines: OutputLines = { recent: [], listeners: new Set() };
  for (const stream of streams) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.recent.push(line);
        if (lines.recent.length > 200) lines.recent.shift();
        for (const l of [...lines.listeners]) l(line);
      }
    });
  }
  return lines;
}

/** Resolves with the rest of the first line from now on that starts with `prefix`; rejects after timeoutMs. */
export function lineAfter(lines: OutputLines, prefix: string, timeoutMs: number, who: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      lines.listeners.delete(onLine);
    };
    const onLine = (line: string): void => {
      if (line.startsWith(prefix)) {
        done();
        resolve(line.slice(prefix.length).trim());
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new JavaProcessError(`${who} did not answer "${prefix}" within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    lines.listeners.add(onLine);
  });
}

/**
 * Resolves (never rejects) with why the process is gone: it could not start, or it exited (`exitedWhy` says what
 * that means for the caller, from "code N" or the signal); its last lines follow.
 */
export function exitOf(child: ChildProcess, lines: OutputLines, who: string, exitedWhy: (how: string) => string): Promise<Error> {
  return new Promise<Error>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve(new JavaProcessError(err.code === 'ENOENT' ? `cannot start ${who}: java not found; install a JDK 17` : `cannot start ${who}: ${err.message}`)));
    child.on('exit', (code, signal) => resolve(new JavaProcessError(`${exitedWhy(signal ?? `code ${code}`)}:\n${lines.recent.join('\n').trim()}`)));
  });
}

/**
 * Waits for the process to exit; SIGTERM after `graceMs` (a process told to end through its input gets that long to
 * do so; 0 for one that takes no input), SIGKILL 3 s later.
 */
export async function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const grace = setTimeout(() => child.kill('SIGTERM'), graceMs);
  const hard = setTimeout(() => child.kill('SIGKILL'), graceMs + 3000);
  await done;
  clearTimeout(grace);
  clearTimeout(hard);
}
