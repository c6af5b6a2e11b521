// Logical channels (ISO/IEC 7816-4 sections 5.4.1 and 11.1.2): how Android's Open Mobile API reaches an applet on
// a SIM while the modem keeps the basic channel. A channel session sends every command with the channel number
// in its class byte; GET RESPONSE follows on the same channel (session.ts).
import { CardSession } from './session.ts';
import { MalformedAnswerError } from './answer.ts';
import type { CommandApdu, ResponseApdu } from './apdu.ts';
import type { SendOptions } from './session.ts';

/**
 * CLA for logical channel n: channels 0-3 in the first interindustry encoding (b2-b1), 4-19 in the further one
 * (b7 set, b4-b1 = n - 4). The proprietary bit (b8, GlobalPlatform's 8x) and command chaining (b5) are kept;
 * secure messaging bits are not, as this harness sends no ISO secure messaging on channels above 0.
 */
export function claForChannel(cla: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new RangeError(`logical channel ${n}: ISO/IEC 7816-4 numbers them 0 to 19`);
  const keep = cla & 0x90;
  return n <= 3 ? keep | (cla & 0x0c) | n : keep | 0x40 | (n - 4);
}

/** A session whose commands all go to one logical channel of the card. */
export class LogicalChannelSession extends CardSession {
  constructor(base: CardSession, readonly channel: number, extendedLength: boolean) {
    super(base.transport, { extendedLength, trace: base.trace });
  }

  override transmit(cmd: CommandApdu, opts: SendOptions = {}): Promise<ResponseApdu> {
    return super.transmit({ ...cmd, cla: claForChannel(cmd.cla, this.channel) }, opts);
  }
}

/** MANAGE CHANNEL open (00 70 00 00, Le 01): the card picks the number. Close it with `close()`. */
export async function openLogicalChannel(base: CardSession, extendedLength: boolean): Promise<{ session: LogicalChannelSession; close(): Promise<void> }> {
  const r = await base.send({ cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 }, { name: 'MANAGE CHANNEL (open)' });
  const n = r.data[0];
  if (r.data.length !== 1 || n === undefined || n < 1 || n > 19) {
    throw new MalformedAnswerError(`MANAGE CHANNEL (open) (00 70 00 00): the card's answer (${r.data.length} bytes) is malformed: not one byte with a channel number 1..19`);
  }
  const session = new LogicalChannelSession(base, n, extendedLength);
  return {
    session,
    close: async () => {
      await base.send({ cla: 0x00, ins: 0x70, p1: 0x80, p2: n }, { name: `MANAGE CHANNEL (close ${n})` });
    },
  };
}
