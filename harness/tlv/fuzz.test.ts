// Fuzzing the parsers that read what cards send: random and mutated inputs, a fixed number of rounds from a fixed
// seed (so a failure can be replayed), and the only acceptable outcomes are a result or the parser's own error
// type, never a crash with a TypeError, a RangeError or a hang.
import { describe, expect, it } from 'vitest';
import { ApduFormatError, decodeCommand, decodeResponse } from '../apdu/apdu.ts';
import { parseCardRecognition, parseCplc } from '../gp/card-content.ts';
import { parseInitializeUpdate } from '../gp/secure-channel.ts';
import { SecureChannelError } from '../gp/keys.ts';
import { readCapFile, CapFileError } from '../gp/cap-file.ts';
import { derObjectSize, parseTlvs, TlvError } from './ber.ts';
import { decodeDgis, DgiError } from './dgi.ts';
import { fromHex } from '../bytes.ts';

/** xorshift32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const SEEDS = [0xc0ffee, 0x5eed, 0x1234567];
const ROUNDS = 4000;
/** Realistic starting points, mutated by flipping, truncating and extending. */
const CORPUS = [
  '6F108408A000000151000000A5049F6501FF',
  '6631732F06072A864886FC6B01600C060A2A864886FC6B02020301630906072A864886FC6B03640B06092A864886FC6B040370',
  'E3104F08A0000001510000009F70010FC5039EFE80',
  '7F49820109818201000102',
  '82010480A00A0003308201',
  '000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002',
  '00A4040C0AD392F000260100000001',
  '80E2880007801004313233349000',
];

function inputs(seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let b: Uint8Array;
    if (i % 3 === 0) {
      b = new Uint8Array(Math.floor(r() * 80));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(r() * 256);
    } else {
      const base = fromHex(CORPUS[Math.floor(r() * CORPUS.length)]!);
      b = new Uint8Array(base);
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips && b.length > 0; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      if (r() < 0.3) b = b.subarray(0, Math.floor(r() * b.length));
      if (r() < 0.2) b = new Uint8Array([...b, ...new Uint8Array(Math.floor(r() * 8)).map(() => Math.floor(r() * 256))]);
    }
    out.push(b);
  }
  return out;
}

const expected = [TlvError, DgiError, ApduFormatError, SecureChannelError, CapFileError];

function survive(name: string, f: (b: Uint8Array) => unknown): void {
  it(`${name} returns or throws its own error on ${SEEDS.length * ROUNDS} mutated inputs`, () => {
    const crashes: string[] = [];
    for (const seed of SEEDS) {
      for (const b of inputs(seed)) {
        try {
          f(b);
        } catch (e) {
          const ok = expected.some((E) => e instanceof E) || (e instanceof Error && e.constructor === Error);
          if (!ok) crashes.push(`seed ${seed.toString(16)}: ${Buffer.from(b).toString('hex')}: ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }
    expect(crashes.slice(0, 5)).toEqual([]);
  });
}

describe('parsers under fuzzing', () => {
  survive('BER-TLV parseTlvs', (b) => parseTlvs(b));
  survive('DER object size', (b) => derObjectSize(b));
  survive('DGI decoding', (b) => decodeDgis(b));
  survive('command APDU decoding', (b) => decodeCommand(b));
  survive('response APDU decoding', (b) => decodeResponse(b));
  survive('INITIALIZE UPDATE answer', (b) => parseInitializeUpdate(b));
  survive('card recognition data', (b) => parseCardRecognition(b));
  survive('CPLC', (b) => parseCplc(b));
  survive('CAP file (ZIP)', (b) => readCapFile(b));
});
