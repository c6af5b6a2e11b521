// Runs a rack's cards at once: up to `jobs` items at a time, never two that need the same reader or port together
// (work.ts: conflicts), in the order given otherwise. An item's failure is its own: the pool goes on with the rest.
// Once `signal` is aborted no new item starts; the pool waits for those in flight (each stops itself on the signal).

export interface PoolOptions<T> {
  jobs: number;
  conflicts: (a: T, b: T) => boolean;
  signal?: AbortSignal;
}

/** Runs `work` on every item (unless aborted first); resolves when all started items have ended. Never rejects. */
export async function runPool<T>(items: readonly T[], work: (item: T) => Promise<void>, opts: PoolOptions<T>): Promise<{ errors: { item: T; error: unknown }[] }> {
  const waiting = [...items];
  const running = new Set<T>();
  const errors: { item: T; error: unknown }[] = [];
  return await new Promise((resolve) => {
    const startMore = (): void => {
      while (!opts.signal?.aborted && running.size < opts.jobs) {
        const i = waiting.findIndex((x) => ![...running].some((r) => opts.conflicts(x, r)));
        if (i === -1) break;
        const [item] = waiting.splice(i, 1) as [T];
        running.add(item);
        void work(item)
          .catch((error: unknown) => void errors.push({ item, error }))
          .finally(() => {
            running.delete(item);
            startMore();
          });
      }
      if (running.size === 0) resolve({ errors });
    };
    startMore();
  });
}
