// The security domain a profile names (ixit.gp), opened with the keys its secret reference resolves to, and the
// applet load file of an emulated profile built from lab/ (real cards need a CAP file, which is not wired yet).
import { readFile } from 'node:fs/promises';
import * as allure from 'allure-js-commons';
import type { CommandApdu, ResponseApdu } from '../../harness/apdu/apdu.ts';
import { describeSw } from '../../harness/apdu/status-words.ts';
import { fromHex } from '../../harness/bytes.ts';
import { readCapFile } from '../../harness/gp/cap-file.ts';
import type { InstallSpec } from '../../harness/gp/content.ts';
import { buildJarLoadFile } from '../../harness/gp/load-file.ts';
import { parseKeySpec } from '../../harness/gp/keys-spec.ts';
import { AuthLedger } from '../../harness/gp/ledger.ts';
import { checkedSend, openSecureChannel, type ChannelSendOptions, type SecureChannel } from '../../harness/gp/secure-channel.ts';
import { ACCEPT_LOCK_RISK_ENV } from '../../harness/run/suites.ts';
import type { StaticKeys } from '../../harness/gp/keys.ts';
import { resolveSecret } from '../../harness/profile/index.ts';
import type { Profile } from '../../harness/profile/types.ts';
import { buildLab } from '../../harness/sim/build.ts';
import type { CardContext } from './card-context.ts';
import { installParameters } from '../../harness/jpki/key-algorithm.ts';
import { keyAlgorithm } from './fixture.ts';

export type GpSettings = NonNullable<Profile['ixit']['gp']>;

export function gpSettings(profile: Profile): GpSettings {
  const gp = profile.ixit.gp;
  if (!gp) throw new Error(`${profile.file}: this needs ixit.gp (security domain, keys, level)`);
  return gp;
}

export async function domainKeys(profile: Profile): Promise<StaticKeys> {
  const gp = gpSettings(profile);
  return parseKeySpec(await resolveSecret(gp.keys, 'ixit.gp.keys'), gp.kvn);
}

export async function serviceProviderKeys(profile: Profile): Promise<StaticKeys> {
  const sp = gpSettings(profile).serviceProvider;
  if (!sp) throw new Error(`${profile.file}: no ixit.gp.serviceProvider`);
  return parseKeySpec(await resolveSecret(sp.keys, 'ixit.gp.serviceProvider.keys'), sp.kvn);
}

/** SELECT a security domain (the profile's, or `sdAid`), then INITIALIZE UPDATE / EXTERNAL AUTHENTICATE. */
export async function openDomain(ctx: CardContext, keys?: StaticKeys, sdAid?: string): Promise<SecureChannel> {
  const gp = { ...gpSettings(ctx.profile), ...(sdAid ? { sd: sdAid } : {}) };
  await ctx.card.session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(gp.sd), le: 256 }, { name: 'SELECT security domain' });
  // Real cards keep their failure counters across sessions, so the harness keeps a ledger for them; a simulator
  // starts afresh every run and needs none.
  const ledger = ctx.profile.card.emulated ? undefined
    : { ledger: new AuthLedger(), sdAid: gp.sd, acceptLockRisk: process.env[ACCEPT_LOCK_RISK_ENV] === '1' };
  const k = keys ?? (await domainKeys(ctx.profile));
  const ch = await allure.step(`INITIALIZE UPDATE + EXTERNAL AUTHENTICATE (level ${gp.level})`, async (step) => {
    const opened = await openSecureChannel(ctx.card.session, k,
      { level: Number.parseInt(gp.level, 16), diversification: gp.diversification, sdAid: gp.sd, ...(ledger ? { ledger } : {}) });
    await step.displayName(`secure channel SCP0${opened.scp} opened to ${gp.sd} at level ${gp.level}`);
    return opened;
  });
  return reported(ch);
}

/** Every command through the channel becomes a report step named with the command and its decoded status word. */
export function reported(ch: SecureChannel): SecureChannel {
  const transmit = (cmd: CommandApdu, name?: string, o?: ChannelSendOptions): Promise<ResponseApdu> =>
    Promise.resolve(allure.step(name ?? 'command', async (step) => {
      const r = await ch.transmit(cmd, name, o);
      await step.displayName(`${name ?? 'command'}: ${describeSw(r.sw)}`);
      return r;
    }));
  return { ...ch, transmit, send: checkedSend(transmit) };
}

/**
 * INSTALL [for install] of the JPKI applet as the profile's IXIT asks for it: its AID, the memory quotas, and the
 * key type in the application data.
 */
export function jpkiInstallSpec(profile: Profile, loadFileAid: string,
  applicationData: Uint8Array = installParameters(keyAlgorithm(profile))): InstallSpec {
  const aid = profile.ixit.jpki.aid;
  const quota = profile.ixit.gp?.quota;
  return { loadFileAid, moduleAid: aid, instanceAid: aid, ...(applicationData.length > 0 ? { applicationData } : {}), ...(quota ? { quota } : {}) };
}

const loadFiles = new Map<string, Promise<{ packageAid: string; bytes: Uint8Array }>>();

/**
 * The applet package as a load file: a CAP file's Load File Data Block, or a JAR from lab/ for the simulator.
 * Built once per profile and suite process; a suite that reinstalls asks for it again.
 */
export function jpkiLoadFile(profile: Profile): Promise<{ packageAid: string; bytes: Uint8Array }> {
  let lf = loadFiles.get(profile.file);
  if (!lf) {
    lf = buildJpkiLoadFile(profile);
    loadFiles.set(profile.file, lf);
  }
  return lf;
}

async function buildJpkiLoadFile(profile: Profile): Promise<{ packageAid: string; bytes: Uint8Array }> {
  const lf = gpSettings(profile).loadFile;
  if (!lf) throw new Error(`${profile.file}: ixit.gp.loadFile is needed to install the applet`);
  if ('cap' in lf) {
    const cap = readCapFile(new Uint8Array(await readFile(lf.cap)));
    if (!cap.appletAids.includes(profile.ixit.jpki.aid.toUpperCase())) {
      throw new Error(`${lf.cap} holds applets ${cap.appletAids.join(', ') || '(none)'}, not the JPKI AP ${profile.ixit.jpki.aid}`);
    }
    return { packageAid: cap.packageAid, bytes: cap.loadFileDataBlock };
  }
  const lab = await buildLab();
  const dir = lab.applets[lf.codebase];
  if (!dir) throw new Error(`no applet codebase "${lf.codebase}" under lab/applets`);
  const bytes = await buildJarLoadFile({ classesDir: dir, packageAid: lf.packageAid, applets: [{ aid: profile.ixit.jpki.aid, class: 'org.simcert.applets.jpki.JpkiApplet' }] });
  return { packageAid: lf.packageAid, bytes };
}
