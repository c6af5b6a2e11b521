// The one interface every way of reaching a card implements (a PC/SC reader, a vpcd socket, the simulator).

export type ResetKind = 'cold' | 'warm';

export interface Transport {
  /** Human-readable reader name, shown in reports. */
  readonly reader: string;
  /** Answer-to-reset of the current power cycle (empty before connect). */
  readonly atr: Uint8Array;
  /** Powers the card and reads its ATR. */
  connect(): Promise<void>;
  /** Sends one wire APDU and returns the raw response (data || SW1 SW2). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** Cold reset = power off then on; warm reset = reset signal with power kept. Returns the new ATR. */
  reset(kind: ResetKind): Promise<Uint8Array>;
  /** Powers the card off and releases the reader. Idempotent. */
  close(): Promise<void>;
}

/** The card went away (pulled, socket closed, reader unplugged) while the harness needed it. */
export class CardGoneError extends Error {}

/** The card did not answer within the profile's timeout. */
export class CardTimeoutError extends Error {}
