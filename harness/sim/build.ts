// Builds the card side (lab/cardsim and the applets under lab/applets) with plain javac, only when sources
// are newer than the classes, so `simcert run` on a fresh clone needs nothing but a JDK.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { makeDir } from '../make-dir.ts';
import { basename, dirname, join, relative } from 'node:path';
import { repoRoot } from '../paths.ts';
import { runJdkTool, type ToolFailure } from './jdk-tools.ts';

/** In a classes folder: which sources it was built from (upToDate). */
const STAMP = '.build-stamp';

export interface LabBuild {
  /** Classes of the simulator and its Java Card API. */
  cardsimClasses: string;
  /** Applet codebase name (folder under lab/applets) -> its classes folder. */
  applets: Record<string, string>;
}

export class LabBuildError extends Error {}

async function javaSources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await javaSources(p)));
    else if (entry.name.endsWith('.java')) out.push(p);
  }
  return out.sort();
}

async function newestMtime(files: string[]): Promise<number> {
  let newest = 0;
  for (const f of files) newest = Math.max(newest, (await stat(f)).mtimeMs);
  return newest;
}

/** A stamp file records which sources (and their newest mtime) the classes were built from. */
async function upToDate(stampFile: string, fingerprint: string): Promise<boolean> {
  try {
    return (await readFile(stampFile, 'utf8')) === fingerprint;
  } catch {
    return false;
  }
}

async function javac(args: string[], what: string): Promise<void> {
  try {
    await runJdkTool('javac', args);
  } catch (err) {
    const e = err as ToolFailure;
    if (e.code === 'ENOENT') {
      throw new LabBuildError(`cannot build ${what}: javac not found; install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)`);
    }
    throw new LabBuildError(`javac failed building ${what}:\n${(e.stderr ?? String(err)).trim()}`);
  }
}

/** Where the builds of `link` are kept, one folder per fingerprint: beside it, in a folder listings skip. */
function buildsOf(link: string): string {
  return join(dirname(link), '.builds');
}

/**
 * Compiles srcDir, unless it is built already, into a folder named for what it was built from (its fingerprint),
 * and points `link` (a symbolic link, for people and for jCardSim's class path) at it. Returns that folder.
 *
 * A build is never changed or deleted once in place, because several processes build at once on a fresh clone
 * (`npm test`'s workers, two runs) while others already run simulators from it: a JVM loads its classes lazily, so
 * replacing the folder under it (as this used to, emptying it and renaming a new one in) could cost it a class in
 * the middle of a command. Each caller compiles into a folder of its own and renames it into place when whole; one
 * that finds the place taken by an identical build keeps that one.
 */
export async function compile(srcDir: string, link: string, what: string, extraArgs: string[], dependsOn: string): Promise<string> {
  const sources = await javaSources(srcDir);
  if (sources.length === 0) throw new LabBuildError(`cannot build ${what}: no .java files under ${relative(repoRoot, srcDir)}`);
  const fingerprint = `${dependsOn}\n${sources.map((s) => relative(repoRoot, s)).join('\n')}\n${await newestMtime(sources)}`;
  const builds = buildsOf(link);
  const outDir = join(builds, `${basename(link)}-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}`);
  if (!(await upToDate(join(outDir, STAMP), fingerprint))) {
    await makeDir(builds);
    const own = await mkdtemp(`${outDir}.building-`);
    try {
      await javac([...extraArgs, '-d', own, ...sources], what);
      await writeFile(join(own, STAMP), fingerprint);
      await rename(own, outDir).catch(async (err: unknown) => {
        // Another process put the same build in place first (rename does not replace a folder that has files).
        if (!(await upToDate(join(outDir, STAMP), fingerprint))) throw err;
      });
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  }
  await pointAt(link, outDir);
  return outDir;
}

/** Makes `link` a symbolic link to `target`, replaced in one step; a folder there (the older layout) goes first. */
async function pointAt(link: string, target: string): Promise<void> {
  const to = relative(dirname(link), target);
  if ((await readlink(link).catch(() => undefined)) === to) return;
  // Named with a leading dot, as the builds' folder is: a listing of the links skips both.
  const tmp = join(dirname(link), `.${basename(link)}.link-${process.pid}-${randomBytes(4).toString('hex')}`);
  await symlink(to, tmp);
  try {
    await rename(tmp, link).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EISDIR' && err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(link, { recursive: true, force: true });
      await rename(tmp, link);
    });
  } finally {
    await rm(tmp, { force: true });
  }
}

let pending: Promise<LabBuild> | undefined;

/** Builds the simulator and every applet under lab/applets; safe to call repeatedly (one build per process). */
export function buildLab(): Promise<LabBuild> {
  pending ??= buildLabNow().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function buildLabNow(): Promise<LabBuild> {
  const buildDir = join(repoRoot, 'lab', 'build');
  const cardsimClasses = await compile(join(repoRoot, 'lab', 'cardsim', 'src'), join(buildDir, 'cardsim'), 'the card simulator (lab/cardsim)', ['-Xlint:-options'], 'cardsim');
  const cardsimStamp = await readFile(join(cardsimClasses, STAMP), 'utf8');
  const applets: Record<string, string> = {};
  const appletsDir = join(repoRoot, 'lab', 'applets');
  for (const entry of await readdir(appletsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    // --release 8: class files a lab's Java Card converter accepts; the applet sees only the simulator's API.
    applets[entry.name] = await compile(join(appletsDir, entry.name, 'src'), join(buildDir, 'applets', entry.name), `applet ${entry.name} (lab/applets/${entry.name})`,
      ['--release', '8', '-Xlint:-options', '-cp', cardsimClasses], cardsimStamp);
  }
  return { cardsimClasses, applets };
}
