// Benchmark (not a test): what the bundled simulator costs per APDU beyond its socket (issue 20, item 4). In one run
// it drives two Java processes on the vicc side of vpcd's protocol over loopback with the same client loop (the
// harness's VpcdTransport, one raw APDU out, one answer back): the simulator with the reference profile's card
// (JPKI AP installed through the security domain and personalized, so the applet holds its keys, PINs and files)
// answering a SELECT of the JPKI AP, and an echo server (org.simcert.cardsim.tools.VpcdEcho) that answers 9000 to
// everything. Rounds alternate between the two so that load from elsewhere on the machine falls on both alike.
// Prints the median round trip of each and their ratio; the goal is a simulator within 1.5x of the echo.
// Run: npm run bench:sim [-- SAMPLES]   (default 4000 per side)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { CardSession } from '../harness/apdu/session.ts';
import { fromHex } from '../harness/bytes.ts';
import { median } from '../harness/bench/stats.ts';
import { repoRoot } from '../harness/paths.ts';
import { loadProfile } from '../harness/profile/index.ts';
import { knownSuites } from '../harness/run/suites.ts';
import { buildLab } from '../harness/sim/build.ts';
import { SIMULATOR_JVM_OPTIONS, startSimulator } from '../harness/sim/launch.ts';
import { provisionEmulatedCard } from '../harness/sim/provision-emulated.ts';
import { VpcdListener, type VpcdTransport } from '../harness/transport/vpcd.ts';

const GOAL = 1.5;
const SAMPLES = Number(process.argv[2] ?? 4000);
if (!Number.isInteger(SAMPLES) || SAMPLES < 1) throw new Error(`SAMPLES must be a whole number >= 1, not ${process.argv[2]}`);
const ROUNDS = Math.min(10, SAMPLES);
const PER_ROUND = Math.ceil(SAMPLES / ROUNDS);
const WARMUP = Math.min(2000, SAMPLES); // lets both JVMs compile their hot paths before anything counts

const profile = await loadProfile(join(repoRoot, 'profiles', 'emulated', 'reference.yaml'), { knownSuites: await knownSuites() });
const select = (() => {
  const aid = fromHex(profile.ixit.jpki.aid);
  return Uint8Array.from([0x00, 0xa4, 0x04, 0x0c, aid.length, ...aid]);
})();

async function startEcho(): Promise<{ transport: VpcdTransport; stop: () => Promise<void> }> {
  const lab = await buildLab();
  const listener = await VpcdListener.listen({ host: '127.0.0.1', port: 0 });
  const child = spawn('java', [...SIMULATOR_JVM_OPTIONS, '-cp', lab.cardsimClasses, 'org.simcert.cardsim.tools.VpcdEcho', listener.host, String(listener.port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<Error>((resolve) => child.on('exit', (code) => resolve(new Error(`the echo server exited (code ${code})`))));
  const transport = await listener.accept(20_000, exited);
  await transport.connect();
  return {
    transport,
    stop: async () => {
      await transport.close();
      await exited;
      await listener.close();
    },
  };
}

async function startCard(): Promise<{ transport: VpcdTransport; stop: () => Promise<void> }> {
  const sim = await startSimulator(profile.sim!, { connectTimeoutMs: 20_000, apduTimeoutMs: 30_000 });
  await sim.transport.connect();
  await provisionEmulatedCard(new CardSession(sim.transport, { extendedLength: profile.ics.extendedLength }), profile);
  return { transport: sim.transport, stop: () => sim.stop() };
}

const [echo, card] = await Promise.all([startEcho(), startCard()]);

async function roundTrip(t: VpcdTransport, who: string): Promise<void> {
  const r = await t.transmit(select);
  if (r.length !== 2 || r[0] !== 0x90 || r[1] !== 0x00) throw new Error(`${who}: SELECT answered ${Buffer.from(r).toString('hex')}, not 9000`);
}

const samples = { sim: [] as number[], echo: [] as number[] };
for (let round = 0; round <= ROUNDS; round++) {
  // Round 0 is the warm-up and is not kept.
  const n = round === 0 ? WARMUP : PER_ROUND;
  const bench = new Bench({ iterations: n, time: 0, warmupIterations: 0, warmupTime: 0, retainSamples: true, throws: true });
  const [first, second] = round % 2 === 0 ? (['sim', 'echo'] as const) : (['echo', 'sim'] as const);
  for (const who of [first, second]) bench.add(who, async () => {
    await roundTrip(who === 'sim' ? card.transport : echo.transport, who);
  });
  await bench.run();
  if (round === 0) continue;
  for (const task of bench.tasks) {
    const r = task.result;
    if (!r || !('latency' in r) || !r.latency.samples) throw new Error(`${task.name}: no result (the task failed)`);
    samples[task.name as 'sim' | 'echo'].push(...r.latency.samples);
  }
}
await Promise.all([echo.stop(), card.stop()]);

const sim = median(samples.sim);
const ech = median(samples.echo);
console.log(`${samples.sim.length} samples each (after ${WARMUP} warm-up), ${ROUNDS} alternating rounds, same run`);
console.log(`sim: SELECT ${sim.toFixed(3)} ms, echo ${ech.toFixed(3)} ms, ratio ${(sim / ech).toFixed(2)} (goal ${GOAL.toFixed(2)})`);
