// A profile may extend a base profile (`extends: FILE`), so a carrier's file holds only its differences. This
// module reads the chain of files, merges them (mappings field by field, anything else replaced by the more
// specific file) and remembers which file each field came from, so a problem is reported at the line of the file
// that set the value, and relative paths resolve against that file's folder.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { SourceMap, type Position } from './positions.ts';
import type { ProfileProblem } from './problems.ts';

export interface Layer {
  file: string;
  doc: Document;
  map: SourceMap;
  data: Record<string, unknown>;
}

export type Located = Position & { file: string };

/** At most this many files in a chain: deeper is a mistake, not a design. */
const MAX_DEPTH = 8;

type Path = readonly (string | number)[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Base first, then each more specific layer on top: mappings merge, null removes, everything else is replaced. */
export function mergeLayers(values: readonly unknown[]): unknown {
  return values.reduce((base, top) => {
    if (!isPlainObject(base) || !isPlainObject(top)) return structuredClone(top);
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(top)) {
      // `field: null` in a more specific profile removes what the base set (e.g. a domain this variant lacks).
      if (v === null) delete out[k];
      else out[k] = k in out ? mergeLayers([out[k], v]) : structuredClone(v);
    }
    return out;
  });
}

export class LayeredSourceMap {
  /** Most specific first (the file that was asked for, then its base, ...). */
  constructor(readonly layers: readonly Layer[]) {}

  private has(layer: Layer, path: Path): boolean {
    return path.length === 0 || isNode(layer.doc.getIn(path, true));
  }

  /** The layer that set `path`: the most specific one holding it, else the one holding its longest prefix. */
  origin(path: Path): Layer {
    for (let n = path.length; n >= 0; n--) {
      const found = this.layers.find((l) => this.has(l, path.slice(0, n)));
      if (found) return found;
    }
    return this.layers[0]!;
  }

  valuePos(path: Path): Located {
    const l = this.origin(path);
    return { file: l.file, ...l.map.valuePos(path) };
  }

  keyPos(path: Path, key: string): Located {
    const l = this.origin([...path, key]);
    return { file: l.file, ...l.map.keyPos(path, key) };
  }

  /** Folder relative paths at `path` are resolved against: that of the file that set them. */
  dirOf(path: Path): string {
    return dirname(this.origin(path).file);
  }
}

export type ReadResult = { ok: true; merged: Record<string, unknown>; map: LayeredSourceMap } | { ok: false; problems: ProfileProblem[] };

async function readLayer(abs: string): Promise<{ layer?: Layer; problems: ProfileProblem[] }> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a profile' : (err as Error).message;
    return { problems: [{ file: abs, field: '', message: `cannot read the profile: ${why}` }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const map = new SourceMap(doc, lines);
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later ones are mostly consequences of it.
    const e = doc.errors[0]!;
    return { problems: [{ file: abs, ...map.at(e.pos[0]), field: '', message: `YAML: ${e.message.split('\n')[0]!}` }] };
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { problems: [{ file: abs, line: 1, column: 1, field: '', message: 'the profile is empty' }] };
  if (!isPlainObject(data)) {
    return { problems: [{ file: abs, line: 1, column: 1, field: '', message: 'a profile is a mapping of fields (name:, card:, ics:, ixit:, suites:)' }] };
  }
  return { layer: { file: abs, doc, map, data }, problems: [] };
}

/** Reads a profile and the chain of profiles it extends; `extends` is removed from the merged result. */
export async function readProfileLayers(file: string): Promise<ReadResult> {
  const layers: Layer[] = [];
  let next: string | undefined = resolve(file);
  while (next) {
    const r = await readLayer(next);
    if (!r.layer) {
      // A base that cannot be read is reported at the `extends` line that named it.
      const child = layers[layers.length - 1];
      if (child && r.problems[0]?.message.startsWith('cannot read')) {
        return { ok: false, problems: [{ file: child.file, ...child.map.valuePos(['extends']), field: 'extends', message: `${r.problems[0].message}: ${next}` }] };
      }
      return { ok: false, problems: r.problems };
    }
    layers.push(r.layer);
    const ext = r.layer.data.extends;
    if (ext === undefined) break;
    const at = { file: r.layer.file, ...r.layer.map.valuePos(['extends']), field: 'extends' };
    if (typeof ext !== 'string' || ext.length === 0) return { ok: false, problems: [{ ...at, message: 'must be the path of the base profile (relative to this file)' }] };
    next = resolve(dirname(r.layer.file), ext);
    if (layers.some((l) => l.file === next)) {
      return { ok: false, problems: [{ ...at, message: `extends ${next}, which is already in the chain (${layers.map((l) => l.file).join(' -> ')}): a cycle` }] };
    }
    if (layers.length >= MAX_DEPTH) return { ok: false, problems: [{ ...at, message: `more than ${MAX_DEPTH} profiles in the extends chain` }] };
  }
  const merged = mergeLayers([...layers].reverse().map((l) => l.data)) as Record<string, unknown>;
  delete merged.extends;
  return { ok: true, merged, map: new LayeredSourceMap(layers) };
}
