// What every suite starts from: the profile named by SIMCERT_PROFILE (set by `simcert run`), the card it
// describes opened and traced, and helpers that put the profile, ATR, reader and APDU trace on every Allure test.
import * as allure from 'allure-js-commons';
import { fromHex, hex } from '../../harness/bytes.ts';
import { JpkiClient } from '../../harness/jpki/client.ts';
import { openCard, type OpenCard } from '../../harness/card/open-card.ts';
import { loadProfile, resolveSecret } from '../../harness/profile/index.ts';
import type { Profile } from '../../harness/profile/types.ts';
import { knownSuites } from '../../harness/run/suites.ts';

export interface CardContext {
  profile: Profile;
  card: OpenCard;
}

export const PROFILE_ENV = 'SIMCERT_PROFILE';

export async function loadSuiteProfile(): Promise<Profile> {
  const file = process.env[PROFILE_ENV];
  if (!file) throw new Error(`${PROFILE_ENV} is not set: run suites through \`simcert run --profile FILE\``);
  return loadProfile(file, { knownSuites: await knownSuites() });
}

export async function openCardContext(profile: Profile): Promise<CardContext> {
  return { profile, card: await openCard(profile) };
}

/** The card with the JPKI client and the PIN the profile gives, as the JPKI suites start. */
export async function openJpkiCard(profile: Profile): Promise<{ ctx: CardContext; jpki: JpkiClient; pin: string }> {
  const ctx = await openCardContext(profile);
  return { ctx, jpki: new JpkiClient(ctx.card.session, fromHex(profile.ixit.jpki.aid)), pin: await secret(profile) };
}

export async function secret(profile: Profile): Promise<string> {
  return resolveSecret(profile.ixit.jpki.pin, 'ixit.jpki.pin');
}

/**
 * Runs a test body with the Allure labels every card test carries, and attaches the APDU exchanges the test
 * made (already redacted by the trace) whether it passed or failed.
 */
export async function onCard(ctx: CardContext, suite: string, body: () => Promise<void>): Promise<void> {
  const { profile, card } = ctx;
  // The report is grouped by SIM variant, then by what is being certified (harness/report/allurerc.mjs).
  await allure.label('variant', `${profile.card.carrier} / ${profile.card.variant}`);
  await allure.label('conformance suite', suite);
  await allure.parameter('profile', profile.name);
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
