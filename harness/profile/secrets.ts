// Turns a profile's secret reference into the secret, at the moment a suite needs it; the value itself is
// never kept in the Profile object, never logged, and never put into a report.
import { readFile } from 'node:fs/promises';
import type { SecretRef } from './types.ts';

export class SecretError extends Error {}

export async function resolveSecret(ref: SecretRef, what: string): Promise<string> {
  if ('value' in ref) return ref.value;
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (v === undefined || v === '') throw new SecretError(`${what}: environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    // A trailing newline is an editor's, not the secret's.
    return (await readFile(ref.file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new SecretError(`${what}: cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
