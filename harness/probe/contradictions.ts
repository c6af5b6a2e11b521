// The claims of a lab's profile that the card itself contradicts: a finding in its own right (a vendor datasheet
// that promises T=1 on a T=0 SIM, or P-384 on a card without EC), found before any suite runs. Each contradiction
// names where the profile makes the claim (file:line:column, from the profile loader's source map), what it says,
// what the card showed and the exchanges that showed it. Only claims the probe established are compared.
import type { Located } from '../profile/layers.ts';
import type { Profile } from '../profile/types.ts';
import type { Evidence } from './evidence.ts';
import type { IcsClaim, ProbedClaim } from './probe.ts';

export interface Contradiction {
  claim: IcsClaim;
  declared: unknown;
  observed: unknown;
  basis: string;
  /** Where the profile (or the profile it extends) sets the claim; absent when it comes from a schema default. */
  at?: Located;
  evidence: Evidence[];
}

function same(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.toUpperCase() === b.toUpperCase() : a === b;
}

export function findContradictions(ics: Profile['ics'], claims: readonly ProbedClaim[], where?: (claim: IcsClaim) => Located | undefined): Contradiction[] {
  const out: Contradiction[] = [];
  for (const c of claims) {
    const declared = ics[c.claim];
    // A claim the profile leaves unstated (persistentMemory) is not contradicted by any value.
    if (declared === undefined || same(declared, c.value)) continue;
    const at = where?.(c.claim);
    out.push({ claim: c.claim, declared, observed: c.value, basis: c.basis, ...(at ? { at } : {}), evidence: c.evidence });
  }
  return out;
}

export function formatContradiction(c: Contradiction): string {
  const where = c.at ? `${c.at.file}:${c.at.line}:${c.at.column}: ` : '';
  return `${where}ics.${c.claim}: the profile claims ${JSON.stringify(c.declared)}, the card shows ${JSON.stringify(c.observed)} (${c.basis})`;
}
