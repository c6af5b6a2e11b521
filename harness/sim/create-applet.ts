// jCardSim's CREATE APPLET (80 B8), which the bundled simulator takes too: installs an instance of an applet class
// the simulator has loaded, with the application data given, without GlobalPlatform. Emulated cards only.
import type { CardSession } from '../apdu/session.ts';
import { concat, equalBytes, hex } from '../bytes.ts';

export async function createAppletInstance(session: CardSession, aid: Uint8Array, applicationData: Uint8Array = new Uint8Array(0)): Promise<void> {
  // jCardSim's format: aidLen AID, then an empty control field and the application data, GP install layout.
  const r = await session.send({ cla: 0x80, ins: 0xb8, p1: 0, p2: 0, data: concat(Uint8Array.of(aid.length), aid, Uint8Array.of(0, applicationData.length), applicationData) },
    { name: `CREATE APPLET ${hex(aid)} (jCardSim)` });
  if (!equalBytes(r.data, aid)) {
    throw new Error(`CREATE APPLET answered instance AID ${hex(r.data)}, expected ${hex(aid)}`);
  }
}
