// DigestInfo encodings for PKCS#1 v1.5 signatures: the DER prefix per hash from RFC 8017 section 9.2, note 1.
import { concat, fromHex } from '../bytes.ts';

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const PREFIX: Record<HashName, { prefix: Uint8Array; digestLength: number }> = {
  sha1: { prefix: fromHex('3021300906052b0e03021a05000414'), digestLength: 20 },
  sha256: { prefix: fromHex('3031300d060960864801650304020105000420'), digestLength: 32 },
  sha384: { prefix: fromHex('3041300d060960864801650304020205000430'), digestLength: 48 },
  sha512: { prefix: fromHex('3051300d060960864801650304020305000440'), digestLength: 64 },
};

export function digestInfo(hash: HashName, digest: Uint8Array): Uint8Array {
  const p = PREFIX[hash];
  if (digest.length !== p.digestLength) throw new RangeError(`${hash} digest must be ${p.digestLength} bytes, got ${digest.length}`);
  return concat(p.prefix, digest);
}
