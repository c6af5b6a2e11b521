// The small emulated profile the run-level tests share: the reference JPKI applet created with CREATE APPLET (so
// provisioning's APDU count stays small and known, for fault injection by APDU number), personalized with the
// vectors/jpki fixture, one suite. Each test adds its own variant name and simulator lines (faults, ICCID, ...).
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

export interface CreateAppletProfile {
  name: string;
  /** card.variant: the test's name, so results of different tests never share a label. */
  variant: string;
  /** Extra ICS fields, YAML flow style, e.g. `logicalChannels: 1`. */
  ics?: string;
  /** Extra lines under `sim:`, indented two spaces, e.g. `  faults: { removeAfterApdus: 30 }`. */
  sim?: string[];
  suites?: string[];
}

export function createAppletProfile(p: CreateAppletProfile): string {
  return [
    `name: ${p.name}`,
    `card: { carrier: simcert, variant: ${p.variant}, emulated: true, testCard: true }`,
    `ics: { t1: true, extendedLength: true${p.ics ? `, ${p.ics}` : ''} }`,
    'ixit:',
    '  transport: sim',
    '  jpki:',
    '    pin: { value: "1234" }',
    '    signingPin: { value: "SIMCERT1" }',
    '    install: create-applet',
    `    personalization: { source: fixture, vectors: ${join(repoRoot, 'vectors', 'jpki')} }`,
    'sim:',
    '  atr: 3BFA1800008131FE454A434F5033315632333298',
    '  extendedLength: true',
    '  apduBufferSize: 2048',
    '  applets: [{ aid: D392F000260100000001, class: org.simcert.applets.jpki.JpkiApplet, codebase: jpki }]',
    ...(p.sim ?? []),
    `suites: [${(p.suites ?? ['jpki-signing']).join(', ')}]`,
    '',
  ].join('\n');
}
