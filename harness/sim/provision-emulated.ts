// Brings the JPKI applet on a freshly started simulator to the state a lab expects of a standing test card:
// installed by the profile's route (jCardSim's CREATE APPLET, or GlobalPlatform LOAD + INSTALL through the
// issuer security domain) and personalized with the profile's fixture (straight to the applet, or through the
// domain with the key and PIN DGIs under the DEK). The suites do the same in suites/support/provision.ts with
// report steps around each part; this is the plain version `simcert sim serve` runs, built on the same pieces.
// The ARA-M of sim.araM goes in too, with the carrier's rules (harness/sim/provision-aram.ts).
import type { CardSession } from '../apdu/session.ts';
import { fromHex } from '../bytes.ts';
import { installAndMakeSelectable, installForPersonalization, loadLoadFile } from '../gp/content.ts';
import { parseKeySpec } from '../gp/keys-spec.ts';
import { buildJarLoadFile } from '../gp/load-file.ts';
import { openSecureChannel, type SecureChannel } from '../gp/secure-channel.ts';
import { createApplet, personalizeFixture, personalizeThroughDomain } from '../jpki/provision.ts';
import { loadJpkiVectors } from '../jpki/vectors.ts';
import { resolveSecret } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { buildLab } from './build.ts';
import { araMAid, provisionSimAraM } from './provision-aram.ts';

export const JPKI_APPLET_CLASS = 'org.simcert.applets.jpki.JpkiApplet';

/** What went onto the card, for the operator. */
export interface Provisioned {
  installedBy: 'create-applet' | 'gp' | 'none';
  personalized: boolean;
  /** The ARA-M installed with the carrier's rules of sim.araM: its AID and how many rules. */
  araM?: { aid: string; rules: number };
  /** The emulated card's test PIN and signing password (a fixture was personalized). */
  pins?: { userAuth: string; userAuthTries: number; signing: string; signingTries: number };
}

/**
 * The signing password: the profile's `ixit.jpki.signingPin` where the profile has one (a secret reference like
 * `pin`), else the fixture's (vectors/jpki/pin.json).
 */
async function signingPinOf(profile: Profile, fixtureValue: string): Promise<string> {
  const ref = profile.ixit.jpki.signingPin;
  return ref ? resolveSecret(ref, 'ixit.jpki.signingPin') : fixtureValue;
}

async function openDomain(session: CardSession, profile: Profile): Promise<SecureChannel> {
  const gp = profile.ixit.gp;
  if (!gp) throw new Error(`${profile.file}: ixit.jpki.install gp needs ixit.gp (security domain, keys, level)`);
  await session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(gp.sd), le: 256 }, { name: 'SELECT security domain' });
  const keys = parseKeySpec(await resolveSecret(gp.keys, 'ixit.gp.keys'), gp.kvn);
  return openSecureChannel(session, keys, { level: Number.parseInt(gp.level, 16), diversification: gp.diversification, sdAid: gp.sd });
}

async function installThroughDomain(session: CardSession, profile: Profile): Promise<void> {
  const gp = profile.ixit.gp!;
  const lf = gp.loadFile;
  if (!lf || !('codebase' in lf)) throw new Error(`${profile.file}: serving an emulated card needs ixit.gp.loadFile with a lab/applets codebase`);
  const dir = (await buildLab()).applets[lf.codebase];
  if (!dir) throw new Error(`${profile.file}: no applet codebase "${lf.codebase}" under lab/applets`);
  const aid = profile.ixit.jpki.aid;
  const bytes = await buildJarLoadFile({ classesDir: dir, packageAid: lf.packageAid, applets: [{ aid, class: JPKI_APPLET_CLASS }] });
  const ch = await openDomain(session, profile);
  await loadLoadFile(ch, lf.packageAid, bytes);
  await installAndMakeSelectable(ch, { loadFileAid: lf.packageAid, moduleAid: aid, instanceAid: aid, ...(gp.quota ? { quota: gp.quota } : {}) });
}

/** Installs and personalizes the JPKI AP as the profile says; the session ends with the JPKI AP selected. */
export async function provisionEmulatedCard(session: CardSession, profile: Profile): Promise<Provisioned> {
  const jp = profile.ixit.jpki;
  const aid = fromHex(jp.aid);
  if (jp.install === 'create-applet') await createApplet(session, aid);
  if (jp.install === 'gp') await installThroughDomain(session, profile);
  const perso = jp.personalization;
  let pins: Provisioned['pins'];
  if (perso.source === 'fixture') {
    const fixture = await loadJpkiVectors(perso.vectors);
    const pin = await resolveSecret(jp.pin, 'ixit.jpki.pin');
    const signingPin = await signingPinOf(profile, fixture.signingPin);
    if (jp.install === 'gp') {
      const ch = await openDomain(session, profile);
      await installForPersonalization(ch, jp.aid);
      await personalizeThroughDomain(ch, fixture, pin, jp.pinTryLimit, undefined, signingPin);
    } else {
      await session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: aid }, { name: 'SELECT JPKI AP' });
      await personalizeFixture(session, fixture, pin, jp.pinTryLimit, undefined, signingPin);
    }
    pins = { userAuth: pin, userAuthTries: jp.pinTryLimit, signing: signingPin, signingTries: fixture.signingPinTryLimit };
  }
  // The ARA-M with the carrier's rules, as the service-lifecycle suite puts it in place.
  const araM = profile.sim?.araM ? { aid: araMAid(profile), rules: await provisionSimAraM(session, profile) } : undefined;
  await session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: aid }, { name: 'SELECT JPKI AP' });
  return { installedBy: jp.install, personalized: perso.source === 'fixture', ...(pins ? { pins } : {}), ...(araM ? { araM } : {}) };
}
