// The suites' procedure steps (suites/support/steps.ts): a step states the command and the outcome the
// specification calls for, and must fail, naming itself, when the card's answer differs, as Allure's matcher steps
// no longer stand in for it (reportMatchers: false in suites/vitest.config.ts). Also how outcomes read in the
// report: PIN states in words, status words with their meaning.
import { describe, expect, it } from 'vitest';
import { describeValue, expectStep, expectSwStep, expectTrueStep } from '../../suites/support/steps.ts';

describe('procedure steps', () => {
  it('pass with the value when the answer is the expected one, and fail naming the step when it is not', async () => {
    await expect(expectStep('VERIFY with a wrong PIN → 63C2, 2 tries left', async () => ({ verified: false, triesLeft: 2 }), { verified: false, triesLeft: 2 }))
      .resolves.toEqual({ verified: false, triesLeft: 2 });
    await expect(expectStep('VERIFY with a wrong PIN → 63C2, 2 tries left', { verified: false, triesLeft: 1 }, { verified: false, triesLeft: 2 }))
      .rejects.toThrow(/VERIFY with a wrong PIN → 63C2, 2 tries left/);
    await expect(expectSwStep('READ BINARY before VERIFY → 6982', async () => 0x9000, 0x6982)).rejects.toThrow(/6982: security status not satisfied/);
    await expect(expectSwStep('SELECT → 9000', 0x9000, 0x9000)).resolves.toBe(0x9000);
    await expect(expectTrueStep('the certificate → the one personalized', false, () => 'differs')).rejects.toThrow(/the certificate → the one personalized/);
  });

  it('show PIN states, bytes and other values as a lab reads them', () => {
    expect(describeValue({ verified: false, triesLeft: 2 })).toBe('not verified, 2 tries left');
    expect(describeValue({ verified: false, triesLeft: 1 })).toBe('not verified, 1 try left');
    expect(describeValue({ verified: true })).toBe('verified');
    expect(describeValue({ verified: false, blocked: true })).toBe('not verified, blocked');
    expect(describeValue(Uint8Array.of(0x8f, 0x8f, 0x00))).toBe('8F 8F 00');
    expect(describeValue(new Uint8Array(0))).toBe('(no data)');
  });
});
