// Test fixture: pcscd with its two vpcd readers, held for one test file through `lab/pcsc/pcscd.sh hold`, so that
// a concurrent `npm test` from another clone waits for the readers instead of racing for them, and no run stops a
// pcscd another run is using. The script takes the lock and starts pcscd if none runs; it stops pcscd (only if it
// started it) and lets go when this process closes its standard input, which also happens if this process dies.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.ts';
import { loadPcsc } from './pcsc.ts';

const run = promisify(execFile);
export const PCSCD_SCRIPT = join(repoRoot, 'lab', 'pcsc', 'pcscd.sh');

/** Why pcscd cannot run here (no binding, packages or root), or undefined when it can. */
export async function pcscdUnavailable(): Promise<string | undefined> {
  try {
    loadPcsc();
  } catch (err) {
    return (err as Error).message;
  }
  try {
    await run('bash', [PCSCD_SCRIPT, 'check']);
    return undefined;
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    if (e.code === 3) return (e.stderr ?? '').trim();
    throw new Error(`lab/pcsc/pcscd.sh check failed: ${(e.stderr ?? String(err)).trim()}`);
  }
}

export interface PcscdHold {
  /** True when this hold started pcscd (and so will stop it); false when someone else runs it. */
  readonly startedHere: boolean;
  /** Everything the script printed so far (its warnings go to stderr). */
  readonly output: () => string;
  /** Lets go: stops pcscd if this hold started it, then releases the lock. */
  release(): Promise<void>;
}

export interface HoldOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with each line the script prints while waiting (e.g. "waiting for another simcert run"). */
  onLine?: (line: string) => void;
}

/** Holds pcscd for this process; resolves once the script says "ready". */
export function holdPcscd(options: HoldOptions = {}): Promise<PcscdHold> {
  const child: ChildProcessWithoutNullStreams = spawn('bash', [PCSCD_SCRIPT, 'hold'], { env: { ...process.env, ...options.env }, stdio: 'pipe' });
  let out = '';
  let pending = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        options.onLine?.(line);
        const ready = /^pcscd\.sh: ready \((pcscd started here|pcscd run by someone else)/.exec(line);
        if (ready) {
          resolve({
            startedHere: ready[1] === 'pcscd started here',
            output: () => out,
            async release() {
              child.stdin.end();
              const code = await exited;
              if (code !== 0) throw new Error(`lab/pcsc/pcscd.sh hold ended with exit code ${code}:\n${out}`);
            },
          });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    void exited.then((code) => reject(new Error(`lab/pcsc/pcscd.sh hold exited (code ${code}) before pcscd was ready:\n${out}`)));
  });
}
