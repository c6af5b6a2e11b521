// The verdict categories as the report applies them: Allure 3's own matcher (@allurereport/core-api, the package
// `allure generate` uses) over results shaped as the suites write them, with messages made by the harness's own
// error classes. First match wins, so the order of the rules is part of what is tested.
import { matchCategory, normalizeCategoriesConfig } from '@allurereport/core-api';
import { describe, expect, it } from 'vitest';
import { AtrMismatchError } from '../card/open-card.ts';
import { MalformedAnswerError } from '../apdu/answer.ts';
import { CardError } from '../apdu/session.ts';
import { CardGoneError } from '../transport/transport.ts';
import { allureCategoryRules } from '../../suites/support/verdict-categories.ts';

const rules = normalizeCategoriesConfig(allureCategoryRules());
const category = (status: 'failed' | 'broken' | 'skipped' | 'passed', message?: string, applicability?: string): string | undefined =>
  matchCategory(rules, { status, message, flaky: false, labels: applicability ? [{ name: 'applicability', value: applicability }] : [] })?.name;

describe('verdict categories in the report', () => {
  it('sorts what the card did', () => {
    expect(category('failed', new CardError('INSTALL [for install and make selectable]', { cla: 0x80, ins: 0xe6, p1: 0x0c, p2: 0 }, 0x6a84).message))
      .toBe('Card refused a command');
    expect(category('failed', new MalformedAnswerError('GET STATUS 40: the card\'s answer (11 bytes) is malformed: truncated TLV').message))
      .toBe('Card answered malformed data or broke the protocol');
    expect(category('failed', 'expected \'6A88: referenced data not found\' to be \'9000: normal processing\'')).toBe('Card\'s answer differs from the specification or the known answer');
  });

  it('sorts what the bench did', () => {
    expect(category('broken', new CardGoneError('card on Virtual PCD 00 00 went away (reset); last command: SELECT (00 A4 04 00)').message))
      .toBe('Card went away or stopped answering');
    expect(category('broken', new AtrMismatchError('card ATR 3B 00 does not match the profile\'s 3B 8F: wrong card in the reader').message)).toBe('Wrong card or profile');
    expect(category('broken', 'cannot start the simulator: java not found; install a JDK 17')).toBe('Harness or environment problem');
  });

  it('puts blocked tests in their own category, apart from not-applicable and skipped ones', () => {
    expect(category('skipped', undefined, 'blocked')).toBe('Blocked by an earlier failure');
    expect(category('skipped', undefined, 'not applicable')).toBeUndefined();
    expect(category('skipped', undefined, 'skipped')).toBeUndefined();
    expect(category('passed')).toBeUndefined();
  });
});
