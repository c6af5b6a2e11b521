// The EC key-quality summary of a keygen benchmark must flag what it claims to detect: a point off the curve
// and a repeated key. The valid points are published ones (RFC 6979 A.2.5 and A.2.6 public keys, in
// vectors/jpki/ec-keys.json; the curves' base points from SEC 2 v2 2.4.2 and 2.5.1); the bad ones are those
// points with one bit of y flipped (then not on the curve), or repeated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { describeKeyQuality, GeneratedKeys } from './operations.ts';

const rfc6979 = JSON.parse(readFileSync(join(repoRoot, 'vectors', 'jpki', 'ec-keys.json'), 'utf8'));
const uncompressed = (x: string, y: string): Uint8Array => fromHex(`04${x}${y}`);

const P256 = {
  rfc: uncompressed(rfc6979.p256.qx, rfc6979.p256.qy),
  base: uncompressed('6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296', '4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5'),
};
const P384 = {
  rfc: uncompressed(rfc6979.p384.qx, rfc6979.p384.qy),
  base: uncompressed(
    'AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7',
    '3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F'),
};

/** The point with the last bit of y flipped: for that x the curve has only y and p - y, and this is neither. */
function offCurve(point: Uint8Array): Uint8Array {
  const p = Uint8Array.from(point);
  p[p.length - 1]! ^= 0x01;
  return p;
}

function summarize(alg: 'p256' | 'p384', points: Uint8Array[]) {
  const keys = new GeneratedKeys(alg);
  for (const p of points) keys.addEc(p);
  return keys.summary();
}

describe('EC key quality of generated keys', () => {
  for (const [alg, pts, name] of [['p256', P256, 'P-256'], ['p384', P384, 'P-384']] as const) {
    it(`${name}: distinct points on the curve pass`, () => {
      const q = summarize(alg, [pts.rfc, pts.base]);
      expect(q).toMatchObject({ algorithm: alg, keys: 2, distinct: 2, duplicates: 0, ok: true, problems: [] });
      expect(describeKeyQuality(q)).toContain(`  every point on ${name}, so of order n (cofactor 1): yes`);
    });

    it(`${name}: a point off the curve is flagged, naming the key`, () => {
      const q = summarize(alg, [pts.rfc, offCurve(pts.base)]);
      expect(q.ok).toBe(false);
      expect(q.duplicates).toBe(0);
      expect(q.problems).toHaveLength(1);
      expect(q.problems[0]).toMatch(new RegExp(`^key 2: the ${alg} public key is not a point on the curve`));
      const printed = describeKeyQuality(q);
      expect(printed).toContain(`  every point on ${name}, so of order n (cofactor 1): NO`);
      expect(printed.at(-1)).toMatch(/^ {2}verdict: PROBLEMS:\n {4}key 2: /);
    });

    it(`${name}: a repeated key is flagged as a duplicate, naming both keys`, () => {
      const q = summarize(alg, [pts.rfc, pts.base, pts.rfc]);
      expect(q).toMatchObject({ keys: 3, distinct: 2, duplicates: 1, ok: false });
      expect(q.problems).toEqual(['key 3: same point as key 1: the generator repeats keys']);
      expect(describeKeyQuality(q)[0]).toBe('key quality: 3 key(s) generated on the card, 2 distinct, 1 DUPLICATE(S)');
    });
  }

  it('a point of the other curve is not taken for one of this curve', () => {
    const q = summarize('p256', [P384.rfc]);
    expect(q.ok).toBe(false);
    expect(q.problems).toEqual([expect.stringMatching(/^key 1: the p256 public key is not a point on the curve/)]);
  });

  it('a resumed run finds a key repeated across the interruption, and numbers its keys after the earlier ones', () => {
    const before = summarize('p256', [P256.rfc, P256.base]);
    const after = new GeneratedKeys('p256');
    after.continueFrom(JSON.parse(JSON.stringify(before))); // as read back from the result file
    after.addEc(offCurve(P256.base));
    after.addEc(P256.rfc);
    const q = after.summary();
    expect(q).toMatchObject({ keys: 4, distinct: 3, duplicates: 1, ok: false });
    expect(q.perKey.slice(0, 2)).toEqual(before.perKey);
    expect(q.problems).toEqual([
      expect.stringMatching(/^key 3: the p256 public key is not a point on the curve/),
      'key 4: same point as key 1 (before the resume): the generator repeats keys',
    ]);
  });
});
