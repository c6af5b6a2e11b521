// Builds the load file the bundled simulator takes: a JAR of the applet package's classes with a manifest naming
// the package AID and each applet's AID and class (lab/cardsim/README.md). Real cards take a CAP file instead;
// both go through the same INSTALL [for load] + LOAD path.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { filesUnder } from '../files-under.ts';

const run = promisify(execFile);
const JAR_DATE = '2026-01-01T00:00:00Z';

export interface JarLoadFileSpec {
  /** Folder of the compiled package (e.g. lab/build/applets/jpki). */
  classesDir: string;
  packageAid: string;
  applets: { aid: string; class: string }[];
}

// Load files built in this process, by what goes into them (the classes' bytes and the manifest): the `jar` tool is
// a JVM of its own, about 0.2 CPU-s a run, and a worker running a rack's cards side by side installs the same applet
// on each of them.
const built = new Map<string, Promise<Uint8Array>>();

export async function buildJarLoadFile(spec: JarLoadFileSpec): Promise<Uint8Array> {
  const manifest = [`Java-Card-Package-AID: ${spec.packageAid.toUpperCase()}`,
    ...spec.applets.flatMap((a, i) => [`Java-Card-Applet-${i + 1}-AID: ${a.aid.toUpperCase()}`, `Java-Card-Applet-${i + 1}-Class: ${a.class}`])];
  const key = await contentKey(spec.classesDir, manifest);
  let jar = built.get(key);
  if (!jar) {
    jar = runJar(spec.classesDir, manifest);
    built.set(key, jar);
    jar.catch(() => built.delete(key));
  }
  // A copy: a caller may change its load file (a corrupted block, a test) without changing the next caller's.
  return new Uint8Array(await jar);
}

/** A digest of the manifest and of every file under `dir`, by its path there and its bytes. */
async function contentKey(dir: string, manifest: string[]): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify(manifest));
  for (const f of await filesUnder(dir)) {
    h.update(`${f.length}:${f}`);
    const bytes = await readFile(join(dir, f));
    h.update(`${bytes.length}:`).update(bytes);
  }
  return h.digest('hex');
}

async function runJar(classesDir: string, manifest: string[]): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'simcert-lf-'));
  try {
    await writeFile(join(dir, 'MANIFEST.MF'), `${manifest.join('\n')}\n`);
    const jar = join(dir, 'load-file.jar');
    // The class files go in unchanged: jar only zips them (no compression options that would matter to a card).
    // A fixed entry date makes the same classes give the same bytes, so every profile of a run gets one load file.
    await run('jar', ['--create', '--file', jar, `--date=${JAR_DATE}`, '--manifest', join(dir, 'MANIFEST.MF'), '-C', classesDir, '.']);
    return new Uint8Array(await readFile(jar));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
