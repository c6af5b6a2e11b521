// Brings the JPKI applet on an emulated or test card to the state the suites start from: installed (through
// GlobalPlatform LOAD + INSTALL, or jCardSim's CREATE APPLET) and personalized with the vectors/ fixture, as the profile's
// IXIT says. A real card arrives installed and personalized: both steps are then "none".
import * as allure from 'allure-js-commons';
import { fromHex } from '../../harness/bytes.ts';
import type { JpkiClient } from '../../harness/jpki/client.ts';
import { createApplet, personalizeFixture, personalizeThroughDomain } from '../../harness/jpki/provision.ts';
import type { JpkiVectors } from '../../harness/jpki/vectors.ts';
import type { CardContext } from './card-context.ts';
import { installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../../harness/gp/content.ts';
import { jpkiInstallSpec, jpkiLoadFile, openDomain } from './gp.ts';

/** The applet-install test a suite's own GlobalPlatform install of the applet repeats: if it failed, theirs is blocked. */
export const APPLET_INSTALLED = 'applet-install › installs the applet and makes it selectable';

/** What a suite's provisioning test depends on: the applet-install check, when the profile installs through GP. */
export function provisioningDependsOn(profile: CardContext['profile']): string[] {
  return profile.ixit.jpki.install === 'gp' ? [APPLET_INSTALLED] : [];
}

export async function provisionJpki(ctx: CardContext, jpki: JpkiClient, pin: string, fixture: JpkiVectors | undefined): Promise<void> {
  const jp = ctx.profile.ixit.jpki;
  const s = ctx.card.session;
  if (jp.install === 'create-applet') {
    await allure.step('install the applet (CREATE APPLET)', () => createApplet(s, fromHex(jp.aid)));
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
      const blocks = await personalizeThroughDomain(ch, fixture, pin, jp.pinTryLimit);
      await allure.parameter('STORE DATA blocks', String(blocks));
    });
  } else if (fixture) {
    await allure.step('personalize with the test fixture (STORE DATA, DGIs, straight to the applet)', async () => {
      await jpki.selectAp();
      const blocks = await personalizeFixture(s, fixture, pin, jp.pinTryLimit);
      await allure.parameter('STORE DATA blocks', String(blocks));
    });
  }
  await allure.step('select the JPKI AP', () => jpki.selectAp());
}
