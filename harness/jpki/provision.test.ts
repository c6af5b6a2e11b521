// The DGI stream the harness builds for both halves of the JPKI AP, against the DGI table of the applet's contract
// (lab/applets/jpki/README.md): which DGIs a complete personalization carries, their bytes, the install
// parameters, and which values go encrypted under the domain's DEK.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { encodeDgi } from '../tlv/dgi.ts';
import { installParameters } from './key-algorithm.ts';
import {
  DEFAULT_SIGNING_PIN, ecFixtureDgis, fixtureDgis, personalizationDgis, pinDgis, sendDgis, type DgiSender,
} from './provision.ts';
import { loadJpkiVectors, type JpkiVectors } from './vectors.ts';

let v: JpkiVectors;
beforeAll(async () => {
  v = await loadJpkiVectors(join(repoRoot, 'vectors', 'jpki'));
});

const ids = (dgis: { id: number }[]): string[] => dgis.map((d) => d.id.toString(16).toUpperCase()).sort();

describe('JPKI personalization DGIs', () => {
  it('the fixture carries both keys, both PINs and all six EFs, nothing else', () => {
    const dgis = fixtureDgis(v, '1234', 3);
    expect(ids(dgis)).toEqual([
      '8010', '8011', '8201', '8202', '8203', '8204', '8205', '8211', '8212', '8213', '8214', '8215',
      '9010', '9011', 'A001', 'A002', 'A006', 'A008', 'A00A', 'A00B',
    ]);
    const byId = new Map(dgis.map((d) => [d.id, d.data]));
    // EMV CPS order: 82x1 q^-1 mod p, 82x2 dq, 82x3 dp, 82x4 q, 82x5 p; the signing key is Wycheproof's.
    expect(hex(byId.get(0x8211)!)).toBe(hex(v.signingKey.qinv));
    expect(hex(byId.get(0x8215)!)).toBe(hex(v.signingKey.p));
    expect(hex(byId.get(0x8205)!)).toBe(hex(v.key.p));
    expect(hex(byId.get(0xa008)!)).toBe('8F8F00');
  });

  it('encodes the signing password and its tries as DGIs 8011 / 9011 (tries left || limit)', () => {
    const [pin, tries] = pinDgis('SIMCERT1', 5, 'signing');
    expect(hex(encodeDgi(pin!))).toBe('80110853494D4345525431');
    expect(hex(encodeDgi(tries!))).toBe('9011020505');
    expect(hex(encodeDgi(pinDgis('1234', 3)[1]!))).toBe('9010020303');
  });

  it('sends no key DGI for a key generated on the card', () => {
    const dgis = personalizationDgis({
      userAuth: { key: { kind: 'on-card' }, pin: '1234', tryLimit: 3 },
      signing: { key: { kind: 'on-card' }, pin: 'ABCDEF', tryLimit: 5 },
      files: v.files,
    });
    expect(ids(dgis).filter((id) => id.startsWith('82') || id.startsWith('83'))).toEqual([]);
  });

  it('the EC fixture defaults the signing half to DGI 8311 with the same scalar and the default password', () => {
    const d = v.ecKeys.p384.d;
    const dgis = ecFixtureDgis(d, '1234', 3, v.files);
    const byId = new Map(dgis.map((x) => [x.id, x.data]));
    expect(hex(byId.get(0x8301)!)).toBe(hex(d));
    expect(hex(byId.get(0x8311)!)).toBe(hex(d));
    expect(new TextDecoder().decode(byId.get(0x8011)!)).toBe(DEFAULT_SIGNING_PIN);
  });

  it('through a security domain, encrypts both keys and both PINs (one per block, P1 b7-b6 = 11), EFs in clear', async () => {
    const sent: { p1: number; data: Uint8Array }[] = [];
    const sender: DgiSender = {
      send: async (p1, _p2, data) => void sent.push({ p1, data }),
      encrypt: (x) => x.map((b) => b ^ 0xff), // stands for the DEK: only which values go through it matters here
      cipherBlock: 16,
    };
    await sendDgis(sender, fixtureDgis(v, '1234', 3), { final: true });
    const encrypted = sent.filter((b) => (b.p1 & 0x60) === 0x60).map((b) => hex(b.data.subarray(0, 2)));
    expect(encrypted.sort()).toEqual(['8010', '8011', '8201', '8202', '8203', '8204', '8205', '8211', '8212', '8213', '8214', '8215']);
    const signingPin = sent.find((b) => hex(b.data.subarray(0, 2)) === '8011')!;
    expect(signingPin.data[2]).toBe(16); // 8 characters padded (ISO 9797-1 method 2) to one 16-byte block
    expect(sent.filter((b) => (b.p1 & 0x80) !== 0).length).toBe(1);
  });
});

describe('install parameters of the two keys', () => {
  it('are empty for RSA-2048 twice, 80 01 a for one type, 80 01 a 81 01 b for two', () => {
    expect(hex(installParameters('rsa2048'))).toBe('');
    expect(hex(installParameters('p384'))).toBe('800103');
    expect(hex(installParameters('p256', 'p384'))).toBe('800102810103');
    expect(hex(installParameters('rsa2048', 'p384'))).toBe('800101810103');
  });
});
