// Suite ota-provisioning: the seed's provisioning route over the air. The carrier's TSM reaches the ISD's Remote
// Application Management application by SMS-PP (ETSI TS 102 225 secured packets, "SCP80", in 3GPP TS 31.115 SMS)
// and creates the service provider's SSD; the service provider's TSM, through its SSD's own TAR and key set, puts
// its SCP03 keys, loads, installs and personalizes the JPKI applet; then the applet signs through the reader.
// A replayed counter, a wrong checksum, a wrong KIc, an unknown TAR and a security level below the TAR's minimum are
// each refused with the PoR status TS 102 225 table 5.5 names, and the card is left unchanged. Every exchange is
// attached as the SMS-DELIVER TPDU, the secured packet's header fields, the commands and the PoR, with keys and
// checksums masked.
import * as allure from 'allure-js-commons';
import { afterAll, beforeAll, describe } from 'vitest';
import { expect } from './support/expect.ts';
import { swHex } from '../harness/apdu/status-words.ts';
import { fromHex, hex } from '../harness/bytes.ts';
import { getStatus } from '../harness/gp/card-content.ts';
import { installAndMakeSelectable, installForPersonalization, loadLoadFile, setApplicationLocked } from '../harness/gp/content.ts';
import { otaChannel } from '../harness/gp/ota-channel.ts';
import { putKeyCommand } from '../harness/gp/put-key.ts';
import type { SecureChannel } from '../harness/gp/secure-channel.ts';
import type { JpkiClient } from '../harness/jpki/client.ts';
import { fixturePersonalization, personalizationDgis, registerSecrets, sendDgis, domainSender } from '../harness/jpki/provision.ts';
import { loadJpkiVectors } from '../harness/jpki/vectors.ts';
import { encodeKic, type OtaChecksumKey, type OtaCipherKey } from '../harness/ota/algorithms.ts';
import { OtaClient, OtaCounter, type OtaExchangeReport, type OtaResult, type OtaTarget } from '../harness/ota/ota-client.ts';
import { describePorStatus, POR_STATUS } from '../harness/ota/por.ts';
import type { Spi } from '../harness/ota/spi.ts';
import { resolveSecret } from '../harness/profile/index.ts';
import type { OtaDomainIxit } from '../harness/profile/types.ts';
import { applicableTest, type TestRef } from './support/applicability.ts';
import { loadSuiteProfile, onCard, openJpkiCard, signingSecret, type CardContext } from './support/card-context.ts';
import { domainKeys, gpSettings, jpkiInstallSpec, jpkiLoadFile, serviceProviderKeys } from './support/gp.ts';
import { expectProvisioned } from './support/provisioned.ts';

const SUITE = 'ota-provisioning';
const profile = await loadSuiteProfile();
const ota = profile.ixit.ota;
const jp = profile.ixit.jpki;
const fixture = jp.personalization.source === 'fixture' ? await loadJpkiVectors(jp.personalization.vectors) : undefined;
/** What the route lacks on this profile: the TSMs' OTA settings for every test; the SP's side for provisioning. */
const noOta = !ota ? 'no ixit.ota (the TSMs\' TARs and SCP80 key sets)' : undefined;
const noSpRoute = noOta ?? (!ota!.serviceProvider || !profile.ixit.gp?.serviceProvider
  ? 'no service provider domain (ixit.ota.serviceProvider and ixit.gp.serviceProvider)'
  : !fixture || jp.install !== 'gp' ? 'the route installs and personalizes the applet itself: it needs ixit.jpki.install gp and the fixture personalization'
    : undefined);
const CHANGES_CARD = 'it creates a security domain and installs the applet; it runs on emulated or test cards only (card.testCard)';
const mayChangeCard = profile.card.emulated || profile.card.testCard;

/** A domain the refusal tests try to create: if any refused packet ran, it would be there afterwards. */
const CANARY_SSD = 'F0534D43455254535344FFFF';

let ctx: CardContext;
let jpki: JpkiClient;
let pin: string;
let client: OtaClient;
let isd: OtaTarget;
let sp: OtaTarget;
let spi: Spi;
let exchanges: OtaExchangeReport[] = [];
let provisioned: string | undefined = 'provisioning over the air has not run';

async function target(name: string, d: OtaDomainIxit, first: number): Promise<OtaTarget> {
  const cipher: OtaCipherKey = { kvn: d.kvn, algorithm: d.kic.algorithm, key: fromHex(await resolveSecret(d.kic.key, `${name} KIc`)) };
  const checksum: OtaChecksumKey = { kvn: d.kvn, algorithm: d.kid.algorithm, key: fromHex(await resolveSecret(d.kid.key, `${name} KID`)) };
  return { name, tar: fromHex(d.tar), keys: { cipher, checksum }, counter: new OtaCounter(BigInt(first)) };
}

beforeAll(async () => {
  ({ ctx, jpki, pin } = await openJpkiCard(profile));
  if (!ota) return;
  spi = ota.spi;
  client = new OtaClient(ctx.card.session, { spi, format: ota.format, onExchange: (e) => exchanges.push(e) });
  isd = await target('carrier TSM -> ISD RAM', ota.isd, ota.firstCounter);
  client.registerKeys(isd);
  if (ota.serviceProvider) {
    sp = await target('service provider TSM -> SSD RAM', ota.serviceProvider, ota.firstCounter);
    client.registerKeys(sp);
  }
});

afterAll(async () => {
  await ctx?.card.close();
});

/** One OTA exchange as a person reads it: TPDU, header fields, commands, PoR; no key, no checksum, no data. */
function describeExchange(e: OtaExchangeReport, n: number): string {
  const rows = Object.entries(e.header).map(([k, v]) => `| ${k} | ${v} |`);
  return [
    `### OTA exchange ${n}: ${e.target}`,
    '',
    ...e.tpdus.map((t, i) => `SMS-DELIVER TPDU ${i + 1}/${e.tpdus.length}: \`${t}\``),
    '',
    ...(rows.length ? ['| command packet field | value |', '|---|---|', ...rows, ''] : []),
    ...(e.commands.length ? ['Remote commands (TS 102 226):', ...e.commands.map((c) => `- ${c}`), ''] : []),
    `ENVELOPE status words: ${e.envelopeSws.join(', ')}`,
    '',
    e.por ? `PoR: status ${e.por.status}, TAR ${e.por.tar}, CNTR ${e.por.counter}, ${e.por.secured ? 'secured as the SPI asks' : 'sent unsecured'}` +
      `${e.por.results.length ? `; ${e.por.results.join('; ')}` : ''}` : 'PoR: none',
  ].join('\n');
}

interface OtaTestOptions {
  dependsOn?: string;
  when?: string;
  /** True for the tests that provision through the service provider's domain. */
  spRoute?: boolean;
}

function otaTest(ref: TestRef, name: string, body: () => Promise<void>, o: OtaTestOptions = {}): void {
  const dependsOn = o.dependsOn;
  applicableTest(profile, SUITE, name, { when: o.when ?? 'ota_ram', routeLacks: o.spRoute ? noSpRoute : noOta, skip: mayChangeCard ? undefined : CHANGES_CARD, ...(dependsOn ? { dependsOn } : {}), ...ref }, async () => {
    await allure.epic('JPKI user authentication on the SIM');
    await allure.feature('provisioning over the air (SCP80 by SMS-PP)');
    exchanges = [];
    await onCard(ctx, SUITE, async () => {
      try {
        await body();
      } finally {
        if (exchanges.length) {
          await allure.attachment('OTA exchanges (SMS-PP TPDU, secured packet header, commands, PoR; keys and checksums masked)',
            exchanges.map((e, i) => describeExchange(e, i + 1)).join('\n\n'), { contentType: 'text/markdown' });
        }
      }
    });
  });
}

function isdChannel(dek: Uint8Array): SecureChannel {
  return otaChannel(client, isd, dek);
}

/** The applications the ISD lists, asked over the air. */
async function applications(): Promise<string[]> {
  const keys = await domainKeys(profile);
  return (await getStatus(isdChannel(keys.dek), 0x40)).map((e) => e.aid);
}

function installSecurityDomain(aid: string) {
  const lv = (h: string): number[] => [h.length / 2, ...fromHex(h)];
  const data = Uint8Array.from([...lv('A0000001515350'), ...lv('A000000151535041'), ...lv(aid), ...lv('80'), ...lv('C900'), 0]);
  return { cla: 0x80, ins: 0xe6, p1: 0x0c, p2: 0x00, data, le: 256 };
}

/** Asserts a refusal: the PoR's status, and that the canary domain the packet asked for is not on the card. */
async function expectRefused(what: string, r: OtaResult, status: number): Promise<void> {
  await allure.parameter(`${what}: PoR status`, r.por ? describePorStatus(r.por.status) : 'no PoR');
  expect(r.por !== undefined, `${what}: the card must answer with a PoR (SPI asks for one)`).toBe(true);
  expect(describePorStatus(r.por!.status), `${what}: PoR status (TS 102 225 table 5.5)`).toBe(describePorStatus(status));
  expect(r.remote === undefined, `${what}: a refused packet reports no executed command`).toBe(true);
  expect(await allure.step('GET STATUS over the air: the refused INSTALL left nothing behind', applications), `${what}: no change on the card`)
    .not.toContain(CANARY_SSD);
}

const PROVISIONED = 'installs and personalizes the JPKI applet over the air only, then signs through the reader';
const SSD_CREATED = 'the carrier\'s TSM creates the service provider\'s SSD over the air (ISD RAM)';

describe(`provisioning over the air — ${profile.name}`, () => {
  otaTest({ id: 'OTA-001', clauses: ['ETSI-102225 5.1 Command packet structure', 'TS31.115 4.2 Command packet (SMS-PP)', 'TS23.040 9.2.2.1 SMS-DELIVER',
    'TS31.111 7.1.1 SMS-PP data download', 'ETSI-102226 5.1 Compact remote application data format', 'GPCS 11.5 INSTALL [for install] of a security domain'] }, SSD_CREATED, async () => {
    const spSd = gpSettings(profile).serviceProvider!.sd.toUpperCase();
    const keys = await domainKeys(profile);
    const ch = isdChannel(keys.dek);
    await allure.step(`INSTALL [for install and make selectable] of the SSD ${spSd} through the ISD's RAM (TAR ${hex(isd.tar)})`,
      () => installAndMakeSelectable(ch, { loadFileAid: 'A0000001515350', moduleAid: 'A000000151535041', instanceAid: spSd, privileges: '80' }));
    const apps = await allure.step('GET STATUS over the air', () => getStatus(ch, 0x40));
    expect(apps.map((e) => e.aid), 'the new SSD is in the registry').toContain(spSd);
  }, { when: 'ota_ram and ssd', spRoute: true });

  otaTest({ id: 'OTA-002', clauses: ['ETSI-102226 5.1 Compact remote application data format', 'GPCS 11.8 PUT KEY', 'GPCS 11.6 LOAD', 'GPCS 11.5 INSTALL',
    'GPCS 11.11 STORE DATA', 'TS23.040 9.2.3.24.1 Concatenated short messages', 'JPKI Files of the JPKI AP'] }, PROVISIONED, async () => {
    const spSd = gpSettings(profile).serviceProvider!.sd.toUpperCase();
    const isdKeys = await domainKeys(profile);
    const spKeys = await serviceProviderKeys(profile);
    for (const k of [spKeys.enc, spKeys.mac, spKeys.dek]) ctx.card.session.trace.registerSecret(k);
    // The SSD starts with the keys the carrier gave it (the ISD's); the service provider replaces them with its own.
    const initial = otaChannel(client, sp, isdKeys.dek);
    const spKvn = spKeys.kvn ?? 0x30;
    const put = await allure.step(`PUT KEY: the service provider's SCP03 key set (KVN ${spKvn.toString(16)}) through its SSD's RAM (TAR ${hex(sp.tar)})`,
      () => initial.send(putKeyCommand(isdKeys.dek, spKeys, spKvn, isdKeys.kvn ?? 0), 'PUT KEY'));
    expect(put.data[0], 'PUT KEY answers with the new key version').toBe(spKvn);
    const ch = otaChannel(client, sp, spKeys.dek);
    const lf = await jpkiLoadFile(profile);
    const blocks = await allure.step(`INSTALL [for load] + LOAD of ${lf.packageAid} (${lf.bytes.length} bytes) through the SSD's RAM`,
      () => loadLoadFile(ch, lf.packageAid, lf.bytes, { sdAid: spSd }));
    await allure.parameter('LOAD commands over the air', String(blocks));
    await allure.step('INSTALL [for install and make selectable] of the JPKI AP', () => installAndMakeSelectable(ch, jpkiInstallSpec(profile, lf.packageAid)));
    const signingPin = await signingSecret(profile);
    await allure.step('personalize over the air (INSTALL [for personalization], STORE DATA, key and PIN DGIs under the SSD\'s DEK)', async () => {
      await installForPersonalization(ch, jp.aid);
      const p = fixturePersonalization(fixture!, pin, jp.pinTryLimit, signingPin, jp.signingPinTryLimit);
      registerSecrets(ctx.card.session, p);
      const n = await sendDgis(domainSender(ch), personalizationDgis(p), { final: true, blockSize: 200 });
      await allure.parameter('STORE DATA blocks over the air', String(n));
    });
    await expectProvisioned(profile, jpki, fixture);
    const di = fixture!.digestInfos.find((d) => d.hash === 'sha256');
    const known = di && fixture!.signatures.find((s) => s.digestInfoId === di.id);
    if (!di || !known) throw new Error('the fixture has no SHA-256 DigestInfo with a known signature');
    const state = await allure.step('VERIFY the user-authentication PIN through the reader', () => jpki.verifyPin(pin));
    expect(state.verified, 'VERIFY of the PIN personalized over the air').toBe(true);
    const sig = await allure.step('COMPUTE DIGITAL SIGNATURE through the reader', () => jpki.sign(di.digestInfo));
    expect(hex(sig), `the signature is the known answer (${known.source}): the key arrived intact over the air`).toBe(hex(known.signature));
    provisioned = undefined;
  }, { dependsOn: SSD_CREATED, when: 'ota_ram and ssd', spRoute: true });

  otaTest({ id: 'OTA-003', clauses: ['ETSI-102225 5.1.1 Counter management (SPI1 b5b4)', 'ETSI-102225 5.2.2 Response status codes (02 CNTR low)', 'GPCS 11.10 SET STATUS'] },
    'refuses a replayed packet (counter not higher: PoR status 02) and does not run it again', async () => {
      if (provisioned) throw new Error(`the card is not ready: ${provisioned}`);
      const spKeys = await serviceProviderKeys(profile);
      const ch = otaChannel(client, sp, spKeys.dek);
      const lock = await allure.step('lock the JPKI AP over the air (SET STATUS), capturing the packet', async () => {
        const r = await client.send(sp, [{ cla: 0x80, ins: 0xf0, p1: 0x40, p2: 0x80, data: fromHex(jp.aid) }]);
        expect(r.por?.status, 'the lock packet is accepted').toBe(POR_STATUS.ok);
        expect(swHex(r.remote!.responses[0]!.sw)).toBe('9000');
        return r;
      });
      await allure.step('unlock it again over the air', async () => expect(swHex(await setApplicationLocked(ch, jp.aid, false))).toBe('9000'));
      const replay = await allure.step('send the lock packet again, byte for byte', () => client.replay(sp, lock.envelopes));
      await allure.parameter('replay: PoR status', replay.por ? describePorStatus(replay.por.status) : 'no PoR');
      expect(replay.por !== undefined, 'the card must answer a replay with a PoR').toBe(true);
      // A real sysmoISIM-SJA2 answers 06 (reference sheet section 5); TS 102 225 names 02 for a counter that is not higher.
      expect(describePorStatus(replay.por!.status), 'PoR status of a replayed counter').toBe(describePorStatus(POR_STATUS.counterLow));
      expect(replay.remote === undefined, 'the replayed SET STATUS must not run').toBe(true);
      await allure.step('SELECT the JPKI AP through the reader: it is not locked', () => jpki.selectAp());
    }, { dependsOn: PROVISIONED, when: 'ota_ram and ssd', spRoute: true });

  otaTest({ id: 'OTA-004', clauses: ['ETSI-102225 5.1.3 Cryptographic checksum (KID)', 'ETSI-102225 5.2.2 Response status codes (01 RC/CC/DS failed)'] },
    'refuses a packet whose cryptographic checksum does not verify (PoR status 01), and runs nothing', async () => {
      const key = isd.keys.checksum!.key!.slice();
      key[0]! ^= 0x10; // a non-parity bit: DES ignores the parity bits (reference sheet pitfall 11)
      const r = await allure.step('INSTALL of a domain, CC computed under a different KID key', () =>
        client.send(isd, [installSecurityDomain(CANARY_SSD)], { keys: { ...isd.keys, checksum: { ...isd.keys.checksum!, key } } }));
      await expectRefused('wrong checksum', r, POR_STATUS.checksumFailed);
    });

  otaTest({ id: 'OTA-005', clauses: ['ETSI-102225 5.1.2 Ciphering (KIc)', 'ETSI-102225 5.2.2 Response status codes (05 ciphering error, 01 RC/CC/DS failed)'] },
    'refuses a packet under a wrong KIc: a key index the TAR has no key for (05), or the right index with the wrong key (01)', async () => {
      const cipher = isd.keys.cipher!;
      const unknownIndex = encodeKic({ kvn: (cipher.kvn % 15) + 1, algorithm: cipher.algorithm });
      const r1 = await allure.step(`INSTALL of a domain with KIc ${hex(Uint8Array.of(unknownIndex))} (a key set the card does not have)`, () =>
        client.send(isd, [installSecurityDomain(CANARY_SSD)], { kic: unknownIndex }));
      await expectRefused('KIc naming an unknown key', r1, POR_STATUS.cipheringError);
      const key = cipher.key.slice();
      key[0]! ^= 0x10;
      const r2 = await allure.step('INSTALL of a domain ciphered under a different KIc key (same key index)', () =>
        client.send(isd, [installSecurityDomain(CANARY_SSD)], { keys: { ...isd.keys, cipher: { ...cipher, key } } }));
      await expectRefused('wrong KIc key', r2, POR_STATUS.checksumFailed);
    });

  otaTest({ id: 'OTA-006', clauses: ['ETSI-102225 5.2.2 Response status codes (09 TAR unknown)', 'ETSI-102226 8.2.1.3.2.1 TAR'] },
    'refuses a packet to a TAR the card does not know (PoR status 09), and runs nothing', async () => {
      const unknown = fromHex('BFFFEE');
      const r = await allure.step(`INSTALL of a domain sent to TAR ${hex(unknown)}`, () => client.send(isd, [installSecurityDomain(CANARY_SSD)], { tar: unknown }));
      await expectRefused('unknown TAR', r, POR_STATUS.tarUnknown);
    });

  otaTest({ id: 'OTA-007', clauses: ['ETSI-102226 8.2.1.3.2.1 Minimum security level', 'ETSI-102225 5.2.2 Response status codes (0A insufficient security level)'] },
    'refuses a packet below the TAR\'s minimum security level (unciphered: PoR status 0A), and runs nothing', async () => {
      const weaker: Spi = { ...spi, ciphered: false };
      const r = await allure.step('INSTALL of a domain to the ISD\'s RAM, with a CC but not ciphered', () =>
        client.send(isd, [installSecurityDomain(CANARY_SSD)], { spi: weaker }));
      await expectRefused('security level below the minimum', r, POR_STATUS.insufficientSecurityLevel);
    });
});
