// What provisioning must leave behind, asserted by the test that provisions rather than only by the tests after
// it: the JPKI AP answers SELECT; and when the suite personalized it with the vectors/ fixture, the PIN is set,
// unverified, with the try limit the IXIT gave. A real card, which arrives personalized, is checked for the first
// part only. The files are not read back here: the certificate test compares them with the fixture, and a card
// whose READ BINARY is broken must fail that test, not block every test behind provisioning.
import { expect } from './expect.ts';
import * as allure from 'allure-js-commons';
import type { JpkiClient } from '../../harness/jpki/client.ts';
import type { JpkiVectors } from '../../harness/jpki/vectors.ts';
import type { Profile } from '../../harness/profile/types.ts';

export async function expectProvisioned(profile: Profile, jpki: JpkiClient, fixture: JpkiVectors | undefined): Promise<void> {
  await expect(allure.step('SELECT the JPKI AP', () => jpki.selectAp()), 'the JPKI AP is selectable').resolves.toBeUndefined();
  if (!fixture) return;
  const pin = await allure.step('read the PIN state (no try spent)', () => jpki.pinState());
  expect(pin, 'the PIN as personalized: not verified, every try left').toEqual({ verified: false, triesLeft: profile.ixit.jpki.pinTryLimit });
}
