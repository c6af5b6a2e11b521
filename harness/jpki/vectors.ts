// Reads the JPKI known-answer vectors (vectors/jpki; formats and sources in vectors/README.md).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex } from '../bytes.ts';
import type { HashName } from './digest-info.ts';
import type { EcCurve } from './key-algorithm.ts';

export interface RsaCrtKey {
  n: Uint8Array; e: Uint8Array; d: Uint8Array;
  p: Uint8Array; q: Uint8Array; dp: Uint8Array; dq: Uint8Array; qinv: Uint8Array;
  source: string;
}

/** An EC test key with a published signature over a published message (vectors/jpki/ec-keys.json, RFC 6979). */
export interface EcTestKey {
  curve: EcCurve;
  d: Uint8Array;
  /** Uncompressed public point 04 || X || Y. */
  point: Uint8Array;
  message: Uint8Array;
  hash: HashName;
  /** The RFC's deterministic signature, r || s. */
  signature: Uint8Array;
  source: string;
}

export interface DigestInfoVector {
  id: string;
  hash: HashName;
  message: Uint8Array;
  messageSource: string;
  digest: Uint8Array;
  digestInfo: Uint8Array;
}

export interface SignatureVector {
  digestInfoId: string;
  signature: Uint8Array;
  source: string;
}

/** A published signature by the signing key (vectors/jpki/signing-signatures.json, Project Wycheproof). */
export interface SigningSignatureVector {
  id: string;
  message: Uint8Array;
  digestInfo: Uint8Array;
  signature: Uint8Array;
  source: string;
}

export interface JpkiVectors {
  dir: string;
  /** The user-authentication key (NIST CAVP). */
  key: RsaCrtKey;
  /** The digital-signature key (Project Wycheproof), personalized as DGIs 8211..8215. */
  signingKey: RsaCrtKey;
  signingSignatures: SigningSignatureVector[];
  digestInfos: DigestInfoVector[];
  signatures: SignatureVector[];
  /** FID (4 hex digits) -> file content. */
  files: Map<string, Uint8Array>;
  pin: string;
  pinTryLimit: number;
  /** The test signing password (6..16 of A-Z 0-9) and its try limit (5). */
  signingPin: string;
  signingPinTryLimit: number;
  ecKeys: Record<EcCurve, EcTestKey>;
  /**
   * Set when the fixture is personalized with EC keys instead of the RSA ones (a profile's ixit.jpki.keyAlgorithm,
   * suites/support/fixture.ts): the two private scalars; `files` then holds certificates that certify them.
   */
  ec?: { curve: EcCurve; userAuth: Uint8Array; signing: Uint8Array };
}

async function json<T>(dir: string, name: string): Promise<T> {
  return JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
}

async function rsaKey(dir: string, file: string): Promise<RsaCrtKey> {
  const k = await json<Record<string, string>>(dir, file);
  const field = (name: string): Uint8Array => {
    const v = k[name];
    if (typeof v !== 'string') throw new Error(`${join(dir, file)}: missing "${name}"`);
    return fromHex(v);
  };
  return {
    n: field('n'), e: field('e'), d: field('d'), p: field('p'), q: field('q'),
    dp: field('dp'), dq: field('dq'), qinv: field('qinv'), source: k.source ?? '',
  };
}

export async function loadJpkiVectors(dir: string): Promise<JpkiVectors> {
  const key = await rsaKey(dir, 'user-auth-key.json');
  const signingKey = await rsaKey(dir, 'signing-key.json');
  const ss = await json<{ entries: { id: string; messageHex: string; digestInfoHex: string; signatureHex: string; source: string }[] }>(dir, 'signing-signatures.json');
  const signingSignatures = ss.entries.map((e) => ({
    id: e.id, message: fromHex(e.messageHex), digestInfo: fromHex(e.digestInfoHex), signature: fromHex(e.signatureHex), source: e.source,
  }));
  const di = await json<{ id: string; hash: HashName; messageHex: string; messageSource: string; digestHex: string; digestInfoHex: string }[]>(dir, 'digestinfo.json');
  const digestInfos = di.map((d) => ({
    id: d.id, hash: d.hash, message: fromHex(d.messageHex), messageSource: d.messageSource,
    digest: fromHex(d.digestHex), digestInfo: fromHex(d.digestInfoHex),
  }));
  const sig = await json<{ entries: { digestInfoId: string; signatureHex: string; source: string }[] }>(dir, 'signatures.json');
  const signatures = sig.entries.map((s) => ({ digestInfoId: s.digestInfoId, signature: fromHex(s.signatureHex), source: s.source }));
  const filesJson = await json<Record<string, unknown>>(dir, 'files.json');
  const files = new Map<string, Uint8Array>();
  for (const [fid, spec] of Object.entries(filesJson)) {
    if (!/^[0-9A-Fa-f]{4}$/.test(fid)) continue; // descriptive keys (sources, notes) sit beside the FIDs
    const content = typeof spec === 'string' ? spec : (spec as { file?: string; hex?: string }).file ?? (spec as { hex?: string }).hex;
    if (typeof content !== 'string') throw new Error(`${join(dir, 'files.json')}: FID ${fid} has no file or hex content`);
    files.set(fid.toUpperCase(), /^[0-9A-Fa-f\s]+$/.test(content) && !content.includes('.') ? fromHex(content) : new Uint8Array(await readFile(join(dir, content))));
  }
  const pin = await json<{ pin: string; tryLimit: number; signingPin: string; signingTryLimit: number }>(dir, 'pin.json');
  const ec = await json<Record<string, unknown>>(dir, 'ec-keys.json');
  const ecKey = (curve: EcCurve): EcTestKey => {
    const e = ec[curve] as Record<string, string> | undefined;
    const f = (name: string): string => {
      const v = e?.[name];
      if (typeof v !== 'string') throw new Error(`${join(dir, 'ec-keys.json')}: missing "${curve}.${name}"`);
      return v;
    };
    return {
      curve, d: fromHex(f('d')), point: fromHex(`04${f('qx')}${f('qy')}`), message: fromHex(f('messageHex')),
      hash: f('hash') as HashName, signature: fromHex(`${f('r')}${f('s')}`), source: String(ec.source ?? ''),
    };
  };
  return {
    dir, key, signingKey, signingSignatures, digestInfos, signatures, files, pin: pin.pin, pinTryLimit: pin.tryLimit,
    signingPin: pin.signingPin, signingPinTryLimit: pin.signingTryLimit, ecKeys: { p256: ecKey('p256'), p384: ecKey('p384') },
  };
}
