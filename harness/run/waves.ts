// Which cards of a rack run together: items that need the same reader or port (work.ts: conflicts) never run at
// the same time. The items go in waves, in the order given: each wave takes every item that conflicts with none
// already in it, and one wave runs (one vitest, run-card.ts) after the other. On a rack of distinct readers, and
// for emulated cards, that is one wave.

/** The items split into waves of items that may run side by side; every item is in exactly one wave. */
export function inWaves<T>(items: readonly T[], conflicts: (a: T, b: T) => boolean): T[][] {
  const waves: T[][] = [];
  let left = [...items];
  while (left.length > 0) {
    const wave: T[] = [];
    const later: T[] = [];
    for (const x of left) (wave.some((w) => conflicts(x, w)) ? later : wave).push(x);
    waves.push(wave);
    left = later;
  }
  return waves;
}
