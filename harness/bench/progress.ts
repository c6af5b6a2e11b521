// Progress of a bench run on stderr (stdout keeps the results): a redrawn bar with ETA on a terminal, plain lines
// at every tenth (or every 10 s) otherwise, so a CI log or a file shows how far a 4-minute keygen run got without
// a carriage-return mess. With sample durations (the timed phases), ETA is the running median sample times what is
// left, and the slowest sample so far is shown: keygen times are heavy-tailed (3x-32x between samples), so the median
// is the steadier guess and the slowest says how bad the tail got; it is a guide, not a promise. Untimed phases use
// the mean time per iteration. A resumed run's phase starts with the samples taken before the interruption.
import { formatNs } from './compare.ts';
import { median } from './stats.ts';

export interface Progress {
  /** A new phase (warm-up, transport, measure) of `total` iterations; `before`: samples (ns) already taken (a resume). */
  phase(name: string, total: number, before?: readonly number[]): void;
  /** `done` iterations of the phase finished; `lastNs` is the last sample's duration, when there is one. */
  update(done: number, lastNs?: number): void;
  /** A line of its own (a warning, an interruption), without breaking the bar. */
  note(text: string): void;
  /** Clears the bar. */
  end(): void;
}

export const silentProgress: Progress = { phase: () => undefined, update: () => undefined, note: () => undefined, end: () => undefined };

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_NS = 100_000_000n;
const PLAIN_EVERY_NS = 10_000_000_000n;

export function progressOn(out: Output = process.stderr, opts: { tty?: boolean } = {}): Progress {
  const tty = opts.tty ?? out.isTTY === true;
  let name = '';
  let total = 0;
  let started = 0n;
  let startDone = 0;
  let taken: number[] = [];
  let lastDraw = 0n;
  let lastDecile = -1;
  let drawn = false;

  const eta = (done: number, now: bigint): string => {
    if (done >= total) return 'done';
    if (taken.length > 0) return `ETA ${clock(median(taken) * (total - done))}`;
    if (done <= startDone) return 'ETA –';
    const per = Number(now - started) / (done - startDone);
    return `ETA ${clock(per * (total - done))}`;
  };

  const clear = (): void => {
    if (tty && drawn) out.write('\r\x1b[2K');
    drawn = false;
  };

  return {
    phase(n, t, before = []) {
      clear();
      name = n;
      total = t;
      taken = [...before];
      startDone = before.length;
      started = process.hrtime.bigint();
      lastDraw = 0n;
      lastDecile = -1;
      if (!tty && t > 0) out.write(`bench: ${n}: ${t} iteration(s)${startDone > 0 ? `, ${startDone} done before the resume` : ''}\n`);
    },
    update(done, lastNs) {
      const now = process.hrtime.bigint();
      if (lastNs !== undefined) taken.push(lastNs);
      const slowest = taken.length > 0 ? `, slowest ${formatNs(Math.max(...taken))}` : '';
      const last = `${lastNs === undefined ? '' : `, last ${formatNs(lastNs)}`}${slowest}`;
      if (tty) {
        if (done < total && now - lastDraw < REDRAW_NS) return;
        lastDraw = now;
        const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 60));
        const filled = total > 0 ? Math.round((done / total) * width) : width;
        out.write(`\r\x1b[2K${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${eta(done, now)}${last}`);
        drawn = true;
        return;
      }
      const decile = total > 0 ? Math.floor((done * 10) / total) : 10;
      if (decile === lastDecile && now - lastDraw < PLAIN_EVERY_NS) return;
      lastDecile = decile;
      lastDraw = now;
      out.write(`bench: ${name} ${done}/${total} (${total > 0 ? Math.round((done * 100) / total) : 100} %), ${eta(done, now)}${last}\n`);
    },
    note(text) {
      clear();
      out.write(`${text}\n`);
    },
    end() {
      clear();
    },
  };
}

/** m:ss or h:mm:ss of nanoseconds. */
export function clock(ns: number): string {
  const s = Math.max(0, Math.round(ns / 1e9));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
