// What the machine must offer before a run starts, checked before anything is deleted or a card is touched:
// a PC/SC service with the profile's reader for pcsc profiles, a JDK for profiles that run the bundled simulator.
// Each missing piece is one EnvironmentError (exit 3) naming what to install or start.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import type { Profile } from '../profile/types.ts';
import { EnvironmentError } from './errors.ts';

/** The bundled simulator runs (and is built) for this profile: transport sim, or pcsc with the simulator inserted into vpcd readers. */
export function needsJdk(p: Profile): boolean {
  return p.ixit.transport === 'sim' || (p.ixit.transport === 'pcsc' && p.sim?.vpcdReaders !== undefined);
}

function shown(p: Profile): string {
  return relative(process.cwd(), p.file) || p.file;
}

/** The executable `cmd` on PATH, found without starting it (a JVM start costs a second on a busy machine). */
async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The first of the JDK's commands the bundled simulator needs (java, javac) that is not on PATH; undefined when both are. */
export async function missingJdkCommand(): Promise<string | undefined> {
  for (const cmd of ['java', 'javac']) if (!(await onPath(cmd))) return cmd;
  return undefined;
}

async function checkJdk(p: Profile): Promise<void> {
  const missing = await missingJdkCommand();
  if (missing) {
    throw new EnvironmentError(`${shown(p)}: the bundled simulator needs a JDK 17, but ${missing} is not on PATH (Debian: apt-get install openjdk-17-jdk-headless)`);
  }
}

async function checkReaders(p: Profile): Promise<void> {
  // Loaded only here: the binding is optional and only pcsc profiles need it.
  const { listReaders, PcscUnavailableError } = await import('../transport/pcsc.ts');
  let names: string[];
  try {
    names = listReaders().map((r) => r.name);
  } catch (err) {
    if (err instanceof PcscUnavailableError) throw new EnvironmentError(`${shown(p)}: ${err.message}`);
    throw err;
  }
  if (names.length === 0) throw new EnvironmentError(`${shown(p)}: the PC/SC service lists no readers; connect the reader (simcert readers shows what it sees)`);
  const wanted = p.ixit.reader;
  if (wanted !== undefined && !names.some((n) => n === wanted || n.includes(wanted))) {
    throw new EnvironmentError(`${shown(p)}: no reader named "${wanted}" (ixit.reader); the PC/SC service lists: ${names.join(', ')}`);
  }
}

/** Throws an EnvironmentError for the first profile the machine cannot run. JDK and PC/SC are each checked once. */
export async function checkEnvironment(profiles: Profile[]): Promise<void> {
  let jdkChecked = false;
  for (const p of profiles) {
    if (needsJdk(p) && !jdkChecked) {
      await checkJdk(p);
      jdkChecked = true;
    }
    if (p.ixit.transport === 'pcsc') await checkReaders(p);
  }
}
