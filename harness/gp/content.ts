// Card content management through a secure channel (GPCS 2.3.1 sections 11.2, 11.5, 11.6): INSTALL [for load]
// and LOAD of a load file, INSTALL [for install and make selectable], DELETE. Command layouts as
// ../shared/reference/globalplatform.md section 4.2 sets them out.
import { concat, fromHex } from '../bytes.ts';
import { encodeLength } from '../tlv/ber.ts';
import type { SecureChannel } from './secure-channel.ts';

function lv(b: Uint8Array): Uint8Array {
  if (b.length > 255) throw new RangeError('LV field over 255 bytes');
  return concat(Uint8Array.of(b.length), b);
}

export interface LoadOptions {
  /** Security domain to load into (empty: the one the channel is open to). */
  sdAid?: string;
  /** LOAD block size before secure messaging (the MAC and padding must still fit in 255). */
  blockSize?: number;
}

/** INSTALL [for load] then LOAD blocks of C4 || load file data block. Returns the number of LOAD commands. */
export async function loadLoadFile(ch: SecureChannel, loadFileAid: string, lfdb: Uint8Array, opts: LoadOptions = {}): Promise<number> {
  const data = concat(lv(fromHex(loadFileAid)), lv(fromHex(opts.sdAid ?? '')), lv(new Uint8Array(0)), lv(new Uint8Array(0)), lv(new Uint8Array(0)));
  await ch.send({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0x00, data, le: 256 }, 'INSTALL [for load]');
  const stream = concat(Uint8Array.of(0xc4), encodeLength(lfdb.length), lfdb);
  const size = opts.blockSize ?? 224;
  const blocks = Math.ceil(stream.length / size);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1;
    await ch.send({ cla: 0x80, ins: 0xe8, p1: last ? 0x80 : 0x00, p2: i & 0xff, data: stream.subarray(i * size, (i + 1) * size), le: 256 },
      `LOAD block ${i}${last ? ' (last)' : ''}`);
  }
  return blocks;
}

export interface InstallSpec {
  loadFileAid: string;
  moduleAid: string;
  instanceAid: string;
  /** Privileges (GPCS 11.1.2), 1 or 3 bytes; default none. */
  privileges?: string;
  /** Application data for install(), sent as C9 in the install parameters. */
  applicationData?: Uint8Array;
  /** Memory quotas in bytes, sent as system parameters EF { C8 non-volatile, C7 volatile } (GPCS 2.3.1 table 11-49). */
  quota?: { nonVolatile?: number; volatile?: number };
}

function systemParameters(quota: InstallSpec['quota']): Uint8Array {
  const q = (tag: number, n: number | undefined): number[] => (n === undefined ? [] : [tag, 2, n >> 8, n & 0xff]);
  const inner = [...q(0xc8, quota?.nonVolatile), ...q(0xc7, quota?.volatile)];
  return inner.length === 0 ? new Uint8Array(0) : Uint8Array.of(0xef, inner.length, ...inner);
}

/** The INSTALL [for install and make selectable] command (P1 0C). */
export function installCommand(spec: InstallSpec) {
  const params = concat(Uint8Array.of(0xc9), encodeLength(spec.applicationData?.length ?? 0), spec.applicationData ?? new Uint8Array(0),
    systemParameters(spec.quota));
  const data = concat(lv(fromHex(spec.loadFileAid)), lv(fromHex(spec.moduleAid)), lv(fromHex(spec.instanceAid)),
    lv(fromHex(spec.privileges ?? '00')), lv(params), lv(new Uint8Array(0)));
  return { cla: 0x80, ins: 0xe6, p1: 0x0c, p2: 0x00, data, le: 256 };
}

export async function installAndMakeSelectable(ch: SecureChannel, spec: InstallSpec): Promise<void> {
  await ch.send(installCommand(spec), 'INSTALL [for install and make selectable]');
}

/** DELETE of an instance or a load file; `related` also deletes a load file's instances (P2 b8). */
export async function deleteAid(ch: SecureChannel, aid: string, opts: { related?: boolean } = {}): Promise<number> {
  const r = await ch.transmit({ cla: 0x80, ins: 0xe4, p1: 0x00, p2: opts.related ? 0x80 : 0x00, data: concat(Uint8Array.of(0x4f), lv(fromHex(aid))), le: 256 },
    `DELETE ${aid}`);
  return r.sw;
}

/** SET STATUS of an application (P1 40): lock (P2 80) or unlock (P2 00), GPCS 11.10. */
export async function setApplicationLocked(ch: SecureChannel, aid: string, locked: boolean): Promise<number> {
  const r = await ch.transmit({ cla: 0x80, ins: 0xf0, p1: 0x40, p2: locked ? 0x80 : 0x00, data: fromHex(aid) }, `SET STATUS ${locked ? 'lock' : 'unlock'} ${aid}`);
  return r.sw;
}

/** INSTALL [for personalization] (P1 20): STORE DATA on this channel then goes to the application. */
export async function installForPersonalization(ch: SecureChannel, aid: string): Promise<void> {
  const empty = new Uint8Array(0);
  const data = concat(lv(empty), lv(empty), lv(fromHex(aid)), lv(empty), lv(empty), lv(empty));
  await ch.send({ cla: 0x80, ins: 0xe6, p1: 0x20, p2: 0x00, data, le: 256 }, 'INSTALL [for personalization]');
}

/**
 * SET STATUS of the card (P1 80): lock (7F) or unlock back to SECURED (0F). There is deliberately no way here to
 * TERMINATE a card: that cannot be undone, and no conformance test needs it.
 */
export async function setCardLocked(ch: SecureChannel, locked: boolean): Promise<number> {
  const r = await ch.transmit({ cla: 0x80, ins: 0xf0, p1: 0x80, p2: locked ? 0x7f : 0x0f }, `SET STATUS card ${locked ? 'CARD_LOCKED' : 'SECURED'}`);
  return r.sw;
}
