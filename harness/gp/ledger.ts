// A local record of failed EXTERNAL AUTHENTICATEs per card and security domain. Real cards lock a security domain
// for good after a few failures, and the counter survives across lab sessions, so the harness remembers too: a
// card with recorded failures is not authenticated to again unless the engineer says they accept the risk
// (`simcert run --i-know-the-card-may-lock`).
// The cards of a rack run in processes side by side and share the ledger, so each change is a read-modify-write
// under a lock file (`<ledger>.lock`, holding the writer's pid; one left by a process that is gone is taken over):
// a failure recorded by one card is never lost to another card's write.
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDir } from '../make-dir.ts';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { processAlive } from '../process-alive.ts';

export interface LedgerEntry {
  failures: number;
  lastFailure: string;
}

export class CardMayLockError extends Error {}

export function defaultLedgerFile(): string {
  return process.env.SIMCERT_LEDGER ?? join(homedir(), '.simcert', 'auth-ledger.json');
}

export class AuthLedger {
  constructor(readonly file: string = defaultLedgerFile()) {}

  private async read(): Promise<Record<string, LedgerEntry>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, LedgerEntry>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read the authentication ledger ${this.file}: ${(err as Error).message}`);
    }
  }

  private async write(all: Record<string, LedgerEntry>): Promise<void> {
    await makeDir(dirname(this.file));
    // Write-then-rename: a crash never leaves half a ledger, which would forget failures.
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  /** Runs `change` with the ledger to itself (see the header); gives up after 30 s naming the lock file. */
  private async locked<T>(change: () => Promise<T>): Promise<T> {
    await makeDir(dirname(this.file));
    const lock = `${this.file}.lock`;
    for (let waited = 0; ; waited += 20) {
      try {
        const h = await open(lock, 'wx');
        await h.writeFile(String(process.pid));
        await h.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
        if (holder > 0 && !processAlive(holder)) await rm(lock, { force: true });
        else if (waited > 30_000) throw new Error(`the authentication ledger is locked by ${lock} (pid ${holder || 'unknown'}); remove it if no simcert is running`);
        else await sleep(20);
      }
    }
    try {
      return await change();
    } finally {
      await rm(lock, { force: true });
    }
  }

  static key(kdd: string, sd: string): string {
    return `${kdd.toUpperCase()}@${sd.toUpperCase()}`;
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    return (await this.read())[key];
  }

  async recordFailure(key: string): Promise<LedgerEntry> {
    return this.locked(async () => {
      const all = await this.read();
      const e = { failures: (all[key]?.failures ?? 0) + 1, lastFailure: new Date().toISOString() };
      all[key] = e;
      await this.write(all);
      return e;
    });
  }

  /** A successful authentication resets the card's own counter; so does it the ledger's. */
  async recordSuccess(key: string): Promise<void> {
    if (!(await this.read())[key]) return;
    await this.locked(async () => {
      const all = await this.read();
      if (!all[key]) return;
      delete all[key];
      await this.write(all);
    });
  }
}

