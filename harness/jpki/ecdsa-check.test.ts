// The harness's ECDSA verifier against RFC 6979's published signatures (vectors/jpki/ec-keys.json): what it accepts
// decides whether a card's EC signature passes, so it must accept the RFC's and refuse any altered one.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { assertOnCurve, publicPointOf, verifyEcdsa } from './ecdsa-check.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

let v: JpkiVectors;
beforeAll(async () => {
  v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
});

describe.each(['p256', 'p384'] as const)('ECDSA check on %s (RFC 6979 key)', (curve) => {
  const hashOf = (m: Uint8Array): Uint8Array => createHash(v.ecKeys[curve].hash).update(m).digest();

  it('the private key of the vector gives its public key', () => {
    const k = v.ecKeys[curve];
    expect(hex(publicPointOf(curve, k.d))).toBe(hex(k.point));
  });

  it('accepts the RFC signature over "sample"', () => {
    const k = v.ecKeys[curve];
    expect(verifyEcdsa(curve, k.point, hashOf(k.message), k.signature)).toBe(true);
  });

  it('refuses it with one bit of r, of s or of the hash flipped', () => {
    const k = v.ecKeys[curve];
    const n = k.signature.length / 2;
    for (const at of [0, n - 1, n, 2 * n - 1]) {
      const bad = Uint8Array.from(k.signature);
      bad[at]! ^= 0x01;
      expect(verifyEcdsa(curve, k.point, hashOf(k.message), bad)).toBe(false);
    }
    const h = hashOf(k.message);
    h[0]! ^= 0x80;
    expect(verifyEcdsa(curve, k.point, h, k.signature)).toBe(false);
  });

  it('accepts the high-S twin of a signature (FIPS 186-4 ECDSA has no low-S rule; cards do not normalize)', () => {
    const k = v.ecKeys[curve];
    const order = curve === 'p256'
      ? 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
      : 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
    const n = k.signature.length / 2;
    const s = BigInt(`0x${hex(k.signature.subarray(n))}`);
    const twin = Uint8Array.from([...k.signature.subarray(0, n), ...Buffer.from((order - s).toString(16).padStart(2 * n, '0'), 'hex')]);
    expect(verifyEcdsa(curve, k.point, hashOf(k.message), twin)).toBe(true);
  });

  it('names a wrong signature length and an off-curve point', () => {
    const k = v.ecKeys[curve];
    expect(() => verifyEcdsa(curve, k.point, hashOf(k.message), k.signature.subarray(1))).toThrow(/r \|\| s/);
    const off = Uint8Array.from(k.point);
    off[off.length - 1]! ^= 0x01;
    expect(() => assertOnCurve(curve, off)).toThrow(/not a point on the curve/);
  });
});
