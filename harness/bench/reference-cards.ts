// Published per-card figures (vectors/bench/reference-cards.json, JCAlgTest's public results) that
// `simcert compare --reference` puts beside the measured cards. They are someone else's measurements, made with
// another method (loops inside one APDU, a baseline subtracted, SHA-1 signatures), so every place that shows them
// says "published, not measured here" and names the source; they never enter a statistical test.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

export const REFERENCE_CARDS_FILE = join(repoRoot, 'vectors', 'bench', 'reference-cards.json');
export const PUBLISHED_BANNER = 'published, not measured here';

export interface ReferenceFigure {
  operation: 'keygen' | 'sign' | 'digest';
  algorithm: string;
  statistic: string;
  valueMs: number;
  minMs?: number;
  maxMs?: number;
  variant?: string;
  method: string;
}

export interface ReferenceCard {
  card: string;
  chip: string;
  protocol: string;
  date: string;
  source: { publisher: string; repository: string; path: string; snapshot: string; transcribedVia?: string };
  figures: ReferenceFigure[];
  notPublished: string[];
}

/** Reads and checks the file: a figure without a source or a positive value is refused, never shown. */
export async function loadReferenceCards(file = REFERENCE_CARDS_FILE): Promise<ReferenceCard[]> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as { cards?: ReferenceCard[] };
  const cards = doc.cards;
  if (!Array.isArray(cards)) throw new Error(`${file}: no "cards" list`);
  cards.forEach((c, i) => {
    const where = `${file}: cards[${i}] (${c.card ?? '?'})`;
    if (!c.card || !c.date || !c.source?.repository || !c.source.path) throw new Error(`${where}: needs card, date and source (repository, path)`);
    c.figures.forEach((f, j) => {
      if (!(f.valueMs > 0) || !f.method || !f.statistic) throw new Error(`${where}.figures[${j}]: needs a positive valueMs, a statistic and a method`);
      if (f.minMs !== undefined && f.maxMs !== undefined && !(f.minMs <= f.valueMs && f.valueMs <= f.maxMs)) throw new Error(`${where}.figures[${j}]: value outside its min-max`);
    });
  });
  return cards;
}

/** "keygen rsa2048", as result.ts's operationKey names a measured section. */
export function figureKey(f: ReferenceFigure): string {
  return `${f.operation} ${f.algorithm}`;
}
