// What an engineer reads in the trace of a secure-channel session: INSTALL's AIDs, privileges and install
// parameters, STORE DATA's DGI tags and lengths (a DGI that spans blocks followed across them), while the values of
// sensitive DGIs (EMV CPS: 8000 to 8FFF), every DGI of an encrypted block, PUT KEY's key data and the MAC on the
// wire never appear. Commands are built by the harness's own builders (installCommand, encodeDgi, splitIntoBlocks)
// and recorded through the real ApduTrace.
import { describe, expect, it } from 'vitest';
import { concat, hex } from '../bytes.ts';
import { ApduTrace } from '../apdu/trace.ts';
import type { CommandApdu } from '../apdu/apdu.ts';
import { encodeDgi, splitIntoBlocks } from '../tlv/dgi.ts';
import { decodeCommand, type DgiStreamState } from './command-decode.ts';
import { installCommand } from './content.ts';

/**
 * Records a command as the secure channel does (secure-channel.ts): a stand-in wrapped form (C-MAC only: the data
 * in clear, then an 8-byte MAC), masked when the plain view has secrets, and the plain view.
 */
function traced(cmds: CommandApdu[], opts: { secret?: boolean } = {}): string {
  const trace = new ApduTrace();
  const dgi: DgiStreamState = {};
  for (const cmd of cmds) {
    const data = cmd.data ?? new Uint8Array(0);
    const mac = Uint8Array.of(0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8);
    const wire = Uint8Array.from([cmd.cla | 0x04, cmd.ins, cmd.p1, cmd.p2, data.length + 8, ...data, ...mac]);
    const t = trace.now();
    const plain = decodeCommand(cmd, { secret: opts.secret ?? false, dgi });
    trace.record({
      name: 'cmd', command: wire, headerLength: 4, dataOffset: 5, dataLength: data.length + 8, response: new Uint8Array(0), sw: 0x9000,
      start: t, end: t, redact: opts.secret || plain.secret.length > 0 ? 'command-data' : undefined, plain,
      mac: { command: 8, response: 0 },
    });
  }
  return trace.format();
}

const spaced = (b: Uint8Array): string => hex(b, ' ');
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

describe('secure-channel commands decoded in the trace', () => {
  it('INSTALL [for install and make selectable]: AIDs, privileges and install parameters named; the MAC masked', () => {
    const text = traced([installCommand({
      loadFileAid: 'D392F0002601', moduleAid: 'D392F000260100000001', instanceAid: 'D392F000260100000001',
      privileges: '00', applicationData: Uint8Array.of(0x80, 0x01, 0x02), quota: { nonVolatile: 0x4000 },
    })]);
    expect(text).toContain('INSTALL [for install and make selectable]');
    expect(text).toContain('load file AID (6 bytes): D3 92 F0 00 26 01');
    expect(text).toContain('application AID (10 bytes): D3 92 F0 00 26 01 00 00 00 01');
    expect(text).toContain('privileges (1 byte): 00');
    expect(text).toContain('application data (C9), 3 bytes: 80 01 02');
    expect(text).toContain('system parameters (EF), 4 bytes: C8 02 40 00');
    expect(text).not.toContain('A1 A2 A3 A4 A5 A6 A7 A8');
    expect(text).toMatch(/> 84 E6 0C 00 \S\S (\S\S )+\*\* \*\* \*\* \*\* \*\* \*\* \*\* \*\*\n/);
  });

  it('STORE DATA in DGI format: tags and lengths shown across blocks; sensitive DGI values masked', () => {
    const key = fill(128, 0x5b); // an RSA CRT component of 1024-bit key, DGI 8205
    const pin = new TextEncoder().encode('4321');
    const stream = [encodeDgi({ id: 0x9010, data: Uint8Array.of(3, 3) }), encodeDgi({ id: 0x8205, data: key }),
      encodeDgi({ id: 0x8010, data: pin }), encodeDgi({ id: 0xa00a, data: fill(300, 0x30) })];
    const all = concat(...stream);
    const blocks = splitIntoBlocks(all, 100);
    const text = traced(blocks.map((b, i) => ({ cla: 0x80, ins: 0xe2, p1: 0x08 | (i === blocks.length - 1 ? 0x80 : 0), p2: i, data: b })), { secret: true });
    expect(text).toContain('STORE DATA block 0, DGI format, not encrypted');
    expect(text).toContain('DGI 9010, 2 bytes: 03 03');
    expect(text).toContain('DGI 8205, 128 bytes, 92 in this block, continues in the next (sensitive DGI, value masked)');
    expect(text).toContain('DGI 8205 continued, 36 bytes (sensitive, masked): ‹32 bytes masked›');
    expect(text).toContain('DGI 8010, 4 bytes (sensitive DGI, value masked): ** ** ** **');
    expect(text).toContain('DGI A00A, 300 bytes, ');
    expect(text).toContain(`STORE DATA block ${blocks.length - 1} (last)`);
    // The 300-byte EF value ends in the last block, as its own continuation, not as a new DGI.
    expect(blocks).toHaveLength(5);
    expect(text.match(/DGI A00A continued/g)).toHaveLength(3);
    expect(text).toContain('DGI A00A continued, 48 bytes: 30 30');
    for (const secret of [key.subarray(0, 8), pin]) expect(text).not.toContain(spaced(secret));
  });

  it('an encrypted STORE DATA block masks every DGI value; PUT KEY shows only the new key version', () => {
    const text = traced([
      { cla: 0x80, ins: 0xe2, p1: 0x68, p2: 0, data: encodeDgi({ id: 0x9011, data: fill(16, 0x77) }) },
      { cla: 0x80, ins: 0xd8, p1: 0x00, p2: 0x81, data: Uint8Array.of(0x31, 0x88, 0x10, ...fill(16, 0x66), 0x03, 1, 2, 3) },
    ]);
    expect(text).toContain('DGI 9011, 16 bytes (encrypted under the DEK, masked)');
    expect(text).toContain('PUT KEY, new key version: 31');
    expect(text).not.toContain(spaced(fill(4, 0x77)));
    expect(text).not.toContain(spaced(fill(4, 0x66)));
  });
});
