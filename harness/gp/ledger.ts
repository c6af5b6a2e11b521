// A local record of failed EXTERNAL AUTHENTICATEs per card and security domain. Real cards lock a security domain
// for good after a few failures, and the counter survives across lab sessions, so the harness remembers too: a
// card with recorded failures is not authenticated to again unless the engineer says they accept the risk
// (`simcert run --i-know-the-card-may-lock`).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { makeDir } from '../make-dir.ts';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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
    await writeFile(`${this.file}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
    await rename(`${this.file}.tmp`, this.file);
  }

  static key(kdd: string, sd: string): string {
    return `${kdd.toUpperCase()}@${sd.toUpperCase()}`;
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    return (await this.read())[key];
  }

  async recordFailure(key: string): Promise<LedgerEntry> {
    const all = await this.read();
    const e = { failures: (all[key]?.failures ?? 0) + 1, lastFailure: new Date().toISOString() };
    all[key] = e;
    await this.write(all);
    return e;
  }

  /** A successful authentication resets the card's own counter; so does it the ledger's. */
  async recordSuccess(key: string): Promise<void> {
    const all = await this.read();
    if (!all[key]) return;
    delete all[key];
    await this.write(all);
  }
}
