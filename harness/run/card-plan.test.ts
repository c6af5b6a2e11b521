// How `simcert run` shares a rack's cards out among its workers (card-plan.ts: shareCards): every card runs exactly
// once, `--jobs` is the number of cards at once across all workers, no worker is given a slot it has no card for,
// and the cards start in the order given.
import { describe, expect, it } from 'vitest';
import { shareCards } from './card-plan.ts';

const cards = (n: number): string[] => Array.from({ length: n }, (_, i) => `card ${i + 1}`);

describe('sharing the cards out among workers', () => {
  it('eight cards on two workers, all at once: four each, in turn, four at a time each', () => {
    const w = shareCards(cards(8), 8, 2);
    expect(w.map((x) => x.cards)).toEqual([[0, 2, 4, 6], [1, 3, 5, 7]]);
    expect(w.map((x) => x.concurrency)).toEqual([4, 4]);
    expect(w.map((x) => x.project)).toEqual(['worker 1 of 2: 4 cards', 'worker 2 of 2: 4 cards']);
  });

  it('--jobs bounds the cards at once across the workers, whatever its share', () => {
    for (const [n, jobs, workers] of [[8, 3, 2], [8, 1, 4], [5, 4, 2], [3, 2, 8], [32, 12, 16], [7, 7, 3]] as const) {
      const w = shareCards(cards(n), jobs, workers);
      const total = w.reduce((s, x) => s + x.concurrency, 0);
      expect(total, `${n} cards, --jobs ${jobs}, ${workers} workers`).toBe(Math.min(jobs, n));
      for (const x of w) {
        expect(x.concurrency).toBeGreaterThanOrEqual(1);
        expect(x.concurrency).toBeLessThanOrEqual(x.cards.length);
      }
      expect(w.flatMap((x) => x.cards).sort((a, b) => a - b)).toEqual(cards(n).map((_, i) => i));
    }
  });

  it('--jobs 1 is one worker taking the cards one after another in the order given', () => {
    const w = shareCards(cards(3), 1, 2);
    expect(w).toEqual([{ project: 'worker 1 of 1: 3 cards', cards: [0, 1, 2], concurrency: 1 }]);
  });

  it('a worker with one card is named for the card, as a card run alone is', () => {
    expect(shareCards(['Reference card'], 1, 2)).toEqual([{ project: 'Reference card', cards: [0], concurrency: 1 }]);
    expect(shareCards(cards(2), 2, 2).map((x) => x.project)).toEqual(['card 1', 'card 2']);
  });

  it('slots go where the cards are: three slots for 4 + 4 cards are 2 + 1, never 3 + 0', () => {
    expect(shareCards(cards(8), 3, 2).map((x) => x.concurrency)).toEqual([2, 1]);
  });
});
