// Secure Element Access Control (GlobalPlatform SEAC) as the harness sees it on a SIM's ARA-M: typed rules
// (REF-AR-DO with REF-DO and AR-DO, Android's PKG-REF-DO and PERM-AR-DO included), the STORE DATA command data
// objects, the GET DATA [All] / [Next] reading loop, and the resolution a phone's Access Control Enforcer makes
// (seek-for-android AccessRuleCache.findAccessRule). Byte layouts: ../shared/reference/globalplatform.md section 5.
import type { CommandApdu, ResponseApdu } from '../apdu/apdu.ts';
import { CardFault } from '../apdu/card-fault.ts';
import { describeSw, swHex } from '../apdu/status-words.ts';
import { concat, equalBytes, fromHex, hex } from '../bytes.ts';
import { encodeLength, readTlv, TlvError, type Tlv } from '../tlv/ber.ts';

export const ARA_M_AID = fromHex('A00000015141434C00');

/** Rule data that breaks the SEAC / Android encoding; the message says which object and what is wrong. */
export class AraMFormatError extends Error {}

/** The ARA-M answered a status word the operation cannot go on with: a finding about the card (failed). */
export class AraMCardError extends CardFault {
  constructor(
    readonly what: string,
    readonly sw: number,
  ) {
    super(`${what}: ARA-M answered ${describeSw(sw)}`, '9000', swHex(sw));
  }
}

/** Which SE applications a rule is for: one AID (4F), all of them (4F 00), the default-selected one (C0 00). */
export type AidRef = { kind: 'aid'; aid: Uint8Array } | { kind: 'all-se-apps' } | { kind: 'default-selected' };

export interface RefDo {
  aid?: AidRef;
  /** DeviceAppID-REF-DO: the SHA-1 (20) or SHA-256 (32) of the app's signing certificate; empty = all device apps. */
  deviceAppId?: Uint8Array;
  /** PKG-REF-DO, Android's extension: the app's package name (ASCII, 1-127 characters). */
  packageName?: string;
}

/** An APDU filter: a command passes when (its header AND mask) equals header. */
export interface ApduFilter {
  header: Uint8Array;
  mask: Uint8Array;
}

export type ApduRule = { kind: 'never' } | { kind: 'always' } | { kind: 'filters'; filters: ApduFilter[] };

export interface ArDo {
  apdu?: ApduRule;
  nfc?: 'never' | 'always';
  /** PERM-AR-DO, Android's carrier-privilege bit mask (8 bytes). */
  permissions?: Uint8Array;
}

export interface RefArDo {
  ref: RefDo;
  ar: ArDo;
}

const TAG = {
  AID: '4F',
  DEFAULT_SELECTED: 'C0',
  DEVICE_APP_ID: 'C1',
  PACKAGE: 'CA',
  APDU: 'D0',
  NFC: 'D1',
  PERM: 'DB',
  REF_DO: 'E1',
  REF_AR_DO: 'E2',
  AR_DO: 'E3',
  ALL_RULES: 'FF40',
  SPECIFIC: 'FF50',
  REFRESH_TAG: 'DF20',
  STORE: 'F0',
  DELETE: 'F1',
  UPDATE_REFRESH_TAG: 'F2',
} as const;

// ---- encoding ----

function tlv(tag: string, value: Uint8Array): Uint8Array {
  return concat(fromHex(tag), encodeLength(value.length), value);
}

function encodeAidRef(a: AidRef): Uint8Array {
  switch (a.kind) {
    case 'aid':
      if (a.aid.length < 5 || a.aid.length > 16) throw new AraMFormatError(`AID-REF-DO: an AID has 5 to 16 bytes, got ${a.aid.length} (${hex(a.aid)})`);
      return tlv(TAG.AID, a.aid);
    case 'all-se-apps':
      return tlv(TAG.AID, new Uint8Array(0));
    case 'default-selected':
      return tlv(TAG.DEFAULT_SELECTED, new Uint8Array(0));
  }
}

function checkDeviceAppId(h: Uint8Array): void {
  if (h.length !== 0 && h.length !== 20 && h.length !== 32) {
    throw new AraMFormatError(`DeviceAppID-REF-DO (C1): a hash has 0 (all apps), 20 (SHA-1) or 32 (SHA-256) bytes, got ${h.length}`);
  }
}

function packageBytes(name: string): Uint8Array {
  if (name.length === 0 || name.length > 127 || !/^[\x20-\x7e]+$/.test(name)) {
    throw new AraMFormatError(`PKG-REF-DO (CA): a package name is 1 to 127 printable ASCII characters, got ${JSON.stringify(name)}`);
  }
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

/** REF-DO (E1): AID-REF-DO, DeviceAppID-REF-DO, PKG-REF-DO, in that order (the order of SEAC and Android's page). */
export function encodeRefDo(ref: RefDo): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ref.aid) parts.push(encodeAidRef(ref.aid));
  if (ref.deviceAppId) {
    checkDeviceAppId(ref.deviceAppId);
    parts.push(tlv(TAG.DEVICE_APP_ID, ref.deviceAppId));
  }
  if (ref.packageName !== undefined) {
    if (!ref.deviceAppId) throw new AraMFormatError('REF-DO: a PKG-REF-DO (CA) needs a DeviceAppID-REF-DO (C1) beside it');
    parts.push(tlv(TAG.PACKAGE, packageBytes(ref.packageName)));
  }
  if (parts.length === 0) throw new AraMFormatError('REF-DO: empty (needs an AID-REF-DO or a DeviceAppID-REF-DO)');
  return tlv(TAG.REF_DO, concat(...parts));
}

function encodeApduRule(r: ApduRule): Uint8Array {
  switch (r.kind) {
    case 'never':
      return Uint8Array.of(0);
    case 'always':
      return Uint8Array.of(1);
    case 'filters':
      if (r.filters.length === 0) throw new AraMFormatError('APDU-AR-DO (D0): a filter rule needs at least one filter');
      return concat(...r.filters.map((f, i) => {
        if (f.header.length !== 4 || f.mask.length !== 4) {
          throw new AraMFormatError(`APDU-AR-DO (D0): filter ${i} needs a 4-byte header and a 4-byte mask`);
        }
        return concat(f.header, f.mask);
      }));
  }
}

/** AR-DO (E3): APDU-AR-DO, NFC-AR-DO, PERM-AR-DO, in that order. */
export function encodeArDo(ar: ArDo): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ar.apdu) parts.push(tlv(TAG.APDU, encodeApduRule(ar.apdu)));
  if (ar.nfc) parts.push(tlv(TAG.NFC, Uint8Array.of(ar.nfc === 'always' ? 1 : 0)));
  if (ar.permissions) {
    if (ar.permissions.length !== 8) throw new AraMFormatError(`PERM-AR-DO (DB): 8 bytes, got ${ar.permissions.length}`);
    parts.push(tlv(TAG.PERM, ar.permissions));
  }
  if (parts.length === 0) throw new AraMFormatError('AR-DO: empty (needs an APDU-AR-DO, NFC-AR-DO or PERM-AR-DO)');
  return tlv(TAG.AR_DO, concat(...parts));
}

export function encodeRefArDo(rule: RefArDo): Uint8Array {
  return tlv(TAG.REF_AR_DO, concat(encodeRefDo(rule.ref), encodeArDo(rule.ar)));
}

/** What GET DATA [All] answers for these rules: FF40 { REF-AR-DO }*, FF40 00 when there are none. */
export function encodeRuleSet(rules: RefArDo[]): Uint8Array {
  return tlv(TAG.ALL_RULES, concat(...rules.map(encodeRefArDo)));
}

// ---- decoding ----

/** TLVs one after another filling `buf`; unlike parseTlvs no 00/FF padding is skipped (FF40 starts with FF). */
function tlvsIn(buf: Uint8Array, where: string): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < buf.length) {
    let t: Tlv;
    try {
      t = readTlv(buf, p);
    } catch (err) {
      throw new AraMFormatError(`${where}: ${err instanceof TlvError ? err.message : String(err)}`);
    }
    out.push(t);
    p = t.valueOffset + t.length;
  }
  return out;
}

/** Exactly one TLV with tag `tag` filling `buf`. */
function single(buf: Uint8Array, tag: string, where: string): Tlv {
  const all = tlvsIn(buf, where);
  if (all.length !== 1) throw new AraMFormatError(`${where}: expected one ${tag} data object, found ${all.length} (${all.map((t) => t.tag).join(', ') || 'none'})`);
  const t = all[0]!;
  if (t.tag !== tag) throw new AraMFormatError(`${where}: expected tag ${tag}, found ${t.tag}`);
  return t;
}

function once(seen: Set<string>, tag: string, where: string): void {
  if (seen.has(tag)) throw new AraMFormatError(`${where}: ${tag} appears twice`);
  seen.add(tag);
}

function decodeAidRef(t: Tlv, where: string): AidRef {
  if (t.tag === TAG.DEFAULT_SELECTED) {
    if (t.length !== 0) throw new AraMFormatError(`${where}: C0 (default-selected application) must be empty, has ${t.length} bytes`);
    return { kind: 'default-selected' };
  }
  if (t.length === 0) return { kind: 'all-se-apps' };
  if (t.length < 5 || t.length > 16) throw new AraMFormatError(`${where}: AID-REF-DO (4F) of ${t.length} bytes; an AID has 5 to 16`);
  return { kind: 'aid', aid: t.value.slice() };
}

function decodeRefDoValue(value: Uint8Array, where: string): RefDo {
  const ref: RefDo = {};
  const seen = new Set<string>();
  for (const t of tlvsIn(value, where)) {
    switch (t.tag) {
      case TAG.AID:
      case TAG.DEFAULT_SELECTED:
        once(seen, 'AID-REF-DO (4F/C0)', where);
        ref.aid = decodeAidRef(t, where);
        break;
      case TAG.DEVICE_APP_ID:
        once(seen, t.tag, where);
        try {
          checkDeviceAppId(t.value);
        } catch (err) {
          throw new AraMFormatError(`${where}: ${(err as Error).message}`);
        }
        ref.deviceAppId = t.value.slice();
        break;
      case TAG.PACKAGE:
        once(seen, t.tag, where);
        if (t.length === 0 || t.length > 127 || t.value.some((c) => c < 0x20 || c > 0x7e)) {
          throw new AraMFormatError(`${where}: PKG-REF-DO (CA) must be 1 to 127 printable ASCII bytes, got ${hex(t.value)}`);
        }
        ref.packageName = String.fromCharCode(...t.value);
        break;
      default:
        throw new AraMFormatError(`${where}: unexpected tag ${t.tag} in a REF-DO (allowed: 4F, C0, C1, CA)`);
    }
  }
  if (seen.size === 0) throw new AraMFormatError(`${where}: empty REF-DO`);
  if (ref.packageName !== undefined && !ref.deviceAppId) throw new AraMFormatError(`${where}: PKG-REF-DO (CA) without a DeviceAppID-REF-DO (C1)`);
  return ref;
}

function decodeArDoValue(value: Uint8Array, where: string): ArDo {
  const ar: ArDo = {};
  const seen = new Set<string>();
  for (const t of tlvsIn(value, where)) {
    once(seen, t.tag, where);
    switch (t.tag) {
      case TAG.APDU:
        if (t.length === 1) {
          if (t.value[0]! > 1) throw new AraMFormatError(`${where}: APDU-AR-DO (D0) generic rule must be 00 or 01, got ${hex(t.value)}`);
          ar.apdu = { kind: t.value[0] === 1 ? 'always' : 'never' };
        } else {
          if (t.length === 0 || t.length % 8 !== 0) throw new AraMFormatError(`${where}: APDU-AR-DO (D0) of ${t.length} bytes; 1 (generic) or a multiple of 8 (filters)`);
          const filters: ApduFilter[] = [];
          for (let i = 0; i < t.length; i += 8) filters.push({ header: t.value.slice(i, i + 4), mask: t.value.slice(i + 4, i + 8) });
          ar.apdu = { kind: 'filters', filters };
        }
        break;
      case TAG.NFC:
        if (t.length !== 1 || t.value[0]! > 1) throw new AraMFormatError(`${where}: NFC-AR-DO (D1) must be one byte 00 or 01, got ${hex(t.value)}`);
        ar.nfc = t.value[0] === 1 ? 'always' : 'never';
        break;
      case TAG.PERM:
        if (t.length !== 8) throw new AraMFormatError(`${where}: PERM-AR-DO (DB) must have 8 bytes, has ${t.length}`);
        ar.permissions = t.value.slice();
        break;
      default:
        throw new AraMFormatError(`${where}: unexpected tag ${t.tag} in an AR-DO (allowed: D0, D1, DB)`);
    }
  }
  if (seen.size === 0) throw new AraMFormatError(`${where}: empty AR-DO`);
  return ar;
}

function decodeRefArDoValue(value: Uint8Array, where: string): RefArDo {
  const parts = tlvsIn(value, where);
  if (parts.length !== 2 || parts[0]!.tag !== TAG.REF_DO || parts[1]!.tag !== TAG.AR_DO) {
    throw new AraMFormatError(`${where}: a REF-AR-DO holds a REF-DO (E1) then an AR-DO (E3), found ${parts.map((t) => t.tag).join(', ') || 'nothing'}`);
  }
  return { ref: decodeRefDoValue(parts[0]!.value, `${where} REF-DO`), ar: decodeArDoValue(parts[1]!.value, `${where} AR-DO`) };
}

export function decodeRefDo(bytes: Uint8Array): RefDo {
  return decodeRefDoValue(single(bytes, TAG.REF_DO, 'REF-DO').value, 'REF-DO');
}

export function decodeArDo(bytes: Uint8Array): ArDo {
  return decodeArDoValue(single(bytes, TAG.AR_DO, 'AR-DO').value, 'AR-DO');
}

export function decodeRefArDo(bytes: Uint8Array): RefArDo {
  return decodeRefArDoValue(single(bytes, TAG.REF_AR_DO, 'REF-AR-DO').value, 'REF-AR-DO');
}

/** The GET DATA [All] answer, FF40 { REF-AR-DO }*, all of it (after GET DATA [Next]). */
export function decodeRuleSet(bytes: Uint8Array): RefArDo[] {
  const all = single(bytes, TAG.ALL_RULES, 'GET DATA [All] response');
  return tlvsIn(all.value, 'GET DATA [All] response').map((t, i) => {
    const where = `REF-AR-DO #${i + 1}`;
    if (t.tag !== TAG.REF_AR_DO) throw new AraMFormatError(`${where}: expected tag E2, found ${t.tag}`);
    return decodeRefArDoValue(t.value, where);
  });
}

// ---- STORE DATA command data objects ----

/** What Command-Delete (F1) removes: every rule, the rules for an AID, the rule for a REF-DO, or one exact rule. */
export type DeleteSelector = { all: true } | { aid: AidRef } | { ref: RefDo } | { rule: RefArDo };

export type StoreCommand =
  | { kind: 'store'; rules: RefArDo[] }
  | { kind: 'delete'; selector: DeleteSelector }
  | { kind: 'update-refresh-tag' };

/** Command-Store-REF-AR-DO (F0) with one or more rules. */
export function encodeStoreRules(rules: RefArDo[]): Uint8Array {
  if (rules.length === 0) throw new AraMFormatError('Command-Store-REF-AR-DO: no rule to store');
  return tlv(TAG.STORE, concat(...rules.map(encodeRefArDo)));
}

/** Command-Delete (F1). */
export function encodeDelete(selector: DeleteSelector): Uint8Array {
  if ('all' in selector) return tlv(TAG.DELETE, new Uint8Array(0));
  if ('aid' in selector) return tlv(TAG.DELETE, encodeAidRef(selector.aid));
  if ('ref' in selector) return tlv(TAG.DELETE, encodeRefDo(selector.ref));
  return tlv(TAG.DELETE, encodeRefArDo(selector.rule));
}

/** Command-UpdateRefreshTag (F2). */
export function encodeUpdateRefreshTag(): Uint8Array {
  return tlv(TAG.UPDATE_REFRESH_TAG, new Uint8Array(0));
}

export function encodeStoreCommand(cmd: StoreCommand): Uint8Array {
  switch (cmd.kind) {
    case 'store':
      return encodeStoreRules(cmd.rules);
    case 'delete':
      return encodeDelete(cmd.selector);
    case 'update-refresh-tag':
      return encodeUpdateRefreshTag();
  }
}

/** Reads a STORE DATA data field back into the command it carries (for traces and card-side checks). */
export function decodeStoreCommand(bytes: Uint8Array): StoreCommand {
  const all = tlvsIn(bytes, 'STORE DATA');
  if (all.length !== 1) throw new AraMFormatError(`STORE DATA: expected one command data object, found ${all.length}`);
  const t = all[0]!;
  switch (t.tag) {
    case TAG.STORE: {
      const rules = tlvsIn(t.value, 'Command-Store-REF-AR-DO').map((r, i) => {
        const where = `Command-Store-REF-AR-DO rule #${i + 1}`;
        if (r.tag !== TAG.REF_AR_DO) throw new AraMFormatError(`${where}: expected tag E2, found ${r.tag}`);
        return decodeRefArDoValue(r.value, where);
      });
      if (rules.length === 0) throw new AraMFormatError('Command-Store-REF-AR-DO: no rule in it');
      return { kind: 'store', rules };
    }
    case TAG.DELETE: {
      if (t.length === 0) return { kind: 'delete', selector: { all: true } };
      const sels = tlvsIn(t.value, 'Command-Delete');
      if (sels.length !== 1) throw new AraMFormatError(`Command-Delete: one selector expected, found ${sels.length} (${sels.map((x) => x.tag).join(', ')})`);
      const sel = sels[0]!;
      switch (sel.tag) {
        case TAG.AID:
        case TAG.DEFAULT_SELECTED:
          return { kind: 'delete', selector: { aid: decodeAidRef(sel, 'Command-Delete AID-REF-DO') } };
        case TAG.REF_DO:
          return { kind: 'delete', selector: { ref: decodeRefDoValue(sel.value, 'Command-Delete REF-DO') } };
        case TAG.REF_AR_DO:
          return { kind: 'delete', selector: { rule: decodeRefArDoValue(sel.value, 'Command-Delete REF-AR-DO') } };
        default:
          throw new AraMFormatError(`Command-Delete: unexpected selector tag ${sel.tag} (allowed: 4F, C0, E1, E2)`);
      }
    }
    case TAG.UPDATE_REFRESH_TAG:
      if (t.length !== 0) throw new AraMFormatError(`Command-UpdateRefreshTag (F2) must be empty, has ${t.length} bytes`);
      return { kind: 'update-refresh-tag' };
    default:
      throw new AraMFormatError(`STORE DATA: unknown command data object ${t.tag} (this harness writes F0, F1, F2)`);
  }
}

/** STORE DATA for the ARA-M: P1 90 (last block, BER-TLV), P2 00; every command data object fits one command. */
export function storeDataCommand(data: Uint8Array): CommandApdu {
  if (data.length === 0 || data.length > 255) throw new AraMFormatError(`STORE DATA: command data of ${data.length} bytes (1 to 255 fit one command)`);
  return { cla: 0x80, ins: 0xe2, p1: 0x90, p2: 0x00, data };
}

// ---- GET DATA ----

/** seek-for-android's Le: some modems mishandle Le 00 or FF. */
export const DEFAULT_MAX_LE = 0xf0;

export function getDataAllCommand(le = DEFAULT_MAX_LE): CommandApdu {
  return { cla: 0x80, ins: 0xca, p1: 0xff, p2: 0x40, le };
}

export function getDataNextCommand(le = DEFAULT_MAX_LE): CommandApdu {
  return { cla: 0x80, ins: 0xca, p1: 0xff, p2: 0x60, le };
}

export function getDataSpecificCommand(ref: RefDo, le = DEFAULT_MAX_LE): CommandApdu {
  return { cla: 0x80, ins: 0xca, p1: 0xff, p2: 0x50, data: encodeRefDo(ref), le };
}

export function getRefreshTagCommand(): CommandApdu {
  return { cla: 0x80, ins: 0xca, p1: 0xdf, p2: 0x20, le: 256 };
}

/** DF20 08 tag -> the 8-byte refresh tag. */
export function decodeRefreshTag(bytes: Uint8Array): Uint8Array {
  const t = single(bytes, TAG.REFRESH_TAG, 'GET DATA [Refresh] response');
  if (t.length !== 8) throw new AraMFormatError(`GET DATA [Refresh] response: the refresh tag has 8 bytes, got ${t.length}`);
  return t.value.slice();
}

/** FF50 { AR-DO } -> the AR-DO; undefined for FF50 00. */
export function decodeSpecificResponse(bytes: Uint8Array): ArDo | undefined {
  const t = single(bytes, TAG.SPECIFIC, 'GET DATA [Specific] response');
  if (t.length === 0) return undefined;
  return decodeArDo(t.value);
}

/** Anything that sends one command APDU and returns the response: CardSession.transmit, SecureChannel.transmit. */
export type SendApdu = (cmd: CommandApdu) => Promise<ResponseApdu>;

export interface ReadAllOptions {
  /** Le of each GET DATA (1..256). */
  maxLe?: number;
}

export interface ReadAllResult {
  /** The whole FF40 object, as the segments joined. */
  data: Uint8Array;
  rules: RefArDo[];
  /** GET DATA [Next] commands it took. */
  nextCommands: number;
}

/**
 * GET DATA [All], then GET DATA [Next] until the FF40 object's length is read, as seek-for-android's
 * AccessRuleApplet.readAllAccessRules does (the first segment's TLV header gives the total). 6A88 to [All] means
 * no rules, as there. The loop ends when the length is reached; a segment that brings nothing or too much, or any
 * status word but 9000, is an error.
 */
export async function readAllRules(send: SendApdu, opts: ReadAllOptions = {}): Promise<ReadAllResult> {
  const maxLe = opts.maxLe ?? DEFAULT_MAX_LE;
  if (!Number.isInteger(maxLe) || maxLe < 1 || maxLe > 256) throw new RangeError(`maxLe must be 1..256, got ${maxLe}`);
  const first = await send(getDataAllCommand(maxLe));
  if (first.sw === 0x6a88) return { data: encodeRuleSet([]), rules: [], nextCommands: 0 };
  if (first.sw !== 0x9000) throw new AraMCardError('GET DATA [All]', first.sw);
  let total: number;
  try {
    const head = readTlvHeader(first.data);
    if (head.tag !== TAG.ALL_RULES) throw new AraMFormatError(`GET DATA [All] response: expected tag FF40, found ${head.tag}`);
    total = head.size;
  } catch (err) {
    if (err instanceof AraMFormatError) throw err;
    throw new AraMFormatError(`GET DATA [All] response: ${(err as Error).message}`);
  }
  const parts = [first.data];
  let got = first.data.length;
  let nextCommands = 0;
  while (got < total) {
    const r = await send(getDataNextCommand(Math.min(maxLe, total - got)));
    nextCommands++;
    if (r.sw !== 0x9000) throw new AraMCardError(`GET DATA [Next] after ${got} of ${total} bytes`, r.sw);
    if (r.data.length === 0) throw new AraMFormatError(`GET DATA [Next] after ${got} of ${total} bytes brought no data`);
    parts.push(r.data);
    got += r.data.length;
  }
  if (got > total) throw new AraMFormatError(`GET DATA [All]/[Next] brought ${got} bytes, more than the ${total} the FF40 length announces`);
  const data = concat(...parts);
  return { data, rules: decodeRuleSet(data), nextCommands };
}

/** The tag and whole size of a TLV from its first bytes only (the rest may still be on the card). */
function readTlvHeader(buf: Uint8Array): { tag: string; size: number } {
  let p = 0;
  const need = (n: number): void => {
    if (p + n > buf.length) throw new AraMFormatError(`GET DATA [All] response: ${buf.length} bytes are too few for the FF40 header`);
  };
  need(1);
  const tagBytes = [buf[p++]!];
  if ((tagBytes[0]! & 0x1f) === 0x1f) {
    do {
      need(1);
      tagBytes.push(buf[p++]!);
    } while (tagBytes[tagBytes.length - 1]! & 0x80 && tagBytes.length < 4);
  }
  need(1);
  let len = buf[p++]!;
  if (len === 0x80 || len > 0x83) throw new AraMFormatError(`GET DATA [All] response: unsupported length byte ${len.toString(16)}`);
  if (len > 0x80) {
    const n = len & 0x7f;
    need(n);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  return { tag: hex(Uint8Array.from(tagBytes)), size: p + len };
}

// ---- the enforcer's resolution ----

/** A device application asking for an SE application: its AID (or the default-selected one) and its cert hashes. */
export interface AccessRequest {
  aid: Uint8Array | 'default-selected';
  /** Hashes of the app's certificates (seek-for-android walks the chain); any one of them may match. */
  deviceAppIds: Uint8Array[];
}

/**
 * Which step of AccessRuleCache.findAccessRule decided: a rule for (this AID, this app); NEVER because a rule for
 * this AID names another app; (this AID, all apps); (all AIDs, this app); NEVER because an all-AIDs rule names
 * another app; (all AIDs, all apps); no rule at all (no access).
 */
export type ResolutionStep = 'aid+app' | 'aid:other-app' | 'aid+all-apps' | 'all-aids+app' | 'all-aids:other-app' | 'all-aids+all-apps' | 'no-rule';

export interface AccessDecision {
  step: ResolutionStep;
  apdu: ApduRule;
  nfc: 'never' | 'always';
  /** The rules with the deciding (AID, app) reference, merged into this decision; empty for NEVER and no-rule. */
  rules: RefArDo[];
}

function aidKeyEquals(a: AidRef, b: AidRef): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'aid' || equalBytes(a.aid, (b as { aid: Uint8Array }).aid);
}

const NEVER: Pick<AccessDecision, 'apdu' | 'nfc'> = { apdu: { kind: 'never' }, nfc: 'never' };

/**
 * Merges the AR-DOs of rules with the same (AID, app) reference the way the enforcer's cache does (putWithMerge):
 * the more restrictive wins. APDU: NEVER (or a rule with no APDU-AR-DO, which grants no APDU access) beats
 * filters, whose lists add up, which beat ALWAYS. NFC: an absent NFC-AR-DO follows its rule's APDU rule
 * (mapArDo2ChannelAccess), except that filters leave it undefined; NEVER beats ALWAYS beats undefined (= no access).
 */
function merge(rules: RefArDo[]): Pick<AccessDecision, 'apdu' | 'nfc'> {
  let never = false;
  const filters: ApduFilter[] = [];
  let nfcNever = false;
  let nfcAlways = false;
  for (const { ar } of rules) {
    const apdu = ar.apdu;
    if (!apdu || apdu.kind === 'never') never = true;
    else if (apdu.kind === 'filters') filters.push(...apdu.filters);
    const nfc = ar.nfc ?? (apdu?.kind === 'never' ? 'never' : apdu?.kind === 'always' ? 'always' : undefined);
    if (nfc === 'never') nfcNever = true;
    if (nfc === 'always') nfcAlways = true;
  }
  const apdu: ApduRule = never ? { kind: 'never' } : filters.length > 0 ? { kind: 'filters', filters } : { kind: 'always' };
  return { apdu, nfc: !nfcNever && nfcAlways ? 'always' : 'never' };
}

/**
 * The access a phone's Access Control Enforcer grants from the ARA-M's rules (globalplatform.md section 5;
 * seek-for-android AccessRuleCache.findAccessRule). Rules are keyed by (AID-REF-DO, DeviceAppID-REF-DO) only, as
 * there: a PKG-REF-DO does not narrow an APDU rule, and a rule without an AID-REF-DO or a DeviceAppID-REF-DO (an
 * Android carrier-privilege rule) is no APDU rule at all.
 */
export function resolveAccess(rules: RefArDo[], request: AccessRequest): AccessDecision {
  const aid: AidRef = request.aid === 'default-selected' ? { kind: 'default-selected' } : { kind: 'aid', aid: request.aid };
  const all: AidRef = { kind: 'all-se-apps' };
  const keyed = rules.filter((r) => r.ref.aid && r.ref.deviceAppId);
  const forAid = (a: AidRef): RefArDo[] => keyed.filter((r) => aidKeyEquals(r.ref.aid!, a));
  const forAllApps = (list: RefArDo[]): RefArDo[] => list.filter((r) => r.ref.deviceAppId!.length === 0);
  const specific = (list: RefArDo[]): boolean => list.some((r) => r.ref.deviceAppId!.length > 0);
  const decide = (step: ResolutionStep, hit: RefArDo[]): AccessDecision => ({ step, ...merge(hit), rules: hit });

  // seek-for-android tries the app's certificates in order and takes the first that has a rule.
  const byFirstMatchingCert = (list: RefArDo[]): RefArDo[] => {
    for (const h of request.deviceAppIds) {
      const hit = list.filter((r) => r.ref.deviceAppId!.length > 0 && equalBytes(h, r.ref.deviceAppId!));
      if (hit.length > 0) return hit;
    }
    return [];
  };

  const aidRules = forAid(aid);
  let hit = byFirstMatchingCert(aidRules);
  if (hit.length > 0) return decide('aid+app', hit);
  if (specific(aidRules)) return { step: 'aid:other-app', ...NEVER, rules: [] };
  hit = forAllApps(aidRules);
  if (hit.length > 0) return decide('aid+all-apps', hit);
  const allRules = forAid(all);
  hit = byFirstMatchingCert(allRules);
  if (hit.length > 0) return decide('all-aids+app', hit);
  if (specific(allRules)) return { step: 'all-aids:other-app', ...NEVER, rules: [] };
  hit = forAllApps(allRules);
  if (hit.length > 0) return decide('all-aids+all-apps', hit);
  return { step: 'no-rule', ...NEVER, rules: [] };
}

/** Whether a command with this 4-byte header (CLA INS P1 P2) may go through under the decision. */
export function apduPermitted(decision: Pick<AccessDecision, 'apdu'>, header: Uint8Array): boolean {
  if (header.length < 4) throw new RangeError(`an APDU header has 4 bytes, got ${header.length}`);
  const rule = decision.apdu;
  if (rule.kind !== 'filters') return rule.kind === 'always';
  return rule.filters.some((f) => f.header.every((h, i) => (header[i]! & f.mask[i]!) === h));
}
