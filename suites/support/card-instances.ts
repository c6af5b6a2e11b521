// The vite plugin that gives each card of a worker its own instances of the suites' modules (this-card.ts): a
// module of suites/ imported from a card's instance (`...?card=N`) is that card's instance too, so the query spreads
// from the suite file to everything of suites/ it imports; modules outside suites/ (the harness, the libraries)
// stay one per worker. It also writes each instance's own id into this-card.ts, the one module that reads it.
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vitest/config';
import { CARD_QUERY, cardIndex } from './this-card.ts';

const SUITES_DIR = fileURLToPath(new URL('..', import.meta.url));
const INSTANCE_LINE = 'const INSTANCE_ID: string = import.meta.url;';

export function cardInstances(): Plugin {
  return {
    name: 'simcert-card-instances',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const card = importer === undefined ? undefined : cardIndex(importer);
      if (card === undefined) return null;
      const resolved = await this.resolve(source, importer!.replace(/\?.*$/, ''), { ...options, skipSelf: true });
      if (!resolved || resolved.external || !resolved.id.startsWith(SUITES_DIR) || resolved.id.includes('?')) return resolved;
      return { ...resolved, id: `${resolved.id}?${CARD_QUERY}=${card}` };
    },
    transform(code, id) {
      if (cardIndex(id) === undefined || !/\/this-card\.ts\?/.test(id)) return null;
      if (!code.includes(INSTANCE_LINE)) throw new Error(`${id}: the line the card's id is written into is gone (${INSTANCE_LINE})`);
      return { code: code.replace(INSTANCE_LINE, `const INSTANCE_ID: string = ${JSON.stringify(id)};`), map: null };
    },
  };
}
