// Meanings of status words, so every card error a person reads says what the card meant, in the words of the
// specification of the command that got it.
// Sources: ISO/IEC 7816-4:2013 section 5.6 (tables 5 and 6); GlobalPlatform Card Specification v2.3.1
// section 11.1.3 (general error conditions) and the error conditions each command lists in its own subsection
// (11.2 DELETE, 11.3 GET DATA, 11.4 GET STATUS, 11.5 INSTALL, 11.6 LOAD, 11.8 PUT KEY, 11.10 SET STATUS,
// 11.11 STORE DATA; appendix E and Amendment D for INITIALIZE UPDATE and EXTERNAL AUTHENTICATE); 6444 is
// jCardSim's "applet creation failed" (licel/jcardsim SimulatorSystem.SW_APPLET_CREATION_FAILED).
import { commandName, isGlobalPlatformCommand, type ApduHeader } from './command-names.ts';

/** A two-byte status word, SW1 || SW2, as a number 0x0000..0xFFFF. */
export type StatusWord = number & { readonly __brand?: 'StatusWord' };

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED_NO_EF: 0x6986,
  FILE_NOT_FOUND: 0x6a82,
  INCORRECT_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN: 0x6f00,
  APPLET_CREATION_FAILED: 0x6444,
} as const;

const exact: Record<number, string> = {
  0x9000: 'normal processing',
  0x6200: 'warning: state of non-volatile memory unchanged',
  0x6281: 'warning: part of returned data may be corrupted',
  0x6282: 'warning: end of file reached before reading Ne bytes',
  0x6283: 'warning: selected file deactivated',
  0x6284: 'warning: file control information not formatted correctly',
  0x6285: 'warning: selected file in termination state',
  0x6300: 'warning: verification failed',
  0x6381: 'warning: file filled up by the last write',
  0x6400: 'execution error: state of non-volatile memory unchanged',
  0x6444: 'applet creation failed (jCardSim CREATE APPLET)',
  0x6500: 'execution error: state of non-volatile memory changed',
  0x6581: 'memory failure',
  0x6700: 'wrong length',
  0x6800: 'functions in CLA not supported',
  0x6881: 'logical channel not supported',
  0x6882: 'secure messaging not supported',
  0x6883: 'last command of the chain expected',
  0x6884: 'command chaining not supported',
  0x6900: 'command not allowed',
  0x6981: 'command incompatible with file structure',
  0x6982: 'security status not satisfied',
  0x6983: 'authentication method blocked',
  0x6984: 'reference data not usable (blocked)',
  0x6985: 'conditions of use not satisfied',
  0x6986: 'command not allowed (no current EF)',
  0x6987: 'expected secure messaging data objects missing',
  0x6988: 'incorrect secure messaging data objects',
  0x6999: 'applet selection failed',
  0x6a80: 'incorrect parameters in the command data field',
  0x6a81: 'function not supported',
  0x6a82: 'file or application not found',
  0x6a83: 'record not found',
  0x6a84: 'not enough memory space in the file',
  0x6a85: 'Nc inconsistent with TLV structure',
  0x6a86: 'incorrect parameters P1-P2',
  0x6a87: 'Nc inconsistent with parameters P1-P2',
  0x6a88: 'referenced data or reference data not found',
  0x6a89: 'file already exists',
  0x6a8a: 'DF name already exists',
  0x6b00: 'wrong parameters P1-P2 (offset outside the EF)',
  0x6d00: 'instruction code not supported or invalid',
  0x6e00: 'class not supported',
  0x6f00: 'no precise diagnosis',
};

// GlobalPlatform gives some status words a meaning of its own for its commands: 6A84 on INSTALL is "not enough
// memory space" (for the applet), not ISO's "not enough memory space in the file". GPCS v2.3.1 11.1.3 holds the
// ones common to every command, each command's subsection the rest.
const gpGeneral: Record<number, string> = {
  0x6400: 'no specific diagnosis',
  0x6700: 'wrong length in Lc',
  0x6881: 'logical channel not supported or not active',
  0x6982: 'security status not satisfied',
  0x6985: 'conditions of use not satisfied',
  0x6a86: 'incorrect P1 P2',
  0x6a88: 'referenced data not found',
  0x6d00: 'invalid instruction',
  0x6e00: 'invalid class',
};

const gpByCommand: Record<string, Record<number, string>> = {
  DELETE: { 0x6581: 'memory failure', 0x6a80: 'incorrect values in the command data', 0x6a82: 'application not found', 0x6a88: 'referenced data not found' },
  'GET DATA': { 0x6a88: 'referenced data not found' },
  'GET STATUS': { 0x6310: 'more data available', 0x6a80: 'incorrect values in the command data', 0x6a88: 'referenced data not found' },
  INSTALL: { 0x6581: 'memory failure', 0x6a80: 'incorrect parameters in the data field', 0x6a84: 'not enough memory space', 0x6a88: 'referenced data not found' },
  LOAD: { 0x6581: 'memory failure', 0x6a84: 'not enough memory space' },
  'PUT KEY': { 0x6581: 'memory failure', 0x6a80: 'wrong data', 0x6a84: 'not enough memory space', 0x6a88: 'referenced data not found', 0x9484: 'algorithm not supported', 0x9485: 'invalid key check value' },
  'SET STATUS': { 0x6a80: 'incorrect values in the command data', 0x6a88: 'referenced data not found' },
  'STORE DATA': { 0x6a80: 'incorrect values in the command data', 0x6a84: 'not enough memory space', 0x6a88: 'referenced data not found' },
  'INITIALIZE UPDATE': { 0x6a88: 'referenced data not found (no such key set)' },
  'EXTERNAL AUTHENTICATE': { 0x6300: 'authentication of the host cryptogram failed' },
};

/**
 * A status word's meaning in words, e.g. "63C2: verification failed, 2 tries left"; given the command, in the
 * words of the specification that defines it (GlobalPlatform for its commands, else ISO/IEC 7816-4).
 */
export function describeSw(sw: StatusWord, command?: ApduHeader): string {
  return `${swHex(sw)}: ${command ? meaningFor(sw, command) : meaning(sw)}`;
}

function meaningFor(sw: StatusWord, command: ApduHeader): string {
  if (isGlobalPlatformCommand(command)) {
    const name = commandName(command).replace(/ \[.*$/, ''); // every kind of INSTALL shares one table
    const own = gpByCommand[name]?.[sw] ?? gpGeneral[sw];
    if (own) return own;
  }
  return meaning(sw);
}

/**
 * The card's answer to a command as a sentence: "INSTALL [for install and make selectable] (80 E6 0C 00) answered
 * 6A84: not enough memory space". Only the header is shown: command data may be a PIN or key material. `what` is
 * the caller's name for it, if any.
 */
export function describeAnswer(command: ApduHeader, sw: StatusWord, what?: string): string {
  const header = [command.cla, command.ins, command.p1, command.p2].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  const name = commandName(command);
  // The caller's name for the command is kept when it says more ("SELECT EF 0017", "STORE DATA block 3 of 5"),
  // and added after the sentence when it says something else ("INSTALL (existing AID)").
  const label = what?.startsWith(name) ? what : name;
  const context = what && !what.startsWith(name) ? ` (${what})` : '';
  return `${label} (${header}) answered ${describeSw(sw, command)}${context}`;
}

export function swHex(sw: StatusWord): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

function meaning(sw: StatusWord): string {
  const known = exact[sw];
  if (known) return known;
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  if (sw1 === 0x61) return `${sw2 === 0 ? '256 or more' : sw2} response bytes still available (GET RESPONSE)`;
  if (sw1 === 0x6c) return `wrong Le; exact length is ${sw2 === 0 ? 256 : sw2}`;
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) {
    const n = sw2 & 0x0f;
    return `verification failed, ${n} ${n === 1 ? 'try' : 'tries'} left`;
  }
  const byClass: Record<number, string> = {
    0x62: 'warning: state of non-volatile memory unchanged',
    0x63: 'warning: state of non-volatile memory changed',
    0x64: 'execution error: state of non-volatile memory unchanged',
    0x65: 'execution error: state of non-volatile memory changed',
    0x66: 'security-related issue',
    0x68: 'functions in CLA not supported',
    0x69: 'command not allowed',
    0x6a: 'wrong parameters P1-P2',
  };
  return byClass[sw1] ?? 'unknown status word';
}

export function isOk(sw: StatusWord): boolean {
  return sw === 0x9000;
}

/** For 63Cx: tries left; otherwise undefined. */
export function triesLeft(sw: StatusWord): number | undefined {
  return (sw & 0xfff0) === 0x63c0 ? sw & 0x0f : undefined;
}
