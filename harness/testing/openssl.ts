// openssl, the independent oracle the CA tests consult: its exit status and everything it printed, without
// throwing on a non-zero status (several cases expect openssl to refuse). Asynchronous, so a responder served
// from the same process can answer it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run('openssl', args);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
