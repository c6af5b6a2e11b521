// Reads a Java Card CAP file (a ZIP of <package path>/javacard/<Component>.cap) into what LOAD sends: the Load
// File Data Block, the raw components concatenated in the order GlobalPlatformPro's capfile uses (Header,
// Directory, Import, Applet, Class, Method, StaticField, Export, ConstantPool, RefLocation; Descriptor and Debug
// left out; missing ones skipped), plus the package and applet AIDs from the Header and Applet components
// (Java Card Virtual Machine Specification 3.0.5, chapter 6). ../shared/reference/globalplatform.md section 4.1.
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { concat, hex } from '../bytes.ts';

export const LOAD_ORDER = ['Header', 'Directory', 'Import', 'Applet', 'Class', 'Method', 'StaticField', 'Export', 'ConstantPool', 'RefLocation'] as const;

export interface CapFile {
  packageAid: string;
  packageVersion: string;
  appletAids: string[];
  /** Components found, by name (raw bytes, tag and size included). */
  components: Map<string, Uint8Array>;
  /** Load File Data Block: the components in load order. */
  loadFileDataBlock: Uint8Array;
}

export class CapFileError extends Error {}

/** A ZIP archive ends with its end-of-central-directory record, 22 bytes at the least (PKWARE APPNOTE 4.3.16). */
const ZIP_END_RECORD = 22;

export function readCapFile(zip: Uint8Array): CapFile {
  // Refused before fflate sees it: shorter than its end record, fflate searches 64 KiB before the buffer for one.
  if (zip.length < ZIP_END_RECORD) throw new CapFileError(`not a CAP file (not a ZIP archive): ${zip.length} bytes, shorter than a ZIP end record (${ZIP_END_RECORD})`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    throw new CapFileError(`not a CAP file (not a ZIP archive): ${(err as Error).message}`);
  }
  const components = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    const m = /(?:^|\/)javacard\/(\w+)\.cap$/.exec(name);
    if (m) {
      if (components.has(m[1]!)) throw new CapFileError(`two ${m[1]}.cap components: one package per CAP file`);
      components.set(m[1]!, data);
    }
  }
  const header = components.get('Header');
  if (!header) throw new CapFileError('no Header.cap component: not a CAP file');
  if (header[0] !== 0x01 || hex(header.subarray(3, 7)) !== 'DECAFFED') throw new CapFileError('Header.cap does not start with tag 01 and magic DECAFFED');
  const aidLen = header[12]!;
  const packageAid = hex(header.subarray(13, 13 + aidLen));
  const packageVersion = `${header[11]}.${header[10]}`;
  const appletAids: string[] = [];
  const applet = components.get('Applet');
  if (applet) {
    if (applet[0] !== 0x03) throw new CapFileError('Applet.cap does not start with tag 03');
    let p = 4;
    for (let i = 0; i < applet[3]!; i++) {
      const len = applet[p]!;
      appletAids.push(hex(applet.subarray(p + 1, p + 1 + len)));
      p += 1 + len + 2; // AID, then install_method_offset (u2)
    }
  }
  for (const [name, data] of components) {
    const size = (data[1]! << 8) | data[2]!;
    if (size + 3 !== data.length) throw new CapFileError(`${name}.cap says ${size} bytes after its header but holds ${data.length - 3}`);
  }
  const loadFileDataBlock = concat(...LOAD_ORDER.flatMap((n) => (components.has(n) ? [components.get(n)!] : [])));
  return { packageAid, packageVersion, appletAids, components, loadFileDataBlock };
}

/** The LFDB hash of GPCS C.2 (over the block without the C4 tag and length). */
export function loadFileHash(lfdb: Uint8Array, alg: 'sha1' | 'sha256' = 'sha256'): Uint8Array {
  return new Uint8Array(createHash(alg).update(lfdb).digest());
}
