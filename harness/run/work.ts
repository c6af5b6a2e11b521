// The work of a run, as a rack sees it: one item per card (a profile on the reader holding its card, or an emulated
// profile on a simulator of its own), what each item must have to itself while it runs (a reader, a fixed vpcd
// port), and the deterministic share of the items a host takes with `--shard i/n`. Planning happens before any
// suite starts, so a run that cannot be planned touches no card beyond reading the ATR and ICCID of inserted ones.
import { hostname } from 'node:os';
import type { CardInReader } from '../card/find-card.ts';
import type { Profile } from '../profile/types.ts';
import { UsageError } from './errors.ts';

/** One card's share of a run: its profile, and the reader `--readers all` found the card in. */
export interface WorkItem {
  profile: Profile;
  /** The reader the card was found in (`--readers all`); the suites use it instead of ixit.reader. */
  reader?: string;
  /** The ICCID read from the card (`--readers all`), else the one the profile names, if any. */
  iccid?: string;
  /** What the item must have to itself while it runs (see conflicts). */
  resources: string[];
}

export interface Shard {
  index: number;
  count: number;
}

/** `--shard i/n`: 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard ${text}: give i/n with 1 <= i <= n, e.g. --shard 1/4`);
  }
  return { index, count };
}

/** The counts `simcert run` takes, and what each counts (for its usage error). */
const COUNTS = { '--jobs': 'cards to run at once', '--workers': 'worker processes' } as const;

/** A count (`--jobs N`, `--workers N`) from the command line's text or runSuites' options: a whole number from 1. */
export function checkCount(option: keyof typeof COUNTS, value: string | number): number {
  const n = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || n < 1) throw new UsageError(`${option} ${value}: give a whole number of ${COUNTS[option]}, 1 or more`);
  return n;
}

/**
 * What an item needs exclusively: its PC/SC reader(s); `pcsc:*` for a real card searched for by ATR/ICCID at open
 * (it may be in any reader); pcscd's vpcd readers for the simulator inserted into them; a fixed vpcd listening
 * port. The bundled simulator on transport sim picks free ports, so an emulated profile needs nothing shared.
 */
export function resourcesOf(profile: Profile, reader?: string): string[] {
  const { ixit } = profile;
  switch (ixit.transport) {
    case 'sim':
      return [];
    case 'vpcd':
      return ixit.vpcd.port === 0 ? [] : [`tcp:${ixit.vpcd.host}:${ixit.vpcd.port}`];
    case 'pcsc': {
      const named = [reader ?? ixit.reader, ixit.swapReader].filter((r): r is string => r !== undefined);
      const out = named.length > 0 ? named.map((r) => `pcsc:${r}`) : ['pcsc:*'];
      for (const at of profile.sim?.vpcdReaders ?? []) out.push(`tcp:${at.host}:${at.port}`);
      return out;
    }
  }
}

/** Whether two items may not run at the same time: they share a reader or port (a searched-for card may be in any reader). */
export function conflicts(a: WorkItem, b: WorkItem): boolean {
  return a.resources.some((x) => b.resources.some((y) => x === y || (x === 'pcsc:*' && y.startsWith('pcsc:')) || (y === 'pcsc:*' && x.startsWith('pcsc:'))));
}

function profileIccid(p: Profile): string | undefined {
  return p.ixit.identity?.iccid ?? p.sim?.iccid;
}

/** One item per profile, as given (without `--readers all`). */
export function itemsFromProfiles(profiles: readonly Profile[]): WorkItem[] {
  return profiles.map((profile) => {
    const iccid = profileIccid(profile);
    return { profile, ...(iccid ? { iccid } : {}), resources: resourcesOf(profile) };
  });
}

/**
 * `--readers all`: every inserted card that one of the real-card profiles matches (ATR and ICCID, as `simcert
 * readers --profile` shows) becomes an item on its reader; emulated profiles are items of their own as usual. A card
 * two profiles match is a usage error (the lab must tell them apart by ICCID); `skipped` says what did not run.
 */
export function itemsFromReaders(
  profiles: readonly Profile[],
  cards: readonly CardInReader[],
  matches: (p: Profile, c: CardInReader) => boolean,
): { items: WorkItem[]; skipped: string[] } {
  const emulated = profiles.filter((p) => p.ixit.transport !== 'pcsc' || p.sim?.vpcdReaders !== undefined);
  const real = profiles.filter((p) => !emulated.includes(p));
  const items = itemsFromProfiles(emulated);
  const skipped: string[] = [];
  const used = new Set<Profile>();
  for (const card of cards) {
    const hits = real.filter((p) => matches(p, card));
    const what = `"${card.reader}"${card.iccid ? ` (ICCID ${card.iccid})` : ''}`;
    if (hits.length === 0) {
      skipped.push(`${what}: the card matches none of the profiles; not run`);
      continue;
    }
    if (hits.length > 1) {
      throw new UsageError(`--readers all: the card in ${what} matches ${hits.map((h) => `"${h.name}"`).join(' and ')}; give each profile its ixit.identity (ICCID) or ixit.atr`);
    }
    const profile = hits[0]!;
    used.add(profile);
    const iccid = card.iccid ?? profileIccid(profile);
    items.push({ profile, reader: card.reader, ...(iccid ? { iccid } : {}), resources: resourcesOf(profile, card.reader) });
  }
  for (const p of real) if (!used.has(p)) skipped.push(`"${p.name}": no inserted card matches the profile; not run`);
  return { items, skipped };
}

/** The key a shard is decided by: the profile's name, then the reader, the same on every host that sees the same work. */
export function itemKey(item: WorkItem): string {
  return `${item.profile.name}\u0000${item.reader ?? ''}`;
}

/**
 * The share `--shard i/n` takes: the items sorted by profile name, then reader (code-point order), and the k-th of
 * them (counting from 0) goes to shard (k mod n) + 1. Every host given the same profiles (and, with `--readers all`,
 * seeing the same cards) computes the same split, and together the shards cover every item exactly once.
 */
export function shardOf(items: readonly WorkItem[], shard: Shard): WorkItem[] {
  const sorted = [...items].sort((a, b) => (itemKey(a) < itemKey(b) ? -1 : itemKey(a) > itemKey(b) ? 1 : 0));
  return sorted.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The labels every result of the item carries, so a merged report tells cards, readers and hosts apart. */
export function itemLabels(item: WorkItem): Record<string, string> {
  const { ixit } = item.profile;
  const reader = item.reader ?? ixit.reader ?? (ixit.transport === 'sim' ? 'bundled simulator' : ixit.transport === 'vpcd' ? `vpcd ${ixit.vpcd.host}:${ixit.vpcd.port}` : 'found by ATR/ICCID');
  return {
    profile: item.profile.name,
    reader,
    ICCID: item.iccid ?? 'not known',
    'rack host': hostname(),
  };
}

/** The rack options of `simcert run` from the command line's text (--jobs, --workers, --shard, --readers). */
export function rackOptions(o: { jobs?: string; workers?: string; shard?: string; readers?: string }): { jobs?: number; workers?: number; shard?: Shard; readers?: 'all' } {
  if (o.readers !== undefined && o.readers !== 'all') throw new UsageError(`--readers ${o.readers}: the only value is "all" (every inserted card a profile matches)`);
  return {
    ...(o.jobs !== undefined ? { jobs: checkCount('--jobs', o.jobs) } : {}),
    ...(o.workers !== undefined ? { workers: checkCount('--workers', o.workers) } : {}),
    ...(o.shard !== undefined ? { shard: parseShard(o.shard) } : {}),
    ...(o.readers === 'all' ? { readers: 'all' as const } : {}),
  };
}
