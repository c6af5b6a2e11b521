// Remote APDU formats of ETSI TS 102 226 clause 5: the compact format (C-APDUs back to back; the response is the
// count of executed commands, the last SW and its data) and the expanded format (Command Scripting template AA/AE
// with C-APDU TLVs 22; Response Scripting template AB/AF with a count 80 and R-APDU TLVs 23). Tags per TS 101 220
// tables 7.18-7.20 as transcribed in the reference sheet.
import { concat, hex } from '../bytes.ts';
import { encodeLength, readTlv } from '../tlv/ber.ts';

export class RemoteCommandError extends Error {}

export type RemoteFormat = 'compact' | 'expanded';

/** The compact format's secured data: the C-APDUs concatenated (TS 102 226 5.1.1). */
export function encodeCompactCommands(apdus: Uint8Array[]): Uint8Array {
  return concat(...apdus);
}

/** Command Scripting template, definite (AA) or indefinite (AE 80 ... 00 00) length (TS 102 226 5.2.1). */
export function encodeExpandedCommands(apdus: Uint8Array[], length: 'definite' | 'indefinite' = 'definite'): Uint8Array {
  const body = concat(...apdus.map((a) => concat(Uint8Array.of(0x22), encodeLength(a.length), a)));
  if (length === 'indefinite') return concat(Uint8Array.of(0xae, 0x80), body, Uint8Array.of(0, 0));
  return concat(Uint8Array.of(0xaa), encodeLength(body.length), body);
}

/** The results of a script: what every executed command answered (expanded) or the last one (compact). */
export interface RemoteResponse {
  /** Number of commands the card executed. */
  executed: number;
  /** One entry per returned R-APDU; the compact format returns only the last. */
  responses: { data: Uint8Array; sw: number }[];
  /** Expanded format: bad format (90), immediate action (81) or script chaining (83) response codes, when present. */
  badFormat?: number;
  immediateAction?: number;
  scriptChaining?: number;
}

/** Compact response (TS 102 226 5.1.2): executed count, SW1 SW2 of the last command, its data. */
export function decodeCompactResponse(data: Uint8Array): RemoteResponse {
  if (data.length < 3) throw new RemoteCommandError(`compact remote response of ${data.length} octets is shorter than count + SW`);
  return { executed: data[0]!, responses: [{ sw: (data[1]! << 8) | data[2]!, data: data.slice(3) }] };
}

export function encodeCompactResponse(executed: number, last: { data: Uint8Array; sw: number }): Uint8Array {
  return concat(Uint8Array.of(executed, last.sw >> 8, last.sw & 0xff), last.data);
}

/** Splits a Command Scripting template into its C-APDUs (the card's side, and the report's decoder). */
export function decodeExpandedCommands(data: Uint8Array): Uint8Array[] {
  const body = templateBody(data, 0xaa, 0xae);
  return tlvs(body).filter((t) => t.tag === 0x22).map((t) => t.value);
}

/** Response Scripting template (TS 102 226 5.2.2), definite AB or indefinite AF. */
export function decodeExpandedResponse(data: Uint8Array): RemoteResponse {
  const body = templateBody(data, 0xab, 0xaf);
  const out: RemoteResponse = { executed: 0, responses: [] };
  let counted: number | undefined;
  for (const t of tlvs(body)) {
    if (t.tag === 0x80) counted = t.value[0] ?? 0;
    else if (t.tag === 0x23) {
      if (t.value.length < 2) throw new RemoteCommandError('R-APDU TLV shorter than its status word');
      const n = t.value.length;
      out.responses.push({ data: t.value.slice(0, n - 2), sw: (t.value[n - 2]! << 8) | t.value[n - 1]! });
    } else if (t.tag === 0x90) out.badFormat = t.value[0];
    else if (t.tag === 0x81) out.immediateAction = t.value[0];
    else if (t.tag === 0x83) out.scriptChaining = t.value[0];
  }
  out.executed = counted ?? out.responses.length;
  return out;
}

export function encodeExpandedResponse(responses: { data: Uint8Array; sw: number }[]): Uint8Array {
  const body = concat(
    Uint8Array.of(0x80, 0x01, responses.length),
    ...responses.map((r) => {
      const v = concat(r.data, Uint8Array.of(r.sw >> 8, r.sw & 0xff));
      return concat(Uint8Array.of(0x23), encodeLength(v.length), v);
    }),
  );
  return concat(Uint8Array.of(0xab), encodeLength(body.length), body);
}

function templateBody(data: Uint8Array, definite: number, indefinite: number): Uint8Array {
  if (data[0] === indefinite && data[1] === 0x80) {
    const n = data.length;
    if (n < 4 || data[n - 1] !== 0 || data[n - 2] !== 0) throw new RemoteCommandError('indefinite-length template lacks its end-of-contents 00 00');
    return data.subarray(2, n - 2);
  }
  if (data[0] !== definite) {
    throw new RemoteCommandError(`expected template tag ${hex(Uint8Array.of(definite))} or ${hex(Uint8Array.of(indefinite))}, got ${hex(data.subarray(0, 1))}`);
  }
  const t = readTlv(data);
  if (t.valueOffset + t.length !== data.length) throw new RemoteCommandError('octets after the scripting template');
  return t.value;
}

function tlvs(body: Uint8Array): { tag: number; value: Uint8Array }[] {
  const out: { tag: number; value: Uint8Array }[] = [];
  let p = 0;
  while (p < body.length) {
    const t = readTlv(body, p);
    out.push({ tag: body[p]!, value: t.value });
    p = t.valueOffset + t.length;
  }
  return out;
}
