// A problem found in a profile, pinned to file:line:column and the field it concerns, so an engineer can go
// straight to the line in an editor.
import { relative } from 'node:path';

export interface ProfileProblem {
  file: string;
  /** 1-based; absent when the problem is the file itself (unreadable, empty). */
  line?: number;
  column?: number;
  /** Dotted field path, e.g. ixit.jpki.aid or sim.applets[0].class; empty for the document as a whole. */
  field: string;
  message: string;
}

export class ProfileError extends Error {
  constructor(readonly problems: ProfileProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ProfileError';
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** `file:line:column: field: message`, the form editors and CI annotations understand. */
export function formatProblem(p: ProfileProblem): string {
  const where = p.line === undefined ? displayPath(p.file) : `${displayPath(p.file)}:${p.line}:${p.column ?? 1}`;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

/** JSON-pointer-ish segments to the dotted form used in messages. */
export function fieldName(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}
