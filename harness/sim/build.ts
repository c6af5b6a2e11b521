// Builds the card side (lab/cardsim and the applets under lab/applets) with plain javac, only when sources
// are newer than the classes, so `simcert run` on a fresh clone needs nothing but a JDK.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeDir } from '../make-dir.ts';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.ts';

const run = promisify(execFile);
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
    await run('javac', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new LabBuildError(`cannot build ${what}: javac not found; install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)`);
    }
    throw new LabBuildError(`javac failed building ${what}:\n${(e.stderr ?? String(err)).trim()}`);
  }
}

/**
 * Compiles srcDir into outDir unless outDir's stamp says it holds these sources already. The classes are compiled
 * into a folder of this call's own and renamed into place, because several processes build at once on a fresh
 * clone (`npm test`'s workers, two runs): each used to empty outDir and compile into it, so one could delete what
 * another was writing. Whoever finishes second finds the first's build current and keeps it.
 */
export async function compile(srcDir: string, outDir: string, what: string, extraArgs: string[], dependsOn: string): Promise<void> {
  const sources = await javaSources(srcDir);
  if (sources.length === 0) throw new LabBuildError(`cannot build ${what}: no .java files under ${relative(repoRoot, srcDir)}`);
  const fingerprint = `${dependsOn}\n${sources.map((s) => relative(repoRoot, s)).join('\n')}\n${await newestMtime(sources)}`;
  const stamp = join(outDir, STAMP);
  if (await upToDate(stamp, fingerprint)) return;
  await makeDir(dirname(outDir));
  const own = await mkdtemp(`${outDir}.building-`);
  try {
    await javac([...extraArgs, '-d', own, ...sources], what);
    await writeFile(join(own, STAMP), fingerprint);
    if (await upToDate(stamp, fingerprint)) return;
    // What is there is older sources' classes (or nothing): replaced.
    await rm(outDir, { recursive: true, force: true });
    try {
      await rename(own, outDir);
    } catch (err) {
      // Another process put its build in place between the two steps above.
      if (!(await upToDate(stamp, fingerprint))) throw err;
    }
  } finally {
    await rm(own, { recursive: true, force: true });
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
  const cardsimClasses = join(buildDir, 'cardsim');
  await compile(join(repoRoot, 'lab', 'cardsim', 'src'), cardsimClasses, 'the card simulator (lab/cardsim)', ['-Xlint:-options'], 'cardsim');
  const cardsimStamp = await readFile(join(cardsimClasses, STAMP), 'utf8');
  const applets: Record<string, string> = {};
  const appletsDir = join(repoRoot, 'lab', 'applets');
  for (const entry of await readdir(appletsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const out = join(buildDir, 'applets', entry.name);
    // --release 8: class files a lab's Java Card converter accepts; the applet sees only the simulator's API.
    await compile(join(appletsDir, entry.name, 'src'), out, `applet ${entry.name} (lab/applets/${entry.name})`,
      ['--release', '8', '-Xlint:-options', '-cp', cardsimClasses], cardsimStamp);
    applets[entry.name] = out;
  }
  return { cardsimClasses, applets };
}
