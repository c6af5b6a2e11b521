// Reads a card-content-management command before the secure channel wraps it, for the APDU trace: an engineer
// debugging a refused INSTALL needs its AIDs, privileges and install parameters, and one debugging
// personalization needs the STORE DATA block's DGI tags and lengths, while the values that are secret must never
// be shown. So each field is named with the bytes it covers, and the secret ones are marked for the trace to mask:
// the values of sensitive DGIs (EMV CPS v1.1 section 5.3: DGIs 8000 to 8FFF carry the data a personalization
// device encrypts: keys, PINs), every DGI of a block sent encrypted (GPCS 2.3.1 11.11.2.1, P1 b7-b6 = 11), the
// key data of PUT KEY, and the data of any other command the caller marked secret. Layouts: GPCS 2.3.1 11.5
// (INSTALL), 11.6 (LOAD), 11.2 (DELETE), 11.8 (PUT KEY), 11.11 (STORE DATA).
import type { CommandApdu } from '../apdu/apdu.ts';
import type { PlainCommand } from '../apdu/trace.ts';

/** Where the previous STORE DATA block left off: a DGI may span blocks (EMV CPS), so its rest opens the next one. */
export interface DgiStreamState {
  /** The DGI still being sent, and how many of its value bytes are still to come. */
  open?: { id: number; remaining: number; secret: boolean };
  /** A DGI header split across two blocks: its first bytes. */
  partialHeader?: number[];
}

export interface DecodeOptions {
  /** The caller marked the command data secret (ChannelSendOptions.secret). */
  secret: boolean;
  /** STORE DATA's DGI stream state for this channel, carried from block to block. */
  dgi: DgiStreamState;
}

type Field = PlainCommand['fields'][number];

/** At most this many value bytes are shown per field; a certificate's worth of hex helps nobody in a trace. */
const SHOWN = 32;

const aidField = (label: string, from: number, to: number): Field => ({ label, from, to });

/** EMV CPS: DGIs 8000 to 8FFF hold encrypted (sensitive) data. */
export const isSensitiveDgi = (id: number): boolean => id >= 0x8000 && id <= 0x8fff;

const INSTALL_ROLES: Record<number, string> = {
  0x02: 'for load', 0x04: 'for install', 0x08: 'for make selectable', 0x0c: 'for install and make selectable',
  0x20: 'for personalization', 0x10: 'for extradition', 0x40: 'for registry update',
};

/** The LV fields of INSTALL's data, in the order its P1 sets out (GPCS 2.3.1 tables 11-44 to 11-51). */
function installLayout(p1: number): string[] {
  const role = p1 & 0x7e;
  if (role === 0x02) return ['load file AID', 'security domain AID', 'load file data block hash', 'load parameters', 'load token'];
  return ['load file AID', 'module AID', 'application AID', 'privileges', 'install parameters', 'install token'];
}

/** Names the top-level TLVs of install parameters (C9 application data, EF system parameters; GPCS 2.3.1 11.5.2.3.7). */
function installParameterFields(b: Uint8Array, from: number, to: number): Field[] {
  const names: Record<number, string> = { 0xc9: 'application data (C9)', 0xef: 'system parameters (EF)', 0xea: 'TS 102 226 parameters (EA)', 0xcf: 'implicit selection (CF)' };
  const out: Field[] = [];
  let p = from;
  while (p + 2 <= to) {
    const tag = b[p]!;
    const n = b[p + 1]!;
    if (p + 2 + n > to) break;
    out.push({ label: `  ${names[tag] ?? `tag ${tag.toString(16).toUpperCase().padStart(2, '0')}`}, ${n} bytes`, from: p + 2, to: p + 2 + Math.min(n, SHOWN) });
    p += 2 + n;
  }
  return out;
}

function installFields(b: Uint8Array, p1: number, start: number): Field[] {
  // P1 b8 set: more INSTALL commands follow (GPCS 2.3.1 table 11-42).
  const fields: Field[] = [{ label: `INSTALL [${INSTALL_ROLES[p1 & 0x7e] ?? `P1 ${p1.toString(16)}`}]${p1 & 0x80 ? ' (more INSTALL commands follow)' : ''}`, from: 0, to: 0 }];
  let p = start;
  for (const label of installLayout(p1)) {
    if (p >= b.length) break;
    const n = b[p]!;
    const end = Math.min(b.length, p + 1 + n);
    if (n === 0) {
      p = end;
      continue;
    }
    fields.push(aidField(`${label} (${n} byte${n === 1 ? '' : 's'})`, p + 1, label === 'install parameters' ? p + 1 : end));
    if (label === 'install parameters') fields.push(...installParameterFields(b, p + 1, end));
    p = end;
  }
  return fields;
}

/** DGIs of one STORE DATA block, continuing a DGI the previous block left open. */
function storeDataDgiFields(b: Uint8Array, start: number, encrypted: boolean, state: DgiStreamState, secret: [number, number][]): Field[] {
  const fields: Field[] = [];
  let p = start;
  const open = state.open;
  if (open && open.remaining > 0) {
    const n = Math.min(open.remaining, b.length - p);
    const id = open.id.toString(16).toUpperCase().padStart(4, '0');
    if (open.secret || encrypted) secret.push([p, p + n]);
    fields.push({ label: `DGI ${id} continued, ${n} bytes${open.remaining > n ? ', continues in the next block' : ''}${open.secret ? ' (sensitive, masked)' : ''}`, from: p, to: p + Math.min(n, SHOWN) });
    open.remaining -= n;
    p += n;
    if (open.remaining > 0) return fields;
  }
  state.open = undefined;
  let pending = state.partialHeader ?? [];
  state.partialHeader = undefined;
  while (p < b.length) {
    // The header: 2-byte tag, then a 1-byte length or FF and 2 bytes (EMV CPS 5.3); it may have begun in the last block.
    const head = [...pending];
    let q = p;
    while (q < b.length && (head.length < 3 || (head[2] === 0xff && head.length < 5))) head.push(b[q++]!);
    pending = [];
    const complete = head.length >= 3 && (head[2] !== 0xff || head.length === 5);
    if (!complete) {
      state.partialHeader = head;
      fields.push({ label: 'DGI header, continues in the next block', from: p, to: q });
      break;
    }
    const id = (head[0]! << 8) | head[1]!;
    const len = head[2] === 0xff ? (head[3]! << 8) | head[4]! : head[2]!;
    const sensitive = isSensitiveDgi(id) || encrypted;
    const n = Math.min(len, b.length - q);
    if (sensitive) secret.push([q, q + n]);
    const name = id.toString(16).toUpperCase().padStart(4, '0');
    const more = len > n ? `, ${n} in this block, continues in the next` : '';
    const why = encrypted ? ' (encrypted under the DEK, masked)' : isSensitiveDgi(id) ? ' (sensitive DGI, value masked)' : '';
    const shown = n > SHOWN ? `, first ${SHOWN} shown` : '';
    fields.push({ label: `DGI ${name}, ${len} bytes${more}${why}${sensitive ? '' : shown}`, from: q, to: q + Math.min(n, SHOWN) });
    if (len > n) state.open = { id, remaining: len - n, secret: sensitive };
    p = q + n;
  }
  return fields;
}

function storeDataFields(b: Uint8Array, cmd: CommandApdu, start: number, o: DecodeOptions, secret: [number, number][]): Field[] {
  if (cmd.p2 === 0) {
    o.dgi.open = undefined;
    o.dgi.partialHeader = undefined;
  }
  const enc = (cmd.p1 >> 5) & 0x03;
  const structure = (cmd.p1 >> 3) & 0x03;
  const encName = ['not encrypted', 'application-dependent encryption', 'reserved encryption bits', 'encrypted'][enc]!;
  const structName = ['no structure given', 'DGI format', 'BER-TLV format', 'reserved format'][structure]!;
  const fields: Field[] = [{
    label: `STORE DATA block ${cmd.p2}${cmd.p1 & 0x80 ? ' (last)' : ''}, ${structName}, ${encName}`, from: 0, to: 0,
  }];
  if (structure === 1) return [...fields, ...storeDataDgiFields(b, start, enc === 3, o.dgi, secret)];
  if (o.secret || enc !== 0) secret.push([start, b.length]);
  fields.push({ label: `data, ${b.length - start} bytes${o.secret || enc !== 0 ? ' (masked)' : ''}`, from: start, to: Math.min(b.length, start + SHOWN) });
  return fields;
}

/** The command as the application built it: header, Lc and data, no Le (it is not secured). */
function plainBytes(cmd: CommandApdu): { bytes: Uint8Array; start: number } {
  const data = cmd.data ?? new Uint8Array(0);
  const lc = data.length === 0 ? [] : data.length <= 255 ? [data.length] : [0, data.length >> 8, data.length & 0xff];
  const bytes = Uint8Array.from([cmd.cla, cmd.ins, cmd.p1, cmd.p2, ...lc, ...data]);
  return { bytes, start: 4 + lc.length };
}

/** Reads a command for the trace: its fields named, its secret bytes marked (see the module's first lines). */
export function decodeCommand(cmd: CommandApdu, o: DecodeOptions): PlainCommand {
  const { bytes, start } = plainBytes(cmd);
  const secret: [number, number][] = [];
  let fields: Field[] = [];
  let whole = bytes.length <= 5 + 64;
  switch (cmd.ins) {
    case 0xe6:
      fields = installFields(bytes, cmd.p1, start);
      if (o.secret) secret.push([start, bytes.length]);
      break;
    case 0xe2:
      fields = storeDataFields(bytes, cmd, start, o, secret);
      whole = false;
      break;
    case 0xe8:
      fields = [{ label: `LOAD block ${cmd.p2}${cmd.p1 & 0x80 ? ' (last)' : ''}, ${bytes.length - start} bytes of the load file`, from: 0, to: 0 }];
      whole = false;
      break;
    case 0xd8:
      // PUT KEY: the new key version shown, the key data (encrypted keys and check values) never.
      fields = [{ label: `PUT KEY, new key version`, from: start, to: Math.min(bytes.length, start + 1) }, { label: 'key data (masked)', from: start + 1, to: start + 1 }];
      secret.push([start + 1, bytes.length]);
      break;
    default:
      if (o.secret) secret.push([start, bytes.length]);
  }
  return { bytes, secret, fields, whole };
}
