// Data Authentication Pattern (DAP) verification, GPCS 2.3.1 C.2 / C.3 and table 11-58: the application provider
// (or a verification authority) signs the Load File Data Block Hash, the card's security domain with the DAP
// Verification privilege checks that signature before the load file becomes an Executable Load File. Here: the
// LFDBH, the DAP signature, the DAP block and the Load File that carries it.
import { createHash, type KeyObject } from 'node:crypto';
import { concat, fromHex } from '../bytes.ts';
import { encodeLength } from '../tlv/ber.ts';
import { contentSignature } from './content-signature.ts';

/** The digests table C-3 allows for the LFDBH. */
export type LfdbHashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** C.2: the digest of the Load File Data Block, without the C4 tag and length. */
export function lfdbHash(lfdb: Uint8Array, alg: LfdbHashAlgorithm = 'sha256'): Uint8Array {
  return new Uint8Array(createHash(alg).update(lfdb).digest());
}

/** C.3: the Load File Data Block Signature, a signature of the LFDBH (not of the block itself). */
export function dapSignature(key: KeyObject, hash: Uint8Array): Uint8Array {
  return contentSignature(key, hash);
}

function tlv(tag: number, value: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), encodeLength(value.length), value);
}

/** Table 11-58: a DAP block, E2 { 4F security domain AID, C3 Load File Data Block Signature }. */
export function dapBlock(sdAid: string, signature: Uint8Array): Uint8Array {
  return tlv(0xe2, concat(tlv(0x4f, fromHex(sdAid)), tlv(0xc3, signature)));
}

/** Table 11-58: the Load File LOAD carries, the DAP blocks first, then C4 with the Load File Data Block. */
export function loadFileWithDap(lfdb: Uint8Array, dapBlocks: readonly Uint8Array[] = []): Uint8Array {
  return concat(...dapBlocks, tlv(0xc4, lfdb));
}
