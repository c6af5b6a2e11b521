// Stable test IDs and the clauses they verify. Every suite test declares an ID (e.g. `JPKI-SIG-004`) and at least
// one clause through its TestOptions; this module checks both when the test is registered, so a test without them,
// with a clause of an unknown document, or with an ID another test already took, fails its suite's collection
// instead of slipping into the report unnamed. The IDs are what a lab's test-management tool keys on (Allure
// testCaseId, the JUnit testcase name): they never change with a title, a profile or a run.
//
// A clause is written `<document> <section> <title>`, e.g. `ISO7816-4 11.5.6 VERIFY`; the document key names the
// specification (DOCUMENTS) and, where it has one, the public page a reader follows from the report.
import { appendFileSync } from 'node:fs';

/**
 * When set, every registered test is appended to this file as a JSON line: how the requirement index
 * (harness/report/requirement-index.ts) learns each collected test's ID and clauses without running it.
 */
export const REQUIREMENTS_OUT_ENV = 'SIMCERT_REQUIREMENTS_OUT';

/** The specifications the suites cite, by the key a clause starts with. */
export const DOCUMENTS = {
  GPCS: { name: 'GlobalPlatform Card Specification v2.3.1', url: 'https://globalplatform.org/specs-library/card-specification-v2-3-1/' },
  'GP-AMD-D': { name: 'GlobalPlatform Card Specification v2.3 Amendment D (SCP03) v1.2', url: 'https://globalplatform.org/specs-library/secure-channel-protocol-03-amendment-d-v1-2/' },
  'GP-SEAC': { name: 'GlobalPlatform Secure Element Access Control', url: undefined },
  'ISO7816-4': { name: 'ISO/IEC 7816-4:2020', url: 'https://www.iso.org/standard/77180.html' },
  'ISO7816-8': { name: 'ISO/IEC 7816-8', url: undefined },
  'JC-API': { name: 'Java Card 3.0.5 API', url: 'https://docs.oracle.com/javacard/3.0.5/api/index.html' },
  'ETSI-102221': { name: 'ETSI TS 102 221', url: 'https://www.etsi.org/deliver/etsi_ts/102200_102299/102221/' },
  'ETSI-102226': { name: 'ETSI TS 102 226', url: 'https://www.etsi.org/deliver/etsi_ts/102200_102299/102226/' },
  'ETSI-102225': { name: 'ETSI TS 102 225 (secured packet structure for UICC applications)', url: 'https://www.etsi.org/deliver/etsi_ts/102200_102299/102225/' },
  'TS31.115': { name: '3GPP TS 31.115 (secured packet structure, SMS)', url: 'https://www.3gpp.org/dynareport/31115.htm' },
  'TS31.111': { name: '3GPP TS 31.111 (USAT)', url: 'https://www.3gpp.org/dynareport/31111.htm' },
  'TS23.040': { name: '3GPP TS 23.040 (SMS)', url: 'https://www.3gpp.org/dynareport/23040.htm' },
  JPKI: { name: 'JPKI interface (OpenSC card-jpki.c)', url: 'https://github.com/OpenSC/OpenSC/blob/master/src/libopensc/card-jpki.c' },
  RFC5280: { name: 'RFC 5280 (X.509 certificates and CRLs)', url: 'https://www.rfc-editor.org/rfc/rfc5280' },
  RFC8017: { name: 'RFC 8017 (PKCS #1 v2.2)', url: 'https://www.rfc-editor.org/rfc/rfc8017' },
} as const satisfies Record<string, { name: string; url: string | undefined }>;

export type DocumentKey = keyof typeof DOCUMENTS;

/** `SUITEPREFIX-AREA-NNN`, upper case, optionally a suffix naming a generated variant (a vector, a key half). */
const ID_FORMAT = /^[A-Z]+(?:-[A-Z]+)*-\d{3}(?:-[A-Z0-9]+)*$/;

/** Each suite's IDs start with its prefix, so two suites can never hand out the same ID. */
export const SUITE_PREFIX: Readonly<Record<string, string>> = {
  'applet-install': 'GP-INST',
  personalization: 'PERS',
  'jpki-signing': 'JPKI-SIG',
  'handset-swap': 'SWAP',
  'service-lifecycle': 'LIFE',
  'ota-provisioning': 'OTA',
};

export interface ClauseRef {
  /** The clause as the test wrote it. */
  text: string;
  document: string;
  /** Section and title, as cited. */
  section: string;
  url: string | undefined;
}

export class RequirementError extends Error {}

/** Reads `<document> <section> <title>`; an unknown document key is an error naming the known ones. */
export function parseClause(text: string): ClauseRef {
  const m = /^(\S+)\s+(\S.*)$/.exec(text.trim());
  const key = m?.[1] as DocumentKey | undefined;
  const doc = key && Object.hasOwn(DOCUMENTS, key) ? DOCUMENTS[key] : undefined;
  if (!m || !doc) {
    throw new RequirementError(`clause "${text}": write it as "<document> <section> <title>" with a document from ${Object.keys(DOCUMENTS).join(', ')}`);
  }
  return { text, document: doc.name, section: m[2]!, url: doc.url };
}

/** One registered test's identity. */
export interface Requirement {
  suite: string;
  id: string;
  title: string;
  clauses: ClauseRef[];
}

const registered = new Map<string, Requirement>();

/**
 * Checks a test's ID and clauses as it is registered: the suite's prefix and the format, at least one clause of a
 * known document, and an ID no other test of this process has. Throws, failing the suite's collection, otherwise.
 */
export function registerRequirement(suite: string, title: string, id: string | undefined, clauses: readonly string[] | undefined): Requirement {
  const prefix = SUITE_PREFIX[suite];
  if (!prefix) throw new RequirementError(`suite ${suite} has no test ID prefix: add it to SUITE_PREFIX in suites/support/requirements.ts`);
  if (!id || !ID_FORMAT.test(id) || !id.startsWith(`${prefix}-`)) {
    throw new RequirementError(`${suite} › ${title}: give it a stable test ID ${prefix}-NNN (options.id; got ${id ?? 'none'})`);
  }
  if (!clauses || clauses.length === 0) {
    throw new RequirementError(`${suite} › ${title} (${id}): name at least one clause it verifies (options.clauses)`);
  }
  const earlier = registered.get(id);
  if (earlier) throw new RequirementError(`test ID ${id} is given twice: "${earlier.title}" and "${title}" (${suite})`);
  const r: Requirement = { suite, id, title, clauses: clauses.map(parseClause) };
  registered.set(id, r);
  const out = process.env[REQUIREMENTS_OUT_ENV];
  if (out) appendFileSync(out, `${JSON.stringify(r)}\n`);
  return r;
}

/** Every test registered in this process so far (the requirement index and the checks read it). */
export function registeredRequirements(): Requirement[] {
  return [...registered.values()];
}
