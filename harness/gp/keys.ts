// Static key sets and security levels shared by SCP02 and SCP03.

export interface StaticKeys {
  enc: Uint8Array;
  mac: Uint8Array;
  dek: Uint8Array;
  /** Key version number to ask for in INITIALIZE UPDATE (0: the first available). */
  kvn?: number;
}

/** EXTERNAL AUTHENTICATE P1 bits (GPCS Table E-11, Amendment D Table 7-2). */
export const SecurityLevel = {
  NONE: 0x00,
  C_MAC: 0x01,
  C_DEC: 0x02,
  R_MAC: 0x10,
  R_ENC: 0x20,
} as const;

/** The secure channel could not be used: a MAC did not verify, a response was malformed. */
export class SecureChannelError extends Error {}
