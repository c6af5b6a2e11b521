// What every suite starts from: the profile named by SIMCERT_PROFILE (set by `simcert run`), the card it
// describes opened and traced, and helpers that put the profile, ATR, reader and APDU trace on every Allure test.
import * as allure from 'allure-js-commons';
import { fromHex, hex } from '../../harness/bytes.ts';
import { JpkiClient } from '../../harness/jpki/client.ts';
import { openCard, type OpenCard } from '../../harness/card/open-card.ts';
import { relative } from 'node:path';
import { inspectProfile, ProfileError, resolveSecret } from '../../harness/profile/index.ts';
import type { LayeredSourceMap } from '../../harness/profile/layers.ts';
import type { Profile } from '../../harness/profile/types.ts';
import { knownSuites } from '../../harness/run/suites.ts';
import { unverifiedNote } from '../../harness/profile/verified.ts';
import { cardEnv } from './this-card.ts';

const env = cardEnv();

export interface CardContext {
  profile: Profile;
  card: OpenCard;
}

export const PROFILE_ENV = 'SIMCERT_PROFILE';

const sources = new WeakMap<Profile, LayeredSourceMap>();

// A card's suites share one worker (suites/vitest.config.ts: isolate false), so its profile is read, merged and
// checked once per card instead of once per suite (a quarter of a CPU-second per card); each suite gets a copy of
// its own, so what one suite sets on its profile (the reader, below) is never seen by the next.
let read: { file: string; result: Promise<{ profile: Profile; sources?: LayeredSourceMap }> } | undefined;

async function readSuiteProfile(file: string): Promise<{ profile: Profile; sources?: LayeredSourceMap }> {
  const r = await inspectProfile(file, { knownSuites: await knownSuites() });
  if (!r.profile) throw new ProfileError(r.problems);
  return { profile: r.profile, ...(r.sources ? { sources: r.sources } : {}) };
}

export async function loadSuiteProfile(): Promise<Profile> {
  const file = env[PROFILE_ENV];
  if (!file) throw new Error(`${PROFILE_ENV} is not set: run suites through \`simcert run --profile FILE\``);
  if (read?.file !== file) read = { file, result: readSuiteProfile(file) };
  const r = await read.result;
  const profile = structuredClone(r.profile);
  if (r.sources) sources.set(profile, r.sources);
  // `simcert run --readers all` found this card in a reader of the rack (harness/run/run-card.ts: READER_ENV).
  const reader = env.SIMCERT_READER;
  if (reader) profile.ixit.reader = reader;
  return profile;
}

/** `file:line:column` of the profile line that set a field (with `extends`, possibly in a base profile). */
export function profileLine(profile: Profile, path: readonly (string | number)[]): string {
  const map = sources.get(profile);
  if (!map) return relative(process.cwd(), profile.file);
  const at = map.valuePos(path);
  return `${relative(process.cwd(), at.file)}:${at.line}:${at.column}`;
}

export async function openCardContext(profile: Profile): Promise<CardContext> {
  return { profile, card: await openCard(profile) };
}

/**
 * The card with the JPKI client and the PINs the profile gives, as the JPKI suites start. `signingPin` is absent
 * when the profile gives no signing password: the signing half's tests then say so instead of running.
 */
export async function openJpkiCard(profile: Profile): Promise<{ ctx: CardContext; jpki: JpkiClient; pin: string; signingPin?: string }> {
  const ctx = await openCardContext(profile);
  const jpki = new JpkiClient(ctx.card.session, fromHex(profile.ixit.jpki.aid));
  const signingPin = await signingSecret(profile);
  // Registered now, so no trace of any test shows the password, even one that sends it by mistake.
  if (signingPin) ctx.card.session.trace.registerSecret(new TextEncoder().encode(signingPin));
  return { ctx, jpki, pin: await secret(profile), ...(signingPin ? { signingPin } : {}) };
}

export async function secret(profile: Profile): Promise<string> {
  return resolveSecret(profile.ixit.jpki.pin, 'ixit.jpki.pin');
}

/** The signing password (EF 001B), or undefined when the profile gives none. */
export async function signingSecret(profile: Profile): Promise<string | undefined> {
  const ref = profile.ixit.jpki.signingPin;
  return ref ? resolveSecret(ref, 'ixit.jpki.signingPin') : undefined;
}

/** Why the signing half cannot be tested on this profile, or undefined when it can. */
export function noSigningPin(profile: Profile): string | undefined {
  return profile.ixit.jpki.signingPin ? undefined : `the profile gives no signing password (ixit.jpki.signingPin in ${relative(process.cwd(), profile.file)})`;
}

/**
 * Runs a test body with the Allure labels every card test carries, and attaches the APDU exchanges the test
 * made (already redacted by the trace) whether it passed or failed.
 */
/** The labels every test carries, run or not: they place it in the report and in the portability matrix. */
export async function profileLabels(profile: Profile, suite: string): Promise<void> {
  // The report is grouped by SIM variant, then by what is being certified (harness/report/allure.ts).
  await allure.label('variant', `${profile.card.carrier} / ${profile.card.variant}`);
  await allure.label('conformance suite', suite);
  await allure.parameter('profile', profile.name);
  await allure.parameter('profile file', relative(process.cwd(), profile.file), { excluded: true });
  const unverified = unverifiedNote(profile);
  if (unverified) await allure.parameter('profile facts', unverified, { excluded: true });
}

export async function onCard(ctx: CardContext, suite: string, body: () => Promise<void>): Promise<void> {
  const { profile, card } = ctx;
  await profileLabels(profile, suite);
  await allure.parameter('ATR', hex(card.session.atr, ' '));
  await allure.parameter('reader', card.reader, { excluded: true });
  await allure.label('host', profile.ixit.transport);
  const from = card.session.trace.entries.length;
  try {
    await body();
  } finally {
    const text = card.session.trace.format(from);
    if (text) await allure.attachment('APDU trace', text, { contentType: 'text/plain' });
  }
}
