// What provisioning must leave behind, asserted by the test that provisions rather than only by the tests after
// it: the JPKI AP answers SELECT; and when the suite personalized it with the vectors/ fixture, every EF reads
// back as it was written and the PIN is unverified with the try limit the IXIT set. A real card, which arrives
// personalized, is checked for the first part only.
import { expect } from 'vitest';
import * as allure from 'allure-js-commons';
import { hex } from '../../harness/bytes.ts';
import type { JpkiClient } from '../../harness/jpki/client.ts';
import type { JpkiVectors } from '../../harness/jpki/vectors.ts';
import type { Profile } from '../../harness/profile/types.ts';

export async function expectProvisioned(profile: Profile, jpki: JpkiClient, fixture: JpkiVectors | undefined): Promise<void> {
  await expect(allure.step('SELECT the JPKI AP', () => jpki.selectAp()), 'the JPKI AP is selectable').resolves.toBeUndefined();
  if (!fixture) return;
  await allure.step('read back what was personalized', async () => {
    for (const [fid, bytes] of fixture.files) {
      expect(hex(await jpki.readEf(Number.parseInt(fid, 16))), `EF ${fid} as personalized`).toBe(hex(bytes));
    }
    expect(await jpki.pinState(), 'the PIN: not verified, every try left').toEqual({ verified: false, triesLeft: profile.ixit.jpki.pinTryLimit });
  });
}
