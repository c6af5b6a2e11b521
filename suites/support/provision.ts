// Brings the JPKI applet on an emulated or test card to the state the suites start from: installed (through
// GlobalPlatform LOAD + INSTALL, or jCardSim's CREATE APPLET) and personalized with the vectors/ fixture, both
// halves (user-authentication PIN and key, signing password and key, all six EFs), with the PINs the profile's
// IXIT gives. A real card arrives installed and personalized: both steps are then "none".
import * as allure from 'allure-js-commons';
import { fromHex } from '../../harness/bytes.ts';
import type { JpkiClient } from '../../harness/jpki/client.ts';
import { createApplet, domainSender, fixturePersonalization, personalize, personalizationDgis, registerSecrets, sendDgis } from '../../harness/jpki/provision.ts';
import type { JpkiVectors } from '../../harness/jpki/vectors.ts';
import { signingSecret, type CardContext } from './card-context.ts';
import { installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../../harness/gp/content.ts';
import { jpkiInstallSpec, jpkiLoadFile, openDomain } from './gp.ts';
import { keyAlgorithm } from './fixture.ts';

/** The applet-install test a suite's own GlobalPlatform install of the applet repeats: if it failed, theirs is blocked. */
export const APPLET_INSTALLED = 'applet-install › installs the applet and makes it selectable';

/** What a suite's provisioning test depends on: the applet-install check, when the profile installs through GP. */
export function provisioningDependsOn(profile: CardContext['profile']): string[] {
  return profile.ixit.jpki.install === 'gp' ? [APPLET_INSTALLED] : [];
}

export async function provisionJpki(ctx: CardContext, jpki: JpkiClient, pin: string, fixture: JpkiVectors | undefined): Promise<void> {
  const jp = ctx.profile.ixit.jpki;
  const s = ctx.card.session;
  // The applet is PERSONALIZED only with both halves; rules.ts makes a provisioning profile name the password.
  const signingPin = fixture ? await signingSecret(ctx.profile) : undefined;
  if (fixture && !signingPin) throw new Error(`${ctx.profile.file}: personalizing the JPKI AP needs ixit.jpki.signingPin`);
  if (fixture) for (const d of [fixture.key.d, fixture.signingKey.d, ...(fixture.ec ? [fixture.ec.userAuth, fixture.ec.signing] : [])]) s.trace.registerSecret(d);
  if (jp.install === 'create-applet') {
    await allure.step('install the applet (CREATE APPLET)', () => createApplet(s, fromHex(jp.aid), keyAlgorithm(ctx.profile)));
  }
  if (jp.install === 'gp') {
    await allure.step('install the applet (GlobalPlatform: INSTALL [for load], LOAD, INSTALL [for install])', async () => {
      const lf = await jpkiLoadFile(ctx.profile);
      const ch = await openDomain(ctx);
      await loadLoadFile(ch, lf.packageAid, lf.bytes);
      await installAndMakeSelectable(ch, jpkiInstallSpec(ctx.profile, lf.packageAid));
    });
  }
  if (fixture && jp.install === 'gp') {
    await allure.step('personalize through the security domain (INSTALL [for personalization], STORE DATA, key DGIs under the DEK)', async () => {
      const ch = await openDomain(ctx);
      await installForPersonalization(ch, jp.aid);
      const p = fixturePersonalization(fixture, pin, jp.pinTryLimit, signingPin, jp.signingPinTryLimit);
      registerSecrets(s, p);
      const blocks = await sendDgis(domainSender(ch), personalizationDgis(p), { final: true, blockSize: 200 });
      await allure.parameter('STORE DATA blocks', String(blocks));
    });
  } else if (fixture) {
    await allure.step('personalize with the test fixture (STORE DATA, DGIs, straight to the applet)', async () => {
      await jpki.selectAp();
      const blocks = await personalize(s, fixturePersonalization(fixture, pin, jp.pinTryLimit, signingPin, jp.signingPinTryLimit));
      await allure.parameter('STORE DATA blocks', String(blocks));
    });
  }
  await allure.step('select the JPKI AP', () => jpki.selectAp());
}
