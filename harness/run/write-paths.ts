// Output folders and files made ready before a run spends time on a card: created with a bounded walk up the path,
// then probed by writing a file, so an unwritable path fails fast with one line naming it and the OS error.
// Folders are made with makeDir (harness/make-dir.ts), never mkdir({ recursive: true }), which spins on /proc/x.
import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { makeDir } from '../make-dir.ts';

export { makeDir };
import { EnvironmentError } from './errors.ts';

/** "ENOENT: no such file or directory" from a Node fs error (its message without the syscall and path). */
export function osError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const text = (e.message ?? String(err)).replace(/, \w+ '.*'$/s, '');
  return e.code && !text.startsWith(e.code) ? `${e.code}: ${text}` : text;
}

async function probeDir(abs: string): Promise<void> {
  await makeDir(abs);
  const probe = resolve(abs, `.simcert-probe-${process.pid}`);
  await writeFile(probe, '', { flag: 'wx' });
  await unlink(probe);
}

/**
 * Makes sure files can be written in `dir` (creating it if needed) by writing and removing a probe file.
 * `what` names the output in the error: "cannot write <what> to <dir>: ENOENT: no such file or directory".
 */
export async function ensureWritableDir(dir: string, what: string): Promise<string> {
  const abs = resolve(dir);
  try {
    await probeDir(abs);
  } catch (err) {
    throw new EnvironmentError(`cannot write ${what} to ${dir}: ${osError(err)}`);
  }
  return abs;
}

/** The folder a file is to be written in, checked the same way; the error names the file. */
export async function ensureWritableFile(file: string, what: string): Promise<string> {
  const abs = resolve(file);
  try {
    await probeDir(dirname(abs));
  } catch (err) {
    throw new EnvironmentError(`cannot write ${what} to ${file}: ${osError(err)}`);
  }
  return abs;
}

/** Writes a file whose folder was checked; a failure still names the path and the OS error. */
export async function writeOutput(file: string, text: string | Uint8Array, what: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new EnvironmentError(`cannot write ${what} to ${file}: ${osError(err)}`);
  }
}

/**
 * Replaces a file whole: the text goes to a file beside it (named for this process, so two runs never share one),
 * which is then renamed over it, so a reader, or whatever stops the run, finds either the old file or the new one,
 * never half of one. A failure names the path and the OS error and leaves no partial file behind.
 */
export async function replaceFile(file: string, text: string | Uint8Array, what: string): Promise<void> {
  const part = `${file}.${process.pid}.part`;
  try {
    await writeFile(part, text);
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true }).catch(() => undefined);
    throw new EnvironmentError(`cannot write ${what} to ${file}: ${osError(err)}`);
  }
}
