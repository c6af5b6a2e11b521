// Checks that compiled applet classes use only what a Java Card classic platform offers: the javacard.* and
// javacardx.* API, the GlobalPlatform Card API (org.globalplatform: the applet takes personalization forwarded by
// its security domain), the applet's own classes, and the java.lang subset of the Java Card 3.0.5 API
// specification (Object, Throwable and the exceptions the virtual machine throws). No String, no
// long/float/double/int/char in fields or method signatures, no long/float/double/char arithmetic, no int arrays,
// no invokedynamic, no array clone(): javac accepts all of them, a card's converter does not.
//
// It reads `javap -v -p` output: the constant pool says what each entry is and refers to, the member headers and
// their `descriptor:` lines give the signatures, and the `#N` operands in the Code listings tell which member uses
// which constant, so a violation names the method that contains it. An int local cannot be told from a short one
// in bytecode (both live in int slots), so the check cannot catch those; review does.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { runJdkTool } from './jdk-tools.ts';


export interface Violation {
  /** Internal class name, e.g. org/simcert/applets/jpki/JpkiApplet. */
  className: string;
  /** The member the problem is in, e.g. `process(javacard.framework.APDU)` or `counter`; '' for the class itself. */
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
const SIMULATOR_INTERNALS = new Set(['javacard/security/Rsa', 'javacard/security/Ec']);

/** Descriptor letters of types Java Card lacks (it has boolean, byte, short and optionally int; we allow no int). */
const FORBIDDEN_TYPES: Record<string, string> = { J: 'long', F: 'float', D: 'double', I: 'int', C: 'char' };

/** Bytecodes that compute with a type Java Card lacks: l/f/d arithmetic, loads, stores, conversions. */
const WIDE_OPCODE = /^(?:([lfd])(?:add|sub|mul|div|rem|neg|shl|shr|ushr|and|or|xor|load(?:_\d)?|store(?:_\d)?|const_\d|return|cmp[lg]?|aload|astore|2[ifld])|i2([lfdc]))$/;
const TYPE_LETTER: Record<string, string> = { l: 'long', f: 'float', d: 'double', c: 'char' };

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

/** Primitive types a descriptor uses that Java Card lacks (ignoring class names inside L...;). */
function forbiddenPrimitives(descriptor: string): string[] {
  const bare = descriptor.replace(/L[\w/$]+;/g, '');
  return [...new Set([...bare].filter((c) => c in FORBIDDEN_TYPES).map((c) => FORBIDDEN_TYPES[c]!))];
}

const dotted = (internal: string): string => internal.replace(/\//g, '.');

/** `  public void process(javacard.framework.APDU);` -> `process(javacard.framework.APDU)`; fields -> their name. */
function memberName(decl: string): string {
  const d = decl.replace(/;$/, '').trim();
  if (d === 'static {}') return '<clinit>';
  const method = /([\w$.]+)\(([^)]*)\)(?:\s+throws .*)?$/.exec(d);
  if (method) return `${method[1]!.slice(method[1]!.lastIndexOf('.') + 1)}(${method[2]})`;
  return d.slice(d.lastIndexOf(' ') + 1);
}

interface PoolEntry {
  kind: string;
  /** The entry resolved (javap's comment), e.g. `java/util/ArrayList` for a Class. */
  text: string;
  /** Other entries this one refers to (#2.#3 -> [2, 3]). */
  refs: number[];
  reasons: string[];
}

/** Checks the javap -v -p output of one or more classes. `ownPackages` are internal names (a/b/c). */
export function checkJavapOutput(javap: string, ownPackages: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const add = (className: string, member: string, reason: string): void => {
    const key = `${className}|${member}|${reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ className, member, reason });
    }
  };
  const allowedClass = (name: string): boolean => {
    if (SIMULATOR_INTERNALS.has(name)) return false;
    if (name.startsWith('javacard/') || name.startsWith('javacardx/') || name.startsWith('org/globalplatform/')) return true;
    if (JAVA_LANG_SUBSET.has(name)) return true;
    return ownPackages.has(name.slice(0, name.lastIndexOf('/')));
  };
  const classReasons = (names: string[]): string[] =>
    names.filter((c) => !allowedClass(c)).map((c) => `uses ${dotted(c)}, which is not in the Java Card API`);

  /** What is wrong with a constant-pool entry on its own (javap's comment gives the resolved text). */
  const entryReasons = (kind: string, text: string): string[] => {
    switch (kind) {
      case 'Class': {
        const t = text.replace(/"/g, '');
        return classReasons(t.startsWith('[') ? descriptorClasses(t) : [t]);
      }
      case 'Fieldref':
      case 'Methodref':
      case 'InterfaceMethodref': {
        const m = /^(?:("?)([[\w/$;]+)\1\.)?"?([<>\w$]+)"?:(.*)$/.exec(text);
        if (!m) return [];
        const [, , owner, name, desc] = m as unknown as [string, string, string | undefined, string, string];
        if (owner?.startsWith('[')) return [`calls ${name}() on an array (Java Card arrays have no methods)`];
        return [
          ...forbiddenPrimitives(desc).map((t) => `uses ${name}:${desc}, typed with ${t}`),
          ...classReasons([...(owner ? [owner] : []), ...descriptorClasses(desc)]),
        ];
      }
      case 'String':
        return [`has the String constant "${text}" (Java Card has no String)`];
      // Integer constants are fine: javac stores static final byte/short values as CONSTANT_Integer.
      case 'Long':
      case 'Float':
      case 'Double':
        return [`has the ${kind.toLowerCase()} constant ${text} (Java Card has byte and short)`];
      case 'InvokeDynamic':
        return ['uses invokedynamic (a lambda or string concatenation)'];
      default:
        return [];
    }
  };

  let className = '';
  let pool = new Map<number, PoolEntry>();
  let used = new Set<number>();
  let inMembers = false;
  let member = '';

  const markUsed = (n: number): void => {
    if (used.has(n)) return;
    used.add(n);
    for (const r of pool.get(n)?.refs ?? []) markUsed(r);
  };
  /** Ends a class: what no member's code referred to (super class, interfaces, inner classes) is the class's. */
  const finishClass = (): void => {
    for (const [n, e] of pool) if (!used.has(n)) for (const r of e.reasons) add(className, '', r);
  };

  for (const line of javap.split('\n')) {
    if (line.startsWith('Classfile ')) {
      if (className) finishClass();
      className = '';
      pool = new Map();
      used = new Set();
      inMembers = false;
      continue;
    }
    const cls = /^(?:[\w ]+ )?(?:class|interface) ([\w.$]+)(.*)$/.exec(line);
    if (cls && !className) {
      className = cls[1]!.replace(/\./g, '/');
      // The super class and interfaces, named on the header: "extends a.B implements c.D, e.F" (generics dropped).
      const supers = cls[2]!.replace(/<[^>]*>/g, '').match(/[\w$]+(?:\.[\w$]+)+/g) ?? [];
      for (const r of classReasons(supers.map((s) => s.replace(/\./g, '/')))) add(className, '', r);
      continue;
    }
    if (line === '{') {
      inMembers = true;
      continue;
    }
    if (line === '}') {
      inMembers = false;
      continue;
    }
    if (!inMembers) {
      const cp = /^\s+#(\d+) = (\w+)\s+(\S+)(?:\s+\/\/\s*(.*))?$/.exec(line);
      if (cp) {
        const [, num, kind, operand, comment] = cp as unknown as [string, string, string, string, string | undefined];
        const refs = kind === 'Utf8' ? [] : [...operand.matchAll(/#(\d+)/g)].map((m) => Number(m[1]));
        // Utf8/Long/Float/Double show their value as the operand; the others show it resolved in the comment.
        const text = (comment ?? line.slice(line.indexOf(kind) + kind.length)).trim();
        pool.set(Number(num), { kind, text, refs, reasons: entryReasons(kind, text) });
      }
      continue;
    }
    // Member header: two spaces, then the declaration ending in ';'.
    if (/^ {2}\S.*;$/.test(line)) {
      member = memberName(line);
      continue;
    }
    const desc = /^ {4}descriptor: (.+)$/.exec(line);
    if (desc) {
      const d = desc[1]!.trim();
      for (const t of forbiddenPrimitives(d)) add(className, member, `is declared with ${t}`);
      for (const r of classReasons(descriptorClasses(d))) add(className, member, `is declared with ${r.slice('uses '.length)}`);
      continue;
    }
    const insn = /^\s+\d+: (\w+)\s*(.*)$/.exec(line);
    if (insn) {
      const [, op, operands] = insn as unknown as [string, string, string];
      const ref = /^#(\d+)/.exec(operands);
      if (ref) {
        const n = Number(ref[1]);
        markUsed(n);
        for (const r of pool.get(n)?.reasons ?? []) add(className, member, r);
      }
      if (op === 'newarray' && !/^(boolean|byte|short)\b/.test(operands)) add(className, member, `creates an array of ${operands.trim()}`);
      const wide = WIDE_OPCODE.exec(op);
      if (wide) add(className, member, `computes with ${TYPE_LETTER[(wide[1] ?? wide[2])!]}`);
      continue;
    }
    // Exception table rows: "from to target type", the type a Class name (or "any" for finally).
    const handler = /^\s+\d+\s+\d+\s+\d+\s+Class (\S+)$/.exec(line);
    if (handler) {
      for (const r of classReasons([handler[1]!])) add(className, member, r);
      for (const [n, e] of pool) if (e.kind === 'Class' && e.text === handler[1]) markUsed(n);
    }
  }
  if (className) finishClass();
  return out;
}

/** Runs javap over every class under `classesDir` and checks the lot; the applet's packages are the folders there. */
export async function checkJavaCardSubset(classesDir: string): Promise<Violation[]> {
  const files = await classFiles(classesDir);
  if (files.length === 0) throw new Error(`no .class files under ${classesDir}`);
  // The folders the classes sit in are the applet's packages; a class placed under java/ or javax/ does not make
  // those packages allowed.
  const own = new Set(files.map((f) => relative(classesDir, f).split(sep).slice(0, -1).join('/')).filter((p) => !/^javax?(\/|$)/.test(p)));
  const { stdout } = await runJdkTool('javap', ['-v', '-p', ...files], { maxBuffer: 64 * 1024 * 1024 });
  return checkJavapOutput(stdout, own);
}

export function formatViolation(v: Violation): string {
  return `${dotted(v.className)}${v.member ? `.${v.member}` : ''}: ${v.reason}`;
}
