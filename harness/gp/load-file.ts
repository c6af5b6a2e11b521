// Builds the load file the bundled simulator takes: a JAR of the applet package's classes with a manifest naming
// the package AID and each applet's AID and class (lab/cardsim/README.md). Real cards take a CAP file instead;
// both go through the same INSTALL [for load] + LOAD path.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const JAR_DATE = '2026-01-01T00:00:00Z';

export interface JarLoadFileSpec {
  /** Folder of the compiled package (e.g. lab/build/applets/jpki). */
  classesDir: string;
  packageAid: string;
  applets: { aid: string; class: string }[];
}

export async function buildJarLoadFile(spec: JarLoadFileSpec): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'simcert-lf-'));
  try {
    const manifest = [`Java-Card-Package-AID: ${spec.packageAid.toUpperCase()}`,
      ...spec.applets.flatMap((a, i) => [`Java-Card-Applet-${i + 1}-AID: ${a.aid.toUpperCase()}`, `Java-Card-Applet-${i + 1}-Class: ${a.class}`])];
    await writeFile(join(dir, 'MANIFEST.MF'), `${manifest.join('\n')}\n`);
    const jar = join(dir, 'load-file.jar');
    // The class files go in unchanged: jar only zips them (no compression options that would matter to a card).
    // A fixed entry date makes the same classes give the same bytes, so every profile of a run gets one load file.
    await run('jar', ['--create', '--file', jar, `--date=${JAR_DATE}`, '--manifest', join(dir, 'MANIFEST.MF'), '-C', spec.classesDir, '.']);
    return new Uint8Array(await readFile(jar));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
