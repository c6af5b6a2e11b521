// The rack's plan, without a card: which cards run (--readers all matches inserted cards to profiles by ATR and
// ICCID), which may not run at once (a shared reader), and the share of each `--shard i/n` (the documented rule:
// sorted by profile name then reader, the k-th to shard k mod n + 1), and the waves of cards that may run together.
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { profileMatches, type CardInReader } from '../card/find-card.ts';
import { repoRoot } from '../paths.ts';
import { loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { UsageError } from './errors.ts';
import { projectNames } from './card-plan.ts';
import { inWaves } from './waves.ts';
import { knownSuites } from './suites.ts';
import { conflicts, itemLabels, itemsFromProfiles, itemsFromReaders, parseShard, shardOf, type WorkItem } from './work.ts';

let real: Profile;
let emulated: Profile;

beforeAll(async () => {
  // The example names its secrets by environment variable; planning never reads them, loading checks they are set.
  vi.stubEnv('SIMCERT_JPKI_PIN', '1234');
  vi.stubEnv('SIMCERT_JPKI_SIGNING_PIN', 'SIMCERT1');
  vi.stubEnv('SIMCERT_GP_KEYS', '404142434445464748494A4B4C4D4E4F');
  const suites = await knownSuites();
  real = await loadProfile(join(repoRoot, 'profiles', 'examples', 'real-card.yaml'), { knownSuites: suites });
  emulated = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites: suites });
});

/** The example real-card profile, as a lab would copy it for another card of the same variant. */
function realCard(name: string, iccid: string, reader?: string): Profile {
  return { ...real, name, ixit: { ...real.ixit, identity: { iccid }, ...(reader ? { reader } : {}) } };
}

const atr = (): Uint8Array => Buffer.from(real.ixit.atr!.value, 'hex');
const names = (items: WorkItem[]): string[] => items.map((i) => `${i.profile.name}${i.reader ? ` @ ${i.reader}` : ''}`);

describe('--shard i/n', () => {
  it('reads i/n with 1 <= i <= n and refuses anything else as a usage error', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(UsageError);
  });

  it('deals the cards sorted by profile name, then reader, round robin; the shares are disjoint and cover all', () => {
    const items = ['Delta', 'alpha', 'Bravo', 'Charlie', 'Echo'].map((n) => ({ profile: { ...emulated, name: n }, resources: [] }));
    const shares = [1, 2, 3].map((index) => names(shardOf(items, { index, count: 3 })));
    // Code-point order: capitals before lower case, as on every host whatever its locale.
    expect(shares).toEqual([['Bravo', 'Echo'], ['Charlie', 'alpha'], ['Delta']]);
    expect(shares.flat().sort()).toEqual(names(items).sort());
    // The order the profiles were given in does not matter.
    expect(names(shardOf([...items].reverse(), { index: 2, count: 3 }))).toEqual(['Charlie', 'alpha']);
  });
});

describe('--readers all', () => {
  it('runs each inserted card with the profile its ATR and ICCID match, on the reader it is in', () => {
    const a = realCard('Carrier A', '8981100000000000001');
    const b = realCard('Carrier B', '8981100000000000002');
    const cards: CardInReader[] = [
      { reader: 'Reader 2', atr: atr(), iccid: '8981100000000000002' },
      { reader: 'Reader 1', atr: atr(), iccid: '8981100000000000001' },
      { reader: 'Reader 3', atr: atr(), iccid: '8981100000000000099' },
    ];
    const { items, skipped } = itemsFromReaders([a, b, emulated], cards, profileMatches);
    expect(names(items)).toEqual([emulated.name, 'Carrier B @ Reader 2', 'Carrier A @ Reader 1']);
    expect(items.find((i) => i.reader === 'Reader 1')?.iccid).toBe('8981100000000000001');
    expect(skipped).toEqual(['"Reader 3" (ICCID 8981100000000000099): the card matches none of the profiles; not run']);
  });

  it('refuses a card two profiles match, naming both', () => {
    const loose = { ...real, name: 'Any card of the variant', ixit: { ...real.ixit } };
    delete loose.ixit.identity;
    const cards: CardInReader[] = [{ reader: 'Reader 1', atr: atr(), iccid: '8981100000000000001' }];
    expect(() => itemsFromReaders([realCard('Carrier A', '8981100000000000001'), loose], cards, profileMatches))
      .toThrow(/the card in "Reader 1" \(ICCID 8981100000000000001\) matches "Carrier A" and "Any card of the variant"/);
  });

  it('lists a profile whose card is not inserted as not run', () => {
    const { items, skipped } = itemsFromReaders([realCard('Carrier A', '8981100000000000001')], [], profileMatches);
    expect(items).toEqual([]);
    expect(skipped).toEqual(['"Carrier A": no inserted card matches the profile; not run']);
  });
});

describe('cards that may run at once', () => {
  it('keeps cards in one reader, or a card searched for in any reader, apart; emulated cards never wait', () => {
    const [r1, r1again, r2, anywhere, sim1, sim2] = itemsFromProfiles([
      realCard('A', '1', 'Reader 1'), realCard('B', '2', 'Reader 1'), realCard('C', '3', 'Reader 2'), realCard('D', '4'), emulated, { ...emulated, name: 'E2' },
    ]) as [WorkItem, WorkItem, WorkItem, WorkItem, WorkItem, WorkItem];
    expect(conflicts(r1, r1again)).toBe(true);
    expect(conflicts(r1, r2)).toBe(false);
    expect(conflicts(anywhere, r2)).toBe(true);
    expect(conflicts(sim1, sim2)).toBe(false);
    expect(conflicts(sim1, r1)).toBe(false);
  });

  it('labels each card with profile, reader and ICCID', () => {
    const [item] = itemsFromReaders([realCard('Carrier A', '8981100000000000001')], [{ reader: 'Reader 1', atr: atr(), iccid: '8981100000000000001' }], profileMatches).items;
    expect(itemLabels(item!)).toMatchObject({ profile: 'Carrier A', reader: 'Reader 1', ICCID: '8981100000000000001' });
    expect(itemLabels(itemsFromProfiles([emulated])[0]!)).toMatchObject({ reader: 'bundled simulator' });
  });

  it('puts cards that share a reader in different waves, in the order given, and every card in exactly one', () => {
    const [r1, r1again, r2, anywhere, sim1, sim2] = itemsFromProfiles([
      realCard('A', '1', 'Reader 1'), realCard('B', '2', 'Reader 1'), realCard('C', '3', 'Reader 2'), realCard('D', '4'), emulated, { ...emulated, name: 'E2' },
    ]) as [WorkItem, WorkItem, WorkItem, WorkItem, WorkItem, WorkItem];
    const waves = inWaves([r1, r1again, r2, anywhere, sim1, sim2], conflicts);
    // Reader 1 twice, and the card searched for in any reader, each wait for the readers they need.
    expect(waves).toEqual([[r1, r2, sim1, sim2], [r1again], [anywhere]]);
    expect(inWaves([sim1, sim2], conflicts)).toEqual([[sim1, sim2]]);
    expect(inWaves([], conflicts)).toEqual([]);
  });
});

describe('the names of the cards\' vitest projects', () => {
  it('are the profile names, made unique when a profile runs on two readers or names collide', () => {
    expect(projectNames(['A', 'B'])).toEqual(['A', 'B']);
    expect(projectNames(['A', 'A', 'A (2)', 'A'])).toEqual(['A', 'A (2)', 'A (2) (2)', 'A (3)']);
  });
});
