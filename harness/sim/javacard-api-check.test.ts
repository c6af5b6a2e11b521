// The applets must compile to what a Java Card converter accepts. The check runs javap over the built classes;
// a deliberately bad class proves it catches String, long, int and JDK collections.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLab } from './build.ts';
import { checkJavaCardSubset, formatViolation } from './javacard-api-check.ts';

const run = promisify(execFile);
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe('Java Card API subset check', () => {
  it('finds nothing outside the Java Card API in the reference JPKI applet', async () => {
    const lab = await buildLab();
    const violations = await checkJavaCardSubset(lab.applets.jpki!);
    expect(violations.map(formatViolation)).toEqual([]);
  });

  it('reports String, long, int, JDK classes and simulator internals, naming class and member', async () => {
    const lab = await buildLab();
    const dir = await mkdtemp(join(tmpdir(), 'simcert-jc-'));
    temps.push(dir);
    await mkdir(join(dir, 'src', 'bad'), { recursive: true });
    await writeFile(join(dir, 'src', 'bad', 'BadApplet.java'), [
      'package bad;',
      'import javacard.framework.*;',
      'public class BadApplet extends Applet {',
      '    private long counter;',
      '    private java.util.ArrayList<Object> list = new java.util.ArrayList<>();',
      '    public void process(APDU apdu) { String s = "hello"; counter++; list.add(s); }',
      '    int size(int x) { return x; }',
      '    byte[] sign(byte[] m) { return javacard.security.Rsa.pad(m, 256, 1); }',
      '}',
    ].join('\n'));
    const out = join(dir, 'classes');
    await run('javac', ['--release', '8', '-Xlint:-options', '-cp', lab.cardsimClasses, '-d', out, join(dir, 'src', 'bad', 'BadApplet.java')]);
    const found = (await checkJavaCardSubset(out)).map(formatViolation);
    expect(found).toContain('bad.BadApplet private long counter;: is declared with long');
    expect(found).toContain('bad.BadApplet int size(int);: is declared with int');
    expect(found).toContain('bad.BadApplet: uses java.util.ArrayList, which is not in the Java Card API');
    expect(found).toContain('bad.BadApplet hello: has a String constant (Java Card has no String)');
    expect(found).toContain('bad.BadApplet: uses javacard.security.Rsa, which is not in the Java Card API');
  });
});
