// The applets must compile to what a Java Card converter accepts. The check runs javap over the built classes;
// deliberately bad classes prove it catches String, long, int, JDK collections, lambdas, array clone() and the
// simulator's own helpers, and names the class and member each is in.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLab } from './build.ts';
import { checkJavaCardSubset, formatViolation } from './javacard-api-check.ts';
import { runJdkTool } from './jdk-tools.ts';

const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** Compiles `sources` (path under src -> text) against the simulator's API as the lab build does. */
async function compileAgainstApi(sources: Record<string, string>): Promise<string> {
  const lab = await buildLab();
  const dir = await mkdtemp(join(tmpdir(), 'simcert-jc-'));
  temps.push(dir);
  const files: string[] = [];
  for (const [path, text] of Object.entries(sources)) {
    const file = join(dir, 'src', path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
    files.push(file);
  }
  const out = join(dir, 'classes');
  await runJdkTool('javac', ['--release', '8', '-Xlint:-options', '-cp', lab.cardsimClasses, '-d', out, ...files]);
  return out;
}

describe('Java Card API subset check', () => {
  it('finds nothing outside the Java Card API in the reference JPKI applet', async () => {
    const lab = await buildLab();
    const violations = await checkJavaCardSubset(lab.applets.jpki!);
    expect(violations.map(formatViolation)).toEqual([]);
  });

  it('finds nothing outside the Java Card API in the capability probe applet of simcert probe --deep', async () => {
    const lab = await buildLab();
    const violations = await checkJavaCardSubset(lab.applets['capability-probe']!);
    expect(violations.map(formatViolation)).toEqual([]);
  });

  it('reports String, long, JDK classes, int, lambdas, array clone and simulator internals, naming class and member', async () => {
    const out = await compileAgainstApi({
      'bad/BadApplet.java': [
        'package bad;',
        'import javacard.framework.*;',
        'public class BadApplet extends Applet {',
        '    private long counter;',
        '    private java.util.ArrayList<Object> list = new java.util.ArrayList<>();',
        '    public void process(APDU apdu) { String s = "hello"; counter++; list.add(s); }',
        '    int size(int x) { return x; }',
        '    short count(short n) { short[] a = new short[n]; int[] b = new int[n]; return (short) (a.length + b.length); }',
        '    byte[] copy(byte[] m) { return m.clone(); }',
        '    Object later() { Runnable r = () -> { }; return r; }',
        '    byte[] sign(byte[] m) { return javacard.security.Rsa.pad(m, 256, 1); }',
        '}',
      ].join('\n'),
    });
    const found = (await checkJavaCardSubset(out)).map(formatViolation);
    expect(found).toContain('bad.BadApplet.counter: is declared with long');
    expect(found).toContain('bad.BadApplet.process(javacard.framework.APDU): uses counter:J, typed with long');
    expect(found).toContain('bad.BadApplet.process(javacard.framework.APDU): computes with long');
    expect(found).toContain('bad.BadApplet.process(javacard.framework.APDU): has the String constant "hello" (Java Card has no String)');
    expect(found).toContain('bad.BadApplet.list: is declared with java.util.ArrayList, which is not in the Java Card API');
    expect(found).toContain('bad.BadApplet.BadApplet(): uses java.util.ArrayList, which is not in the Java Card API');
    expect(found).toContain('bad.BadApplet.process(javacard.framework.APDU): uses java.util.ArrayList, which is not in the Java Card API');
    expect(found).toContain('bad.BadApplet.size(int): is declared with int');
    expect(found).toContain('bad.BadApplet.count(short): creates an array of int');
    expect(found.filter((f) => f.startsWith('bad.BadApplet.count(short)'))).toEqual(['bad.BadApplet.count(short): creates an array of int']);
    expect(found).toContain('bad.BadApplet.copy(byte[]): calls clone() on an array (Java Card arrays have no methods)');
    expect(found).toContain('bad.BadApplet.later(): uses invokedynamic (a lambda or string concatenation)');
    expect(found).toContain('bad.BadApplet.sign(byte[]): uses javacard.security.Rsa, which is not in the Java Card API');
  });

  it('reports JDK exceptions caught, JDK super classes and String concatenation; accepts the Java Card java.lang subset', async () => {
    const out = await compileAgainstApi({
      'bad/Caught.java': [
        'package bad;',
        'public class Caught extends java.io.InputStream {',
        '    public int read() { return -1; }',
        '    short safe(byte[] b) {',
        '        try { return b[0]; } catch (ArrayIndexOutOfBoundsException e) { return 0; }',
        '        catch (javacard.framework.ISOException e) { return 1; }',
        '    }',
        '    short risky(Object o) { try { o.wait(); } catch (InterruptedException e) { return 1; } return 0; }',
        '    void say(byte b) { javacard.framework.ISOException.throwIt((short) ("x" + b).length()); }',
        '}',
      ].join('\n'),
    });
    const found = (await checkJavaCardSubset(out)).map(formatViolation);
    expect(found).toContain('bad.Caught: uses java.io.InputStream, which is not in the Java Card API');
    expect(found).toContain('bad.Caught.read(): is declared with int');
    expect(found).toContain('bad.Caught.risky(java.lang.Object): uses java.lang.InterruptedException, which is not in the Java Card API');
    expect(found.some((f) => f.startsWith('bad.Caught.say(byte): uses java.lang.StringBuilder'))).toBe(true);
    expect(found.filter((f) => f.startsWith('bad.Caught.safe('))).toEqual([]);
  });
});
