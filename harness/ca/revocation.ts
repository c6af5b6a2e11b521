// Revocation at the test CA, for the "lost phone: suspend, resume, revoke" requirement: which user-authentication
// certificates the CA has suspended (certificateHold) or revoked, and the CRL it publishes about them (RFC 5280
// section 5), signed with the CA's RSA key. node-forge has no CRL builder, so the CertificateList is put together
// with forge.asn1. The OCSP responder (ocsp-responder.ts) answers from this same state.
import forge from 'node-forge';
import { signSha256RsaBinary } from './rsa-sign.ts';
import type { TestCa } from './test-ca.ts';

/** CRLReason codes (RFC 5280 5.3.1); 7 is not used. */
export const REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type CrlReason = keyof typeof REASON_CODES;
/** What an entry of a full CRL can say; removeFromCRL belongs to delta CRLs only (RFC 5280 5.3.1). */
export type RevocationReason = Exclude<CrlReason, 'removeFromCRL'>;

export function reasonName(code: number): CrlReason | undefined {
  return (Object.keys(REASON_CODES) as CrlReason[]).find((k) => REASON_CODES[k] === code);
}

export interface RevocationEntry {
  /** Serial number in hex as normalizeSerial() gives it. */
  readonly serialHex: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

/**
 * The CA's revocation state. `number` is the cRLNumber a CRL of this state carries; every change advances it, so
 * a relying party can tell a newer CRL from an older one (RFC 5280 5.2.3). A CA that re-publishes an unchanged
 * state on schedule must advance it as well: `{ ...list, number: list.number + 1 }`.
 */
export interface RevocationList {
  readonly entries: readonly RevocationEntry[];
  readonly number: number;
}

export function emptyRevocationList(): RevocationList {
  return { entries: [], number: 1 };
}

/** Upper-case hex without leading zeros: the same serial written as "01001" or "1001" is one certificate. */
export function normalizeSerial(serialHex: string): string {
  const clean = serialHex.replace(/[\s:]/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(clean)) throw new RangeError(`not a hex serial number: "${serialHex}"`);
  return clean.replace(/^0+/, '').toUpperCase() || '0';
}

function find(list: RevocationList, serial: string): RevocationEntry | undefined {
  return list.entries.find((e) => e.serialHex === serial);
}

/**
 * Revokes a certificate, or suspends it with reason certificateHold. A suspended certificate can later be revoked
 * for good (the entry then carries the final reason and date) or resumed; a revoked one never comes back.
 */
export function revoke(list: RevocationList, serialHex: string, revokedAt: Date, reason: RevocationReason): RevocationList {
  const serial = normalizeSerial(serialHex);
  const existing = find(list, serial);
  if (existing && existing.reason !== 'certificateHold') {
    throw new Error(`certificate serial ${serial} is already revoked (${existing.reason}, ${existing.revokedAt.toISOString()})`);
  }
  if (existing && reason === 'certificateHold') throw new Error(`certificate serial ${serial} is already suspended`);
  return {
    entries: [...list.entries.filter((e) => e !== existing), { serialHex: serial, revokedAt, reason }],
    number: list.number + 1,
  };
}

/** A lost phone: the certificate is put on hold until the phone is found (resume) or given up (revoke). */
export function suspend(list: RevocationList, serialHex: string, at: Date): RevocationList {
  return revoke(list, serialHex, at, 'certificateHold');
}

/** The phone was found: a full CRL simply stops listing the certificate (removeFromCRL is for delta CRLs). */
export function resume(list: RevocationList, serialHex: string): RevocationList {
  const serial = normalizeSerial(serialHex);
  const existing = find(list, serial);
  if (!existing) throw new Error(`certificate serial ${serial} is not suspended`);
  if (existing.reason !== 'certificateHold') {
    throw new Error(`certificate serial ${serial} is revoked (${existing.reason}), not suspended; it cannot be resumed`);
  }
  return { entries: list.entries.filter((e) => e !== existing), number: list.number + 1 };
}

export interface CrlTimes {
  thisUpdate: Date;
  /** When the next CRL will be out; a relying party treats this one as stale after it. */
  nextUpdate: Date;
}

const a = forge.asn1;
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, items);
const oid = (dotted: string): forge.asn1.Asn1 => a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(dotted).getBytes());

/** DER INTEGER contents of a non-negative hex number: minimal, with a 00 in front where the top bit is set. */
function unsignedInteger(hexDigits: string): forge.asn1.Asn1 {
  let h = normalizeSerial(hexDigits);
  if (h.length % 2) h = `0${h}`;
  if (Number.parseInt(h.slice(0, 2), 16) >= 0x80) h = `00${h}`;
  return a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, forge.util.hexToBytes(h));
}

const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 5280 5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050, both in seconds with Z. */
function time(d: Date): forge.asn1.Asn1 {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new RangeError(`CRL time out of range: ${d.toISOString()}`);
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return y < 2050
    ? a.create(a.Class.UNIVERSAL, a.Type.UTCTIME, false, `${two(y % 100)}${rest}`)
    : a.create(a.Class.UNIVERSAL, a.Type.GENERALIZEDTIME, false, `${y}${rest}`);
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  // critical is left out: FALSE is its DEFAULT, and DER omits default values.
  return seq([oid(id), a.create(a.Class.UNIVERSAL, a.Type.OCTETSTRING, false, a.toDer(value).getBytes())]);
}

/** The CA's subject exactly as its certificate encodes it, so the CRL issuer matches it byte for byte. */
function caSubject(ca: TestCa): forge.asn1.Asn1 {
  const cert = (a.fromDer as unknown as (b: string, o: object) => forge.asn1.Asn1)(forge.util.binary.raw.encode(ca.der), { decodeBitStrings: false });
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const hasVersion = tbs[0]!.tagClass === a.Class.CONTEXT_SPECIFIC;
  return tbs[hasVersion ? 5 : 4]!;
}

/** RFC 5280 4.2.1.1: the same key identifier the CA's certificates carry, so CRL and certificates point at one key. */
function caKeyId(ca: TestCa): string {
  const ski = (ca.cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null)?.subjectKeyIdentifier;
  if (ski) return forge.util.hexToBytes(ski);
  // Method 1 of RFC 5280 4.2.1.2 (SHA-1 of the subjectPublicKey bits) when the CA certificate has no identifier.
  return forge.pki.getPublicKeyFingerprint(ca.cert.publicKey, { type: 'RSAPublicKey', encoding: 'binary' }) as string;
}

/** A version 2 CRL (RFC 5280 section 5) of the list, signed sha256WithRSAEncryption by the CA; DER. */
export function issueCrl(ca: TestCa, list: RevocationList, times: CrlTimes): Uint8Array {
  if (!(times.nextUpdate > times.thisUpdate)) {
    throw new RangeError(`nextUpdate ${times.nextUpdate.toISOString()} is not after thisUpdate ${times.thisUpdate.toISOString()}`);
  }
  const sigAlg = seq([oid(forge.pki.oids.sha256WithRSAEncryption!), a.create(a.Class.UNIVERSAL, a.Type.NULL, false, '')]);
  const entries = list.entries.map((e) => seq([
    unsignedInteger(e.serialHex),
    time(e.revokedAt),
    // RFC 5280 5.3.1: reason code unspecified SHOULD be absent.
    ...(e.reason === 'unspecified' ? [] : [seq([
      extension('2.5.29.21', a.create(a.Class.UNIVERSAL, a.Type.ENUMERATED, false, String.fromCharCode(REASON_CODES[e.reason]))),
    ])]),
  ]));
  const tbs = seq([
    a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, '\x01'), // v2: needed for the extensions
    sigAlg,
    caSubject(ca),
    time(times.thisUpdate),
    time(times.nextUpdate),
    // RFC 5280 5.1.2.6: with nothing revoked the list MUST be absent, not empty.
    ...(entries.length ? [seq(entries)] : []),
    a.create(a.Class.CONTEXT_SPECIFIC, 0, true, [seq([
      extension('2.5.29.35', seq([a.create(a.Class.CONTEXT_SPECIFIC, 0, false, caKeyId(ca))])),
      extension('2.5.29.20', unsignedInteger(list.number.toString(16))),
    ])]),
  ]);
  const crl = seq([tbs, sigAlg, a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\x00${signSha256RsaBinary(ca.key, a.toDer(tbs).getBytes())}`)]);
  return forge.util.binary.raw.decode(a.toDer(crl).getBytes());
}
