// What a probed claim rests on: the commands sent and the card's answers, as the trace recorded them (secrets are
// masked there already; a read-only probe sends none). Each probe module asks through `ask`, which returns the
// card's final answer plus the wire exchanges behind it, GET RESPONSE and Le re-sends included, so the draft
// profile can show exactly what the card said.
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import type { CardSession } from '../apdu/session.ts';
import { swHex } from '../apdu/status-words.ts';

/** One exchange as evidence: "80CA006600 -> 6631... 9000" (command -> response data, status word). */
export type Evidence = string;

/** Long answers are cut in the evidence (the full data is in the probe's JSON result where it matters). */
const SHOWN_BYTES = 48;

export interface Asked extends ResponseApdu {
  evidence: Evidence[];
}

export async function ask(session: CardSession, cmd: CommandApdu, name: string): Promise<Asked> {
  const from = session.trace.entries.length;
  const r = await session.transmit(cmd, { name });
  const evidence = session.trace.entries.slice(from).map((e) => {
    const response = e.response.replace(/ /g, '').toUpperCase();
    const data = response.length > SHOWN_BYTES * 2 ? `${response.slice(0, SHOWN_BYTES * 2)}...(${response.length / 2} bytes)` : response;
    return `${e.command.replace(/ /g, '').toUpperCase()} -> ${data ? `${data} ` : ''}${swHex(e.sw)}`;
  });
  return { ...r, evidence };
}

/** SW 9000, or 61xx already collected by the session: the command worked. */
export function worked(r: ResponseApdu): boolean {
  return r.sw === 0x9000;
}
