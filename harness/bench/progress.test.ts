// The progress line of a long bench run: samples done/total, an ETA from the running median (keygen times are
// heavy-tailed, so one slow key must not triple the estimate) and the slowest sample so far; a resumed run's line
// counts the samples taken before the interruption. Durations are passed in, so nothing here depends on the clock.
import { describe, expect, it } from 'vitest';
import { progressOn } from './progress.ts';

function plain(): { lines: string[]; out: { write(t: string): void } } {
  const lines: string[] = [];
  return { lines, out: { write: (t: string) => lines.push(...t.split('\n').filter((l) => l !== '')) } };
}

const s = 1e9;

describe('the bench progress line', () => {
  it('estimates what is left from the median sample, not the mean, and shows the slowest', () => {
    const { lines, out } = plain();
    const p = progressOn(out, { tty: false });
    p.phase('measure', 10);
    p.update(1, 10 * s);
    p.update(2, 10 * s);
    p.update(3, 190 * s); // a heavy-tail key: the mean would be 70 s, the median stays 10 s
    p.update(4, 10 * s);
    p.update(5, 10 * s);
    // 5 left at a median of 10 s: 0:50 (the mean, 46 s, would give 3:50).
    expect(lines.at(-1)).toBe('bench: measure 5/10 (50 %), ETA 0:50, last 10.00 s, slowest 190.0 s');
  });

  it('on a resume counts the earlier samples in done/total, the median and the slowest', () => {
    const { lines, out } = plain();
    const p = progressOn(out, { tty: false });
    p.phase('measure', 20, [20 * s, 30 * s, 300 * s, 20 * s, 30 * s, 20 * s, 30 * s, 20 * s, 30 * s, 20 * s]);
    expect(lines).toEqual(['bench: measure: 20 iteration(s), 10 done before the resume']);
    p.update(11, 30 * s);
    // Median of the 11 samples: 30 s; 9 left: 4:30.
    expect(lines.at(-1)).toBe('bench: measure 11/20 (55 %), ETA 4:30, last 30.00 s, slowest 300.0 s');
  });
});
