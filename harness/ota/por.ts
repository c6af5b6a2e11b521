// Response status codes of the Proof of Receipt, ETSI TS 102 225 table 5.5 with the two TS 31.115 additions
// (0B, 0C). Names as pycrate TS102225.py, gsm0348 and pySim's enum give them (see vectors/ota/README section).
export const POR_STATUS = {
  ok: 0x00,
  checksumFailed: 0x01,
  counterLow: 0x02,
  counterHigh: 0x03,
  counterBlocked: 0x04,
  cipheringError: 0x05,
  unidentifiedSecurityError: 0x06,
  insufficientMemory: 0x07,
  moreTime: 0x08,
  tarUnknown: 0x09,
  insufficientSecurityLevel: 0x0a,
  responseViaSmsSubmit: 0x0b,
  responseViaUssd: 0x0c,
} as const;

const TEXT: Record<number, string> = {
  0x00: 'PoR OK',
  0x01: 'RC/CC/DS failed',
  0x02: 'CNTR low',
  0x03: 'CNTR high',
  0x04: 'CNTR blocked',
  0x05: 'ciphering error',
  0x06: 'unidentified security error',
  0x07: 'insufficient memory',
  0x08: 'more time needed',
  0x09: 'TAR unknown',
  0x0a: 'insufficient security level',
  0x0b: 'actual response data sent using SMS-SUBMIT',
  0x0c: 'actual response data sent using USSD',
};

/** "0A (insufficient security level)"; codes outside the table are RFU (0D-BF, FF) or proprietary (C0-FE). */
export function describePorStatus(status: number): string {
  const h = status.toString(16).padStart(2, '0').toUpperCase();
  const text = TEXT[status] ?? (status >= 0xc0 && status <= 0xfe ? 'proprietary' : 'reserved for future use');
  return `${h} (${text})`;
}
