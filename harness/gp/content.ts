// Card content management through a secure channel (GPCS 2.3.1 sections 11.2, 11.5, 11.6): INSTALL [for load]
// and LOAD of a load file, INSTALL [for install and make selectable], DELETE. Command layouts as
// ../shared/reference/globalplatform.md section 4.2 sets them out.
import { concat, fromHex } from '../bytes.ts';
import { encodeLength } from '../tlv/ber.ts';
import type { SecureChannel } from './secure-channel.ts';
import type { TokenSigner } from './tokens.ts';

function lv(b: Uint8Array): Uint8Array {
  if (b.length > 255) throw new RangeError('LV field over 255 bytes');
  return concat(Uint8Array.of(b.length), b);
}

/** A length-value field with a BER length (GPCS 11.1.5): parameters and tokens may be 128 bytes or longer. */
function berLv(b: Uint8Array): Uint8Array {
  return concat(encodeLength(b.length), b);
}

export interface LoadOptions {
  /** Security domain to load into (empty: the one the channel is open to). */
  sdAid?: string;
  /** LOAD block size before secure messaging (default 224, or less when the channel's MAC and padding need it). */
  blockSize?: number;
  /** The Load File Data Block Hash (GPCS C.2), needed with DAP blocks or a load token. */
  hash?: Uint8Array;
  /** DAP blocks (E2, table 11-58) sent ahead of the Load File Data Block. */
  dapBlocks?: readonly Uint8Array[];
  /** Signs the load token (C.4.1) for a domain with Delegated Management. */
  token?: TokenSigner;
}

/**
 * INSTALL [for load] data (GPCS 11.5.2.3.1): LV(load file AID) LV(SD AID) LV(LFDBH) LV(load parameters)
 * LV(load token); an absent field is an empty LV.
 */
export function installForLoadData(loadFileAid: string, sdAid: string, hash: Uint8Array = new Uint8Array(0), token?: TokenSigner): Uint8Array {
  const body = concat(lv(fromHex(loadFileAid)), lv(fromHex(sdAid)), lv(hash), lv(new Uint8Array(0)));
  return concat(body, berLv(token ? token(0x02, 0x00, body) : new Uint8Array(0)));
}

/**
 * INSTALL [for load] then LOAD blocks of the Load File ([E2 DAP blocks] C4 || load file data block). Returns the
 * number of LOAD commands and the data of the last LOAD's answer (a confirmation, table 11-59, on a domain with
 * Delegated Management).
 */
export async function loadWithAnswer(ch: SecureChannel, loadFileAid: string, lfdb: Uint8Array, opts: LoadOptions = {}): Promise<{ blocks: number; answer: Uint8Array }> {
  const data = installForLoadData(loadFileAid, opts.sdAid ?? '', opts.hash, opts.token);
  await ch.send({ cla: 0x80, ins: 0xe6, p1: 0x02, p2: 0x00, data, le: 256 }, `INSTALL [for load]${opts.token ? ' with a load token' : ''}`);
  const stream = concat(...(opts.dapBlocks ?? []), Uint8Array.of(0xc4), encodeLength(lfdb.length), lfdb);
  // 224 unless the channel has less room (S16's 16-byte C-MAC with C-DECRYPTION leaves 223).
  const size = opts.blockSize ?? Math.min(224, ch.maxPlainData);
  const blocks = Math.ceil(stream.length / size);
  let answer: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1;
    const r = await ch.send({ cla: 0x80, ins: 0xe8, p1: last ? 0x80 : 0x00, p2: i & 0xff, data: stream.subarray(i * size, (i + 1) * size), le: 256 },
      `LOAD block ${i}${last ? ' (last)' : ''}`);
    answer = r.data;
  }
  return { blocks, answer };
}

/** INSTALL [for load] then LOAD blocks of C4 || load file data block. Returns the number of LOAD commands. */
export async function loadLoadFile(ch: SecureChannel, loadFileAid: string, lfdb: Uint8Array, opts: LoadOptions = {}): Promise<number> {
  return (await loadWithAnswer(ch, loadFileAid, lfdb, opts)).blocks;
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

/**
 * The INSTALL [for install and make selectable] command (P1 0C), with the install token (C.4.2) that `token`
 * signs for a domain with Delegated Management.
 */
export function installCommand(spec: InstallSpec, token?: TokenSigner) {
  const params = concat(Uint8Array.of(0xc9), encodeLength(spec.applicationData?.length ?? 0), spec.applicationData ?? new Uint8Array(0),
    systemParameters(spec.quota));
  const body = concat(lv(fromHex(spec.loadFileAid)), lv(fromHex(spec.moduleAid)), lv(fromHex(spec.instanceAid)),
    lv(fromHex(spec.privileges ?? '00')), berLv(params));
  const data = concat(body, berLv(token ? token(0x0c, 0x00, body) : new Uint8Array(0)));
  return { cla: 0x80, ins: 0xe6, p1: 0x0c, p2: 0x00, data, le: 256 };
}

/** INSTALL [for install and make selectable]; returns the answer's data (an install confirmation, table 11-54). */
export async function installAndMakeSelectable(ch: SecureChannel, spec: InstallSpec, token?: TokenSigner): Promise<Uint8Array> {
  return (await ch.send(installCommand(spec, token), `INSTALL [for install and make selectable]${token ? ' with an install token' : ''}`)).data;
}

/**
 * DELETE of an instance or a load file; `related` also deletes a load file's instances (P2 b8). `token` signs
 * the delete token (C.4.6, table C-9), sent as 9E after the AID, for a domain with Delegated Management.
 */
export async function deleteAid(ch: SecureChannel, aid: string, opts: { related?: boolean; token?: TokenSigner } = {}): Promise<number> {
  const p2 = opts.related ? 0x80 : 0x00;
  const body = concat(Uint8Array.of(0x4f), lv(fromHex(aid)));
  const data = opts.token ? concat(body, Uint8Array.of(0x9e), berLv(opts.token(0x00, p2, body))) : body;
  const r = await ch.transmit({ cla: 0x80, ins: 0xe4, p1: 0x00, p2, data, le: 256 }, `DELETE ${aid}${opts.token ? ' with a delete token' : ''}`);
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
