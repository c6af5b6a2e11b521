// Builds the load file the bundled simulator takes: a JAR of the applet package's classes with a manifest naming
// the package AID and each applet's AID and class (lab/cardsim/README.md). Real cards take a CAP file instead;
// both go through the same INSTALL [for load] + LOAD path.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { filesUnder } from '../files-under.ts';

/**
 * Every entry's date, so the same classes and manifest give the same bytes. Local midnight: a ZIP entry's date is
 * local time, and this one is written as 2026-01-01 00:00 whatever the machine's time zone.
 */
const ENTRY_DATE = new Date(2026, 0, 1);
/** The JAR specification's limit on a manifest line, in bytes, line break excluded; longer values continue on the next line after one space. */
const MANIFEST_LINE_BYTES = 72;

export interface JarLoadFileSpec {
  /** Folder of the compiled package (e.g. lab/build/applets/jpki). */
  classesDir: string;
  packageAid: string;
  applets: { aid: string; class: string }[];
}

/**
 * Zipped here (fflate) rather than by the JDK's `jar` tool, a JVM of its own per load file (about 0.3 CPU-s, and npm
 * test built sixteen). The layout is what java.util.jar.JarInputStream, which the simulator reads it with, expects:
 * the manifest first (JAR File Specification, "JAR Manifest"), then the class files, unchanged, by their path in the
 * package's folder.
 */
export async function buildJarLoadFile(spec: JarLoadFileSpec): Promise<Uint8Array> {
  const attributes: [string, string][] = [
    ['Manifest-Version', '1.0'],
    ['Created-By', 'simcert'],
    ['Java-Card-Package-AID', spec.packageAid.toUpperCase()],
    ...spec.applets.flatMap((a, i): [string, string][] => [[`Java-Card-Applet-${i + 1}-AID`, a.aid.toUpperCase()], [`Java-Card-Applet-${i + 1}-Class`, a.class]]),
  ];
  const entries: Zippable = { 'META-INF/MANIFEST.MF': new TextEncoder().encode(manifest(attributes)) };
  for (const f of await filesUnder(spec.classesDir)) entries[f.split(/[\\/]/).join('/')] = new Uint8Array(await readFile(join(spec.classesDir, f)));
  return zipSync(entries, { mtime: ENTRY_DATE });
}

/** The main section of a manifest: one `Name: value` per attribute, lines of at most 72 bytes, CRLF, a blank line at the end. */
export function manifest(attributes: [string, string][]): string {
  const lines: string[] = [];
  for (const [name, value] of attributes) {
    // Split by bytes, never inside a UTF-8 sequence: the names and values here are ASCII, so a byte is a character.
    if (!/^[\x20-\x7e]*$/.test(name + value)) throw new RangeError(`manifest attribute ${name}: only printable ASCII is written here`);
    let rest = `${name}: ${value}`;
    lines.push(rest.slice(0, MANIFEST_LINE_BYTES));
    rest = rest.slice(MANIFEST_LINE_BYTES);
    for (; rest.length > 0; rest = rest.slice(MANIFEST_LINE_BYTES - 1)) lines.push(` ${rest.slice(0, MANIFEST_LINE_BYTES - 1)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
