// Card answers that arrive with 9000 but do not parse (a TLV with a wrong length, a certificate that is not DER):
// one error type for all of them, naming the command and what was wrong, so the report can sort "the card
// answered malformed data" apart from refusals and harness faults.
// The card's fault, so a test that meets one has failed (card-fault.ts).
import { CardFault } from './card-fault.ts';
export class MalformedAnswerError extends CardFault {
  constructor(message: string) {
    super(message, 'an answer that parses', 'a malformed answer');
  }
}

/** Parses a card's answer, naming the command and what was wrong when it does not parse. */
export function parseAnswer<T>(command: string, data: Uint8Array, parse: (d: Uint8Array) => T): T {
  try {
    return parse(data);
  } catch (err) {
    throw new MalformedAnswerError(`${command}: the card's answer (${data.length} bytes) is malformed: ${(err as Error).message}`);
  }
}
