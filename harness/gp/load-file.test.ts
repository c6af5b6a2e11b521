// The simulator's load file (load-file.ts): a JAR of the package's classes whose manifest names the package and its
// applets. The same classes and manifest give the same bytes; a class changed since, or another manifest, gives a new
// load file, never the one built before. That the simulator's reader (java.util.jar.JarInputStream) takes it is shown
// by every install through LOAD (gp/content-on-simulator.test.ts and the suites).
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab } from '../sim/build.ts';
import { buildJarLoadFile, manifest, type JarLoadFileSpec } from './load-file.ts';

const CLASS = 'org/simcert/applets/probe/RuntimeProbe.class';
let dir: string;
let spec: JarLoadFileSpec;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-load-file-'));
  await cp((await buildLab()).applets['runtime-probe']!, join(dir, 'classes'), { recursive: true });
  spec = { classesDir: join(dir, 'classes'), packageAid: 'F053494D434552545001', applets: [{ aid: 'F053494D43455254500101', class: 'org.simcert.applets.probe.RuntimeProbe' }] };
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the simulator\'s load file', () => {
  it('holds the classes as they are and a manifest naming the package and its applet', async () => {
    const entries = unzipSync(await buildJarLoadFile(spec));
    expect(entries[CLASS]).toBeDefined();
    const manifest = strFromU8(entries['META-INF/MANIFEST.MF']!);
    expect(manifest).toContain('Java-Card-Package-AID: F053494D434552545001');
    expect(manifest).toContain('Java-Card-Applet-1-Class: org.simcert.applets.probe.RuntimeProbe');
  });

  it('is the same bytes when built again, and a change to one copy does not reach the next', async () => {
    const first = await buildJarLoadFile(spec);
    first[0] = first[0]! ^ 0xff;
    const second = await buildJarLoadFile(spec);
    expect(second[0]).not.toBe(first[0]);
    first[0] = first[0]! ^ 0xff;
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('is built anew when a class changes, or the manifest', async () => {
    const before = await buildJarLoadFile(spec);
    await writeFile(join(spec.classesDir, CLASS), 'changed');
    const after = unzipSync(await buildJarLoadFile(spec));
    expect(strFromU8(after[CLASS]!)).toBe('changed');
    const renamed = unzipSync(await buildJarLoadFile({ ...spec, packageAid: 'F053494D434552545002' }));
    expect(strFromU8(renamed['META-INF/MANIFEST.MF']!)).toContain('Java-Card-Package-AID: F053494D434552545002');
    // The one built before the change still holds the class as it was.
    expect(strFromU8(unzipSync(before)[CLASS]!)).not.toBe('changed');
  });
});

describe('the load file\'s manifest', () => {
  it('keeps each line within the JAR specification\'s 72 bytes, continuing a long value after one space', () => {
    const cls = `org.simcert.applets.${'deeply.nested.'.repeat(8)}Applet`;
    const text = manifest([['Manifest-Version', '1.0'], ['Java-Card-Applet-1-Class', cls]]);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    const lines = text.slice(0, -4).split('\r\n');
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(72);
    expect(lines[0]).toBe('Manifest-Version: 1.0');
    // Read back as the specification says: a line starting with one space continues the one before.
    expect(lines.slice(1).map((l, i) => (i === 0 ? l : l.slice(1))).join('')).toBe(`Java-Card-Applet-1-Class: ${cls}`);
    expect(lines.length).toBeGreaterThan(3);
  });

  it('refuses what it would have to encode (a name or value outside printable ASCII)', () => {
    expect(() => manifest([['Created-By', 'simcert\u00e9']])).toThrow(/only printable ASCII/);
  });
});
