// The ICS and IXIT proforma (ISO/IEC 9646-7): for every field a profile's `ics` and `ixit` sections hold, the question
// a lab asks the card's supplier, its status (m mandatory, o optional, o.N at least one of a group, c.N conditional)
// and the clauses it refers to. `simcert profile ics` renders it with a profile's answers (harness/report/ics.ts) as
// the tables a lab attaches to a certificate. It lives here, beside the profile's types and schema, as one table, so a
// new claim is added with its question: harness/profile/proforma.test.ts fails for a schema field without a row
// (and for a row whose field the schema no longer has), and the types below fail to compile for an ICS field without
// one. References use the document keys of suites/support/requirements.ts (checked by the same test).
import type { Profile } from './types.ts';

type Ics = Profile['ics'];

/** ISO/IEC 9646-7 status: m, o, o.N (optional, but at least one of group N is required), c.N (conditional N). */
export type ProformaStatus = 'm' | 'o' | `o.${number}` | `c.${number}`;

/** What a conditional status resolves to for a given profile. */
export type ResolvedStatus = 'm' | 'o' | 'n/a';

/**
 * A condition of the proforma: its footnote text (ISO/IEC 9646-7 style; `{ics.araM}`, `{ixit.jpki.install}` stand for
 * those fields' item numbers, filled in when rendered) and how it resolves for a profile.
 */
export interface Condition {
  text: string;
  resolve(p: Profile): ResolvedStatus;
}

export interface ProformaRow {
  question: string;
  status: ProformaStatus;
  /** Clauses, `<document> <section> <title>` (suites/support/requirements.ts DOCUMENTS). */
  reference: string[];
}

export interface IxitRow extends ProformaRow {
  /** A secret reference ({ value | env | file }): the proforma names where it comes from, never its value. */
  secret?: true;
}

export interface ProformaTable<K extends string> {
  /** ISO/IEC 9646-7 numbering: items of this table are `<number>/<n>`. */
  number: string;
  title: string;
  items: readonly K[];
}

/** One row per ICS field; the type makes a new field of Profile['ics'] without a row a compile error. */
export const ICS_ROWS: { readonly [K in keyof Ics]-?: ProformaRow } = {
  t0: { question: 'Does the card support the T=0 transmission protocol?', status: 'o.1', reference: ['ETSI-102221 7 Transmission protocols (T=0)'] },
  t1: { question: 'Does the card support the T=1 transmission protocol?', status: 'o.1', reference: ['ETSI-102221 7 Transmission protocols (T=1)'] },
  extendedLength: { question: 'Does the card accept extended-length command and response APDUs?', status: 'o', reference: ['ISO7816-4 5.1 Command-response pairs (extended Lc and Le fields)'] },
  logicalChannels: { question: 'How many logical channels does the card support (basic channel included)?', status: 'm', reference: ['ISO7816-4 11.1.2 MANAGE CHANNEL', 'ETSI-102221 logical channels'] },
  rsa2048: { question: 'Does the card sign with RSA-2048 (RSASSA-PKCS1-v1_5), the key type of the JPKI user-authentication certificate?', status: 'm', reference: ['RFC8017 8.2 RSASSA-PKCS1-v1_5', 'JPKI COMPUTE DIGITAL SIGNATURE'] },
  sha1DigestInfo: { question: 'Does the card sign DigestInfos of SHA-1 (as well as SHA-256)?', status: 'o', reference: ['RFC8017 9.2 EMSA-PKCS1-v1_5'] },
  keyInjection: { question: 'Does the card take a centrally generated key pair through its security domain (INSTALL [for personalization], STORE DATA)?', status: 'o.2', reference: ['GPCS 11.5 INSTALL [for personalization]', 'GPCS 11.11 STORE DATA'] },
  onCardKeyGeneration: { question: 'Does the card generate the key pair itself?', status: 'o.2', reference: ['ISO7816-8 GENERATE ASYMMETRIC KEY PAIR', 'JC-API KeyPair.genKeyPair'] },
  ecP256: { question: 'Does the card sign with ECDSA on P-256 (SHA-256)?', status: 'o', reference: ['JC-API Signature.ALG_ECDSA_SHA_256', 'JC-API KeyBuilder TYPE_EC_FP_PRIVATE'] },
  ecP384: { question: 'Does the card sign with ECDSA on P-384 (SHA-384)?', status: 'o', reference: ['JC-API Signature.ALG_ECDSA_SHA_384', 'JC-API KeyBuilder TYPE_EC_FP_PRIVATE'] },
  javaCard: { question: 'Which Java Card platform version does the card implement?', status: 'm', reference: ['JC-API Java Card 3.0.5 API'] },
  globalPlatform: { question: 'Which GlobalPlatform Card Specification version does the card manager implement?', status: 'm', reference: ['GPCS 9 Card and Application Management'] },
  scp: { question: 'Which secure channel protocol do the card\'s security domains use (02 or 03)?', status: 'm', reference: ['GPCS E Secure Channel Protocol 02 (SCP02)', 'GP-AMD-D SCP03 secure channel'] },
  scpI: { question: 'Which implementation option (i parameter) of that secure channel protocol?', status: 'm', reference: ['GP-AMD-D 7.1.1 INITIALIZE UPDATE (key information: i parameter)', 'GPCS E Secure Channel Protocol 02 (i parameter)'] },
  supplementaryDomains: { question: 'Does the card manager create supplementary security domains (the carrier/service-provider split)?', status: 'o', reference: ['GPCS 7 Security Domains (Supplementary Security Domain)', 'GPCS 11.5 INSTALL'] },
  delegatedManagement: { question: 'May a supplementary security domain manage its own content (Delegated Management privilege)?', status: 'c.1', reference: ['GPCS 9 Card and Application Management (Delegated Management)'] },
  dap: { question: 'Does the card verify Data Authentication Patterns (DAP) on load files through a security domain with the DAP Verification privilege?', status: 'c.1', reference: ['GPCS 9 Card and Application Management (DAP Verification)'] },
  persistentMemory: { question: 'How many bytes of non-volatile memory are free for applications?', status: 'o', reference: ['GPCS 11.5 INSTALL (system parameters: memory quotas)'] },
  araM: { question: 'Does the card carry an ARA-M, so that only the carrier-approved app reaches the JPKI AP?', status: 'm', reference: ['GP-SEAC ARA-M GET DATA [All]', 'GP-SEAC access rule resolution (AID and device application ID)'] },
  araMUpdate: { question: 'Does the ARA-M take new rules through STORE DATA from the profile\'s security domain?', status: 'c.2', reference: ['GP-SEAC ARA-M STORE DATA (Command-Store-REF-AR-DO, Command-Delete)'] },
  applicationLocking: { question: 'May the security domain lock and unlock the JPKI application (suspension of a lost phone)?', status: 'o', reference: ['GPCS 11.10 SET STATUS (application LOCKED and back)'] },
  otaRam: { question: 'Do the card\'s security domains take remote application management over the air (SCP80 secured packets by SMS-PP download)?', status: 'o', reference: ['ETSI-102226 remote application management', 'ETSI-102225 secured packets'] },
};

/** The ICS tables (annex A of the proforma), in the order a lab reads them. */
export const ICS_TABLES: readonly ProformaTable<keyof Ics>[] = [
  { number: 'A.1', title: 'Transmission and APDUs', items: ['t0', 't1', 'extendedLength', 'logicalChannels'] },
  { number: 'A.2', title: 'Keys and signatures', items: ['rsa2048', 'sha1DigestInfo', 'ecP256', 'ecP384', 'keyInjection', 'onCardKeyGeneration'] },
  { number: 'A.3', title: 'Platform and card content management', items: ['javaCard', 'globalPlatform', 'scp', 'scpI', 'supplementaryDomains', 'delegatedManagement', 'dap', 'persistentMemory'] },
  { number: 'A.4', title: 'Access control and service lifecycle', items: ['araM', 'araMUpdate', 'applicationLocking', 'otaRam'] },
];

/** One row per IXIT leaf field, keyed by its path under `ixit` (proforma.test.ts walks the schema for them). */
export const IXIT_ROWS: Readonly<Record<string, IxitRow>> = {
  transport: { question: 'How does the harness reach the card: sim (bundled simulator), vpcd (a virtual card dials in) or pcsc (a reader)?', status: 'm', reference: ['ISO7816-4 5 Command-response pairs'] },
  reader: { question: 'Which PC/SC reader holds the card (if not found by ATR and ICCID)?', status: 'c.3', reference: ['ETSI-102221 UICC-terminal interface'] },
  swapReader: { question: 'Which second reader stands for the new phone in the handset-swap suite?', status: 'c.3', reference: ['ETSI-102221 UICC-terminal interface: deactivation and activation (power off, power on)'] },
  'vpcd.host': { question: 'On which host does the harness listen for a virtual card (vpcd)?', status: 'c.4', reference: ['ISO7816-4 5 Command-response pairs'] },
  'vpcd.port': { question: 'On which TCP port (0: a free one)?', status: 'c.4', reference: ['ISO7816-4 5 Command-response pairs'] },
  'atr.value': { question: 'What answer-to-reset does the card give?', status: 'c.3', reference: ['ETSI-102221 6 Answer To Reset'] },
  'atr.mask': { question: 'Which ATR bits vary between cards of the variant (mask)?', status: 'o', reference: ['ETSI-102221 6 Answer To Reset'] },
  'identity.iccid': { question: 'What is the card\'s ICCID (to find it in a rack)?', status: 'c.3', reference: ['ETSI-102221 13 EF ICCID (ICC identification)'] },
  'jpki.aid': { question: 'What is the AID of the JPKI AP?', status: 'm', reference: ['JPKI Applications', 'ISO7816-4 11.1.1 SELECT'] },
  'jpki.pin': { question: 'The user-authentication PIN (EF 0018), by reference.', status: 'm', reference: ['JPKI PIN', 'ISO7816-4 11.5.6 VERIFY'], secret: true },
  'jpki.pinTryLimit': { question: 'How many tries does the user-authentication PIN allow?', status: 'm', reference: ['JPKI PIN', 'JC-API OwnerPIN'] },
  'jpki.signingPin': { question: 'The signing password (EF 001B), by reference; without it the signing half is not tested.', status: 'o', reference: ['JPKI PIN', 'ISO7816-4 11.5.6 VERIFY'], secret: true },
  'jpki.signingPinTryLimit': { question: 'How many tries does the signing password allow?', status: 'm', reference: ['JPKI PIN', 'JC-API OwnerPIN'] },
  'jpki.trustedCa.userAuth': { question: 'Which CA certificate must the user-authentication certificate chain to?', status: 'o', reference: ['RFC5280 6 Certification Path Validation'] },
  'jpki.trustedCa.signing': { question: 'Which CA certificate must the signing certificate chain to?', status: 'o', reference: ['RFC5280 6 Certification Path Validation'] },
  'jpki.keyAlgorithm': { question: 'Which key type do both JPKI keys have (rsa2048, p256 or p384)?', status: 'o', reference: ['JPKI COMPUTE DIGITAL SIGNATURE', 'JC-API KeyBuilder TYPE_EC_FP_PRIVATE'] },
  'jpki.install': { question: 'How is the JPKI applet installed: gp (LOAD + INSTALL), create-applet (emulated cards) or none (already installed)?', status: 'm', reference: ['GPCS 11.5 INSTALL [for load]', 'GPCS 11.6 LOAD'] },
  'jpki.personalization': { question: 'Where do the keys and certificates the harness personalizes come from (a fixture, or none)?', status: 'm', reference: ['GPCS 11.11 STORE DATA', 'JPKI Files of the JPKI AP'] },
  'jpki.lockedSelectSw': { question: 'Which status word does SELECT of the JPKI AP give while it is LOCKED?', status: 'c.5', reference: ['GPCS 11.10 SET STATUS (application LOCKED and back)', 'ISO7816-4 11.1.1 SELECT'] },
  'accessControl.araM': { question: 'What is the AID of the ARA-M?', status: 'c.6', reference: ['GP-SEAC ARA-M GET DATA [All]'] },
  'accessControl.approvedApps': { question: 'Which apps (hash of the signing certificate) may reach the JPKI AP?', status: 'c.6', reference: ['GP-SEAC access rule resolution (AID and device application ID)'] },
  'timeouts.connectMs': { question: 'How long may connecting to the card take (ms)?', status: 'm', reference: ['ETSI-102221 UICC-terminal interface'] },
  'timeouts.apduMs': { question: 'How long may one command take (ms), key generation included?', status: 'm', reference: ['ISO7816-4 5 Command-response pairs'] },
  'gp.sd': { question: 'What is the AID of the security domain the harness authenticates to?', status: 'c.7', reference: ['GPCS 7 Security Domains'] },
  'gp.kvn': { question: 'Which key version number (0: the first available)?', status: 'c.7', reference: ['GPCS 11.8 PUT KEY', 'GP-AMD-D 7.1.1 INITIALIZE UPDATE (key version number)'] },
  'gp.level': { question: 'Which security level does the secure channel use?', status: 'c.7', reference: ['GP-AMD-D 7 EXTERNAL AUTHENTICATE (security level)'] },
  'gp.keys': { question: 'The security domain\'s static keys (ENC, MAC, DEK), by reference.', status: 'c.7', reference: ['GP-AMD-D 7 INITIALIZE UPDATE and EXTERNAL AUTHENTICATE'], secret: true },
  'gp.diversification': { question: 'How are the static keys diversified (none, emv, visa2, kdf3)?', status: 'c.7', reference: ['GP-AMD-D 7.1.1 INITIALIZE UPDATE (key diversification data)'] },
  'gp.loadFile': { question: 'Which load file holds the JPKI applet (a CAP file, or built from lab/ for the simulator)?', status: 'c.8', reference: ['GPCS 11.5 INSTALL [for load]', 'GPCS 11.6 LOAD'] },
  'gp.quota.nonVolatile': { question: 'How many bytes of non-volatile memory to ask for the JPKI instance?', status: 'o', reference: ['GPCS 11.5 INSTALL (system parameters: memory quotas)'] },
  'gp.quota.volatile': { question: 'How many bytes of volatile memory to ask for the JPKI instance?', status: 'o', reference: ['GPCS 11.5 INSTALL (system parameters: memory quotas)'] },
  'gp.existingInstanceSw': { question: 'Which status word does INSTALL give for an AID already in use?', status: 'c.8', reference: ['GPCS 11.5 INSTALL (AID already present)'] },
  'gp.serviceProvider.sd': { question: 'What is the AID of the service provider\'s supplementary security domain?', status: 'c.1', reference: ['GPCS 7 Security Domains (Supplementary Security Domain)'] },
  'gp.serviceProvider.kvn': { question: 'Which key version number do the service provider\'s keys get?', status: 'c.1', reference: ['GPCS 11.8 PUT KEY'] },
  'gp.serviceProvider.keys': { question: 'The service provider\'s static keys, by reference.', status: 'c.1', reference: ['GPCS 11.8 PUT KEY', 'GPCS 7 Security Domains (key separation)'], secret: true },
  'gp.dap.domains': { question: 'Which security domains with the DAP Verification privilege do the suites create, and which key signs each one\'s DAP blocks (by reference)?', status: 'c.9', reference: ['GPCS 9 Card and Application Management (DAP Verification)'] },
  'gp.dap.hash': { question: 'Which hash does the load file data block hash use (sha1, sha256, sha384, sha512)?', status: 'c.9', reference: ['GPCS 9 Card and Application Management (DAP Verification)'] },
  'gp.delegatedManagement.sd': { question: 'What is the AID of the security domain with the Delegated Management privilege the suites create?', status: 'c.10', reference: ['GPCS 9 Card and Application Management (Delegated Management)'] },
  'gp.delegatedManagement.tokenKey': { question: 'The carrier\'s token signing key, by reference.', status: 'c.10', reference: ['GPCS 9 Card and Application Management (Delegated Management)'], secret: true },
  'gp.delegatedManagement.receiptKey': { question: 'The receipt key that checks the card\'s receipts, by reference.', status: 'c.10', reference: ['GPCS 9 Card and Application Management (Delegated Management)'], secret: true },
  'ota.spi.checksum': { question: 'Do the command packets carry a cryptographic checksum (SPI1: none or cc)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.ciphered': { question: 'Are the command packets ciphered (SPI1)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.counter': { question: 'Which counter policy do the packets ask for (SPI1: none, available, higher, one-higher)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.por': { question: 'Is a proof of receipt asked for (SPI2: none, required, on-error)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.porChecksum': { question: 'Does the PoR carry a cryptographic checksum (SPI2)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.porCiphered': { question: 'Is the PoR ciphered (SPI2)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.spi.porViaSubmit': { question: 'Does the PoR come by SEND SHORT MESSAGE (91xx + FETCH) rather than in the ENVELOPE response (SPI2)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.format': { question: 'Which remote command format: compact or expanded?', status: 'c.11', reference: ['ETSI-102226 remote application management'] },
  'ota.firstCounter': { question: 'Which counter (CNTR) does the first packet carry (above what the card has stored)?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.isd.tar': { question: 'Which TAR reaches the remote application management of the issuer security domain?', status: 'c.11', reference: ['ETSI-102226 remote application management'] },
  'ota.isd.kvn': { question: 'Which SCP80 key set (KVN) protects the packets to the issuer security domain?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.isd.kic.algorithm': { question: 'Which ciphering algorithm (KIc) for the issuer security domain?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.isd.kic.key': { question: 'The ciphering key (KIc) for the issuer security domain, by reference.', status: 'c.11', reference: ['ETSI-102225 secured packets'], secret: true },
  'ota.isd.kid.algorithm': { question: 'Which cryptographic checksum algorithm (KID) for the issuer security domain?', status: 'c.11', reference: ['ETSI-102225 secured packets'] },
  'ota.isd.kid.key': { question: 'The checksum key (KID) for the issuer security domain, by reference.', status: 'c.11', reference: ['ETSI-102225 secured packets'], secret: true },
  'ota.serviceProvider.tar': { question: 'Which TAR reaches the remote application management of the service provider\'s security domain?', status: 'o', reference: ['ETSI-102226 remote application management'] },
  'ota.serviceProvider.kvn': { question: 'Which SCP80 key set (KVN) protects the packets to the service provider\'s security domain?', status: 'o', reference: ['ETSI-102225 secured packets'] },
  'ota.serviceProvider.kic.algorithm': { question: 'Which ciphering algorithm (KIc) for the service provider\'s security domain?', status: 'o', reference: ['ETSI-102225 secured packets'] },
  'ota.serviceProvider.kic.key': { question: 'The ciphering key (KIc) for the service provider\'s security domain, by reference.', status: 'o', reference: ['ETSI-102225 secured packets'], secret: true },
  'ota.serviceProvider.kid.algorithm': { question: 'Which cryptographic checksum algorithm (KID) for the service provider\'s security domain?', status: 'o', reference: ['ETSI-102225 secured packets'] },
  'ota.serviceProvider.kid.key': { question: 'The checksum key (KID) for the service provider\'s security domain, by reference.', status: 'o', reference: ['ETSI-102225 secured packets'], secret: true },
};

/** The IXIT tables (annex B of the proforma). */
export const IXIT_TABLES: readonly ProformaTable<string>[] = [
  { number: 'B.1', title: 'Reaching the card', items: ['transport', 'reader', 'swapReader', 'vpcd.host', 'vpcd.port', 'atr.value', 'atr.mask', 'identity.iccid', 'timeouts.connectMs', 'timeouts.apduMs'] },
  { number: 'B.2', title: 'The JPKI application', items: ['jpki.aid', 'jpki.pin', 'jpki.pinTryLimit', 'jpki.signingPin', 'jpki.signingPinTryLimit', 'jpki.trustedCa.userAuth', 'jpki.trustedCa.signing', 'jpki.keyAlgorithm', 'jpki.install', 'jpki.personalization', 'jpki.lockedSelectSw'] },
  { number: 'B.3', title: 'Security domains and card content', items: ['gp.sd', 'gp.kvn', 'gp.level', 'gp.keys', 'gp.diversification', 'gp.loadFile', 'gp.quota.nonVolatile', 'gp.quota.volatile', 'gp.existingInstanceSw', 'gp.serviceProvider.sd', 'gp.serviceProvider.kvn', 'gp.serviceProvider.keys', 'gp.dap.domains', 'gp.dap.hash', 'gp.delegatedManagement.sd', 'gp.delegatedManagement.tokenKey', 'gp.delegatedManagement.receiptKey'] },
  { number: 'B.4', title: 'Access control', items: ['accessControl.araM', 'accessControl.approvedApps'] },
  { number: 'B.5', title: 'Over the air (SCP80)', items: ['ota.spi.checksum', 'ota.spi.ciphered', 'ota.spi.counter', 'ota.spi.por', 'ota.spi.porChecksum', 'ota.spi.porCiphered', 'ota.spi.porViaSubmit', 'ota.format', 'ota.firstCounter', 'ota.isd.tar', 'ota.isd.kvn', 'ota.isd.kic.algorithm', 'ota.isd.kic.key', 'ota.isd.kid.algorithm', 'ota.isd.kid.key', 'ota.serviceProvider.tar', 'ota.serviceProvider.kvn', 'ota.serviceProvider.kic.algorithm', 'ota.serviceProvider.kic.key', 'ota.serviceProvider.kid.algorithm', 'ota.serviceProvider.kid.key'] },
];

/** The o.N groups: at least one item of each must be supported. */
export const OPTION_GROUPS: Readonly<Record<string, string>> = {
  'o.1': 'at least one of T=0 and T=1 is supported',
  'o.2': 'at least one of key injection and on-card key generation is supported',
};

const ifThen = (test: boolean, then: ResolvedStatus): ResolvedStatus => (test ? then : 'n/a');
const onPcsc = (p: Profile): boolean => p.ixit.transport === 'pcsc';

/** The c.N conditions, as ISO/IEC 9646-7 writes them (IF ... THEN ... ELSE ...), and how each resolves. */
export const CONDITIONS: Readonly<Record<string, Condition>> = {
  'c.1': { text: 'IF {ics.supplementaryDomains} (supplementary domains) THEN o ELSE n/a', resolve: (p) => ifThen(p.ics.supplementaryDomains, 'o') },
  'c.2': { text: 'IF {ics.araM} (ARA-M) THEN o ELSE n/a', resolve: (p) => ifThen(p.ics.araM, 'o') },
  'c.3': { text: 'IF {ixit.transport} = pcsc (a reader) THEN o ELSE n/a; the card is found by reader name, or by ATR and ICCID', resolve: (p) => ifThen(onPcsc(p), 'o') },
  'c.4': { text: 'IF {ixit.transport} = vpcd THEN m ELSE n/a', resolve: (p) => ifThen(p.ixit.transport === 'vpcd', 'm') },
  'c.5': { text: 'IF {ics.applicationLocking} (application locking) THEN m ELSE n/a', resolve: (p) => ifThen(p.ics.applicationLocking, 'm') },
  'c.6': { text: 'IF {ics.araM} (ARA-M) THEN m ELSE n/a', resolve: (p) => ifThen(p.ics.araM, 'm') },
  'c.7': { text: 'IF {ixit.jpki.install} = gp (installed through a security domain) THEN m ELSE o; without it, the tests that need the security domain are not applicable', resolve: (p) => (p.ixit.jpki.install === 'gp' ? 'm' : 'o') },
  'c.8': { text: 'IF {ixit.jpki.install} = gp THEN m ELSE n/a', resolve: (p) => ifThen(p.ixit.jpki.install === 'gp', 'm') },
  'c.9': { text: 'IF {ics.dap} (DAP verification) THEN m ELSE n/a', resolve: (p) => ifThen(p.ics.dap, 'm') },
  'c.10': { text: 'IF {ics.delegatedManagement} (delegated management) THEN m ELSE n/a', resolve: (p) => ifThen(p.ics.delegatedManagement, 'm') },
  'c.11': { text: 'IF {ics.otaRam} (remote management over the air) THEN m ELSE n/a', resolve: (p) => ifThen(p.ics.otaRam, 'm') },
};
