// Checks that compiled applet classes use only what a Java Card classic platform offers: the javacard.* and
// javacardx.* API, the GlobalPlatform Card API (org.globalplatform), the applet's own classes, and the java.lang subset of the Java Card 3.0.5 API specification
// (Object, Throwable and the exceptions the virtual machine throws). No String, no long/float/double/int in
// fields or method signatures, no invokedynamic: javac accepts all of them, a card's converter does not.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Violation {
  /** Internal class name, e.g. org/simcert/applets/jpki/JpkiApplet. */
  className: string;
  /** The member (name:descriptor) or constant the problem is in; empty for class-level references. */
  member: string;
  reason: string;
}

/** java.lang classes of the Java Card 3.0.5 classic API. */
const JAVA_LANG_SUBSET = new Set([
  'Object', 'Throwable', 'Exception', 'RuntimeException', 'ArithmeticException', 'ArrayIndexOutOfBoundsException',
  'ArrayStoreException', 'ClassCastException', 'IndexOutOfBoundsException', 'NegativeArraySizeException',
  'NullPointerException', 'SecurityException',
].map((c) => `java/lang/${c}`));

/** Public classes of the simulator that sit in API packages but are not part of the API. */
const SIMULATOR_INTERNALS = new Set(['javacard/security/Rsa']);

const FORBIDDEN_TYPES: Record<string, string> = { J: 'long', F: 'float', D: 'double', I: 'int' };

async function classFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await classFiles(p)));
    else if (e.name.endsWith('.class')) out.push(p);
  }
  return out.sort();
}

/** Class names a field or method descriptor mentions (its L...; parts). */
function descriptorClasses(descriptor: string): string[] {
  return [...descriptor.matchAll(/L([\w/$]+);/g)].map((m) => m[1]!);
}

/** A Class constant names a class (a/b/C) or, for arrays, gives a descriptor ("[B", "[La/b/C;"). */
function classConstant(text: string): string[] {
  const t = text.replace(/"/g, '');
  return t.startsWith('[') ? descriptorClasses(t) : [t];
}

/** Primitive types a descriptor uses that Java Card lacks (ignoring class names inside L...;). */
function forbiddenPrimitives(descriptor: string): string[] {
  const bare = descriptor.replace(/L[\w/$]+;/g, '');
  return [...new Set([...bare].filter((c) => c in FORBIDDEN_TYPES).map((c) => FORBIDDEN_TYPES[c]!))];
}

export function checkJavapOutput(javap: string, ownPackages: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const add = (v: Violation): void => {
    const key = `${v.className}|${v.member}|${v.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  };
  const allowedClass = (name: string): boolean => {
    if (SIMULATOR_INTERNALS.has(name)) return false;
    if (name.startsWith('javacard/') || name.startsWith('javacardx/') || name.startsWith('org/globalplatform/')) return true;
    if (JAVA_LANG_SUBSET.has(name)) return true;
    return ownPackages.has(name.slice(0, name.lastIndexOf('/')));
  };

  let className = '';
  let member = '';
  for (const line of javap.split('\n')) {
    const cls = /^(?:[\w ]+ )?(?:class|interface) ([\w.$]+)/.exec(line);
    if (cls && !line.startsWith(' ')) {
      className = cls[1]!.replace(/\./g, '/');
      member = '';
      continue;
    }
    const cp = /^\s+#\d+ = (\w+)\s+\S+\s+\/\/\s*(.*)$/.exec(line) ?? /^\s+#\d+ = (\w+)\s+(.*)$/.exec(line);
    if (cp) {
      const [, kind, rest] = cp as unknown as [string, string, string];
      switch (kind) {
        case 'Class':
          for (const c of classConstant(rest.trim())) {
            if (!allowedClass(c)) add({ className, member: '', reason: `uses ${c.replace(/\//g, '.')}, which is not in the Java Card API` });
          }
          break;
        case 'Fieldref':
        case 'Methodref':
        case 'InterfaceMethodref': {
          const m = /^(?:"?([\w/$]+)"?\.)?"?([<>\w$]+)"?:(.*)$/.exec(rest.trim());
          if (m) {
            const [, owner, name, desc] = m as unknown as [string, string | undefined, string, string];
            for (const t of forbiddenPrimitives(desc)) add({ className, member: `${name}:${desc}`, reason: `refers to a member typed with ${t}` });
            for (const c of [...(owner ? [owner] : []), ...descriptorClasses(desc)]) {
              if (!allowedClass(c)) add({ className, member: `${name}:${desc}`, reason: `uses ${c.replace(/\//g, '.')}, which is not in the Java Card API` });
            }
          }
          break;
        }
        case 'String':
          add({ className, member: rest.trim(), reason: 'has a String constant (Java Card has no String)' });
          break;
        // (Integer constants are fine: javac stores static final byte/short values as CONSTANT_Integer.)
        case 'Long':
        case 'Float':
        case 'Double':
          add({ className, member: rest.trim(), reason: `has a ${kind.toLowerCase()} constant (Java Card has byte and short)` });
          break;
        case 'InvokeDynamic':
          add({ className, member: rest.trim(), reason: 'uses invokedynamic (lambdas, string concatenation)' });
          break;
        default:
          break;
      }
      continue;
    }
    // Member declarations: "  private short x;" then "    descriptor: S".
    const decl = /^ {2}(\S.*[;)])\s*;?$/.exec(line);
    if (decl && !line.startsWith('   ')) {
      member = decl[1]!;
      continue;
    }
    const desc = /^ {4}descriptor: (.+)$/.exec(line);
    if (desc && className) {
      const d = desc[1]!.trim();
      for (const t of forbiddenPrimitives(d)) add({ className, member: member || d, reason: `is declared with ${t}` });
      for (const c of descriptorClasses(d)) {
        if (!allowedClass(c)) add({ className, member: member || d, reason: `is declared with ${c.replace(/\//g, '.')}, which is not in the Java Card API` });
      }
    }
  }
  return out;
}

/** Runs javap over every class under `classesDir` and checks the lot. */
export async function checkJavaCardSubset(classesDir: string): Promise<Violation[]> {
  const files = await classFiles(classesDir);
  if (files.length === 0) throw new Error(`no .class files under ${classesDir}`);
  const own = new Set(files.map((f) => relative(classesDir, f).split(sep).slice(0, -1).join('/')));
  const { stdout } = await run('javap', ['-v', '-p', ...files], { maxBuffer: 64 * 1024 * 1024 });
  return checkJavapOutput(stdout, own);
}

export function formatViolation(v: Violation): string {
  return `${v.className.replace(/\//g, '.')}${v.member ? ` ${v.member}` : ''}: ${v.reason}`;
}
