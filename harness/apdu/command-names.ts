// The name of a command from its header (CLA INS P1 P2), as the specifications call it, so a card error reads
// "INSTALL [for install and make selectable] (80 E6 0C 00) answered 6A84: ..." whatever name the caller gave.
// Sources: GlobalPlatform Card Specification v2.3.1 section 11 (one subsection per command, with its INS; the
// INSTALL P1 coding in 11.5.2.1); ISO/IEC 7816-4:2013 (the interindustry INS codes and their commands);
// ISO/IEC 7816-8 for PERFORM SECURITY OPERATION; JPKI's proprietary COMPUTE DIGITAL SIGNATURE (80 2A 00 80) as
// OpenSC's card-jpki.c sends it; jCardSim's CREATE APPLET (80 B8).

/** The four header bytes of a command APDU. */
export interface ApduHeader {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
}

/** CLA b8 set (and not the invalid FF): a proprietary class, where GlobalPlatform's commands live. */
function proprietary(cla: number): boolean {
  return (cla & 0x80) !== 0 && cla !== 0xff;
}

/** INSTALL's P1 names the kind of INSTALL (GPCS 2.3.1 section 11.5.2.1); b8 says more INSTALL commands follow. */
function installKind(p1: number): string {
  const kinds: [number, string][] = [
    [0x02, 'load'], [0x04, 'install'], [0x08, 'make selectable'], [0x10, 'extradition'],
    [0x20, 'personalization'], [0x40, 'registry update'],
  ];
  const set = kinds.filter(([bit]) => (p1 & bit) !== 0).map(([, k]) => k);
  return set.length === 0 ? 'INSTALL' : `INSTALL [for ${set.join(' and ')}]`;
}

const GP: Record<number, string> = {
  0xe4: 'DELETE',
  0xe8: 'LOAD',
  0xf2: 'GET STATUS',
  0xf0: 'SET STATUS',
  0xe2: 'STORE DATA',
  0xd8: 'PUT KEY',
  0x50: 'INITIALIZE UPDATE',
  0x82: 'EXTERNAL AUTHENTICATE',
  0xca: 'GET DATA',
  0xcb: 'GET DATA',
  0xb8: 'CREATE APPLET',
};

const ISO: Record<number, string> = {
  0xa4: 'SELECT',
  0xb0: 'READ BINARY',
  0xb1: 'READ BINARY',
  0xd6: 'UPDATE BINARY',
  0xb2: 'READ RECORD',
  0x20: 'VERIFY',
  0x24: 'CHANGE REFERENCE DATA',
  0x2c: 'RESET RETRY COUNTER',
  0x46: 'GENERATE ASYMMETRIC KEY PAIR',
  0x47: 'GENERATE ASYMMETRIC KEY PAIR',
  0x70: 'MANAGE CHANNEL',
  0xc0: 'GET RESPONSE',
  0x84: 'GET CHALLENGE',
  0x88: 'INTERNAL AUTHENTICATE',
  0x82: 'EXTERNAL AUTHENTICATE',
  0xca: 'GET DATA',
  0xcb: 'GET DATA',
  0x22: 'MANAGE SECURITY ENVIRONMENT',
};

/** PERFORM SECURITY OPERATION is named by P1-P2, the data objects it works on (ISO/IEC 7816-8). */
function pso(p1: number, p2: number): string {
  if (p1 === 0x9e && p2 === 0x9a) return 'PERFORM SECURITY OPERATION [COMPUTE DIGITAL SIGNATURE]';
  if (p1 === 0x80 && p2 === 0x86) return 'PERFORM SECURITY OPERATION [DECIPHER]';
  if (p1 === 0x90 && p2 === 0x80) return 'PERFORM SECURITY OPERATION [HASH]';
  if (p1 === 0x00 && p2 === 0xa8) return 'PERFORM SECURITY OPERATION [VERIFY DIGITAL SIGNATURE]';
  return 'PERFORM SECURITY OPERATION';
}

/** True for the GlobalPlatform card content management and secure channel commands (GPCS 2.3.1 section 11). */
export function isGlobalPlatformCommand(h: ApduHeader): boolean {
  return proprietary(h.cla) && (h.ins === 0xe6 || GP[h.ins] !== undefined) && h.ins !== 0xb8;
}

/** The command's name, e.g. "INSTALL [for install and make selectable]", "SELECT", "GET RESPONSE". */
export function commandName(h: ApduHeader): string {
  if (proprietary(h.cla)) {
    if (h.ins === 0xe6) return installKind(h.p1);
    // JPKI's signature command sits in the proprietary class (JPKI card interface; OpenSC card-jpki.c).
    if (h.ins === 0x2a) return h.p1 === 0x9e && h.p2 === 0x9a ? pso(h.p1, h.p2) : 'COMPUTE DIGITAL SIGNATURE';
    const gp = GP[h.ins];
    if (gp) return gp;
  }
  if (h.ins === 0x2a) return pso(h.p1, h.p2);
  return ISO[h.ins] ?? `INS ${h.ins.toString(16).toUpperCase().padStart(2, '0')}`;
}
