// Finds where in the YAML text a field lives, so schema errors about the parsed value can point at the source.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** The node at `path`, or the nearest ancestor that exists (a missing field is reported on its parent). */
  nodeAt(path: readonly (string | number)[]): Node | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node)) return node;
    }
    return undefined;
  }

  /**
   * Where to point for the field at `path` (or its nearest existing ancestor): a scalar or flow value itself,
   * but for a block mapping or list the key that introduces it, which is the line an engineer looks for.
   */
  valuePos(path: readonly (string | number)[]): Position {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = n === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      if (!isNode(node)) continue;
      const last = sub[sub.length - 1];
      if ((isMap(node) || isSeq(node)) && !node.flow && typeof last === 'string') return this.keyPos(sub.slice(0, -1), last);
      return this.at(node.range?.[0] ?? 0);
    }
    return this.at(0);
  }

  /** Position of the key `key` inside the map at `path`: where an unknown field should be pointed at. */
  keyPos(path: readonly (string | number)[], key: string): Position {
    const node = this.nodeAt(path);
    if (isMap(node)) {
      for (const item of node.items) {
        if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range) return this.at(item.key.range[0]);
      }
    }
    return this.at(node?.range?.[0] ?? 0);
  }
}
