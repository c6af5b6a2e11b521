// Card errors read as sentences naming the command (its name from CLA/INS/P1, as the specifications call it) and
// the status word's meaning in that specification's words; and they are verdicts of the right kind: the card's
// answer makes a test failed, a harness or environment problem makes it broken, as Allure decides it.
import { getStatusFromError } from 'allure-js-commons/sdk';
import { describe, expect, it } from 'vitest';
import { CardGoneError, CardTimeoutError } from '../transport/transport.ts';
import { MalformedAnswerError } from './answer.ts';
import { commandName } from './command-names.ts';
import { ApduProtocolError, CardError, CommandTooLongError } from './session.ts';
import { describeAnswer } from './status-words.ts';

const h = (text: string) => {
  const [cla, ins, p1, p2] = text.split(' ').map((b) => Number.parseInt(b, 16)) as [number, number, number, number];
  return { cla, ins, p1, p2 };
};

describe('command names from the header', () => {
  // GPCS v2.3.1 section 11 (INSTALL P1 kinds in 11.5.2.1); ISO/IEC 7816-4 and -8; JPKI's 80 2A 00 80.
  it.each([
    ['80 E6 02 00', 'INSTALL [for load]'],
    ['80 E6 04 00', 'INSTALL [for install]'],
    ['80 E6 0C 00', 'INSTALL [for install and make selectable]'],
    ['80 E6 20 00', 'INSTALL [for personalization]'],
    ['80 E6 08 00', 'INSTALL [for make selectable]'],
    ['80 E6 40 00', 'INSTALL [for registry update]'],
    ['80 E8 80 03', 'LOAD'],
    ['84 E4 00 80', 'DELETE'],
    ['80 F2 40 02', 'GET STATUS'],
    ['84 F0 40 83', 'SET STATUS'],
    ['80 E2 80 00', 'STORE DATA'],
    ['84 D8 01 81', 'PUT KEY'],
    ['80 50 30 00', 'INITIALIZE UPDATE'],
    ['84 82 01 00', 'EXTERNAL AUTHENTICATE'],
    ['80 CA 00 66', 'GET DATA'],
    ['00 A4 04 00', 'SELECT'],
    ['01 A4 04 0C', 'SELECT'],
    ['00 B0 00 00', 'READ BINARY'],
    ['00 20 00 80', 'VERIFY'],
    ['00 24 00 80', 'CHANGE REFERENCE DATA'],
    ['80 2A 00 80', 'COMPUTE DIGITAL SIGNATURE'],
    ['00 2A 9E 9A', 'PERFORM SECURITY OPERATION [COMPUTE DIGITAL SIGNATURE]'],
    ['00 46 00 00', 'GENERATE ASYMMETRIC KEY PAIR'],
    ['00 70 00 00', 'MANAGE CHANNEL'],
    ['00 C0 00 00', 'GET RESPONSE'],
    ['00 99 00 00', 'INS 99'],
  ])('%s is %s', (header, name) => {
    expect(commandName(h(header))).toBe(name);
  });
});

describe('the card\'s answer as a sentence', () => {
  it.each([
    // GPCS 11.5 (INSTALL) and 11.6 (LOAD): "not enough memory space", not ISO's "... in the file".
    ['80 E6 0C 00', 0x6a84, 'INSTALL [for install and make selectable] (80 E6 0C 00) answered 6A84: not enough memory space'],
    ['80 E8 00 01', 0x6a84, 'LOAD (80 E8 00 01) answered 6A84: not enough memory space'],
    ['84 E4 00 00', 0x6a88, 'DELETE (84 E4 00 00) answered 6A88: referenced data not found'],
    ['80 D8 01 81', 0x9485, 'PUT KEY (80 D8 01 81) answered 9485: invalid key check value'],
    ['84 82 01 00', 0x6300, 'EXTERNAL AUTHENTICATE (84 82 01 00) answered 6300: authentication of the host cryptogram failed'],
    // ISO/IEC 7816-4 tables 5 and 6 for the interindustry commands.
    ['00 A4 04 0C', 0x6a82, 'SELECT (00 A4 04 0C) answered 6A82: file or application not found'],
    ['00 D6 00 00', 0x6a84, 'UPDATE BINARY (00 D6 00 00) answered 6A84: not enough memory space in the file'],
    ['00 20 00 80', 0x63c2, 'VERIFY (00 20 00 80) answered 63C2: verification failed, 2 tries left'],
  ])('%s answered %s', (header, sw, text) => {
    expect(describeAnswer(h(header), sw)).toBe(text);
  });

  it('keeps the caller\'s name when it says more, and adds it when it says something else', () => {
    expect(new CardError('SELECT EF 0017', h('00 A4 02 0C'), 0x6a82).message).toBe('SELECT EF 0017 (00 A4 02 0C) answered 6A82: file or application not found');
    expect(new CardError('INSTALL (existing AID)', h('80 E6 0C 00'), 0x6a80).message)
      .toBe('INSTALL [for install and make selectable] (80 E6 0C 00) answered 6A80: incorrect parameters in the data field (INSTALL (existing AID))');
    expect(new CardError(undefined, h('00 B0 00 00'), 0x6982).message).toBe('READ BINARY (00 B0 00 00) answered 6982: security status not satisfied');
  });
});

describe('card errors carry no command data', () => {
  it('keeps only the header of a command whose data is a PIN, since vitest serializes every property of an error', () => {
    const pin = Uint8Array.from(Buffer.from('271828'));
    const verify = { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: pin };
    const err = new CardError('VERIFY', verify, 0x63c2);
    expect(err.command).toEqual({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 });
    expect(JSON.stringify({ ...err })).not.toContain('"data"');
  });
});

describe('verdicts as Allure classes them', () => {
  // allure-vitest gets the error as vitest serialized it from the worker: own properties, no prototype.
  const serialized = (e: Error): object => JSON.parse(JSON.stringify({ ...e, message: e.message, name: e.name, stack: e.stack })) as object;

  it.each([
    ['a refused command', new CardError('INSTALL [for install and make selectable]', h('80 E6 0C 00'), 0x6a84)],
    ['a malformed answer', new MalformedAnswerError('GET STATUS 40: the card\'s answer (11 bytes) is malformed: truncated TLV')],
    ['a broken transmission protocol', new ApduProtocolError('GET DATA CPLC: card answered 6Cxx twice (6C10: wrong Le; exact length is 16)')],
  ])('%s is failed: a finding about the card', (_what, err) => {
    expect(getStatusFromError(err)).toBe('failed');
    expect(getStatusFromError(serialized(err) as Error)).toBe('failed');
  });

  it.each([
    ['the card or reader gone', new CardGoneError('the card was removed; last command: SELECT (00 A4 04 00)')],
    ['a timeout', new CardTimeoutError('no answer within 5000 ms; last command: GET DATA CPLC (80 CA 9F 7F)')],
    ['a command the profile cannot carry', new CommandTooLongError('STORE DATA: needs an extended-length APDU but the profile says the card has none')],
    ['any other harness error', new Error('ixit.gp.loadFile is needed to install the applet')],
  ])('%s is broken: a problem of the bench, not of the card', (_what, err) => {
    expect(getStatusFromError(err)).toBe('broken');
    expect(getStatusFromError(serialized(err) as Error)).toBe('broken');
  });
});
