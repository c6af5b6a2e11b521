// Starts the bundled Java Card simulator for an emulated profile and hands back the vpcd transport it connected
// to. The simulator gets a jCardSim-format config file, so jCardSim's VSmartCard could be started the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Profile } from '../profile/types.ts';
import { VpcdListener, type VpcdTransport } from '../transport/vpcd.ts';
import { buildLab } from './build.ts';

export type SimSettings = NonNullable<Profile['sim']>;

export const SIMULATOR_MAIN = 'org.simcert.cardsim.VSmartCard';

/** The jCardSim-compatible properties the simulator reads (our own keys carry the simcert.cardsim prefix). */
export function simulatorConfig(sim: SimSettings, host: string, port: number): string {
  const lines = [
    '# written by simcert for one run; jCardSim keys plus simcert.cardsim.* variant knobs',
    `com.licel.jcardsim.card.ATR=${sim.atr}`,
    `com.licel.jcardsim.vsmartcard.host=${host}`,
    `com.licel.jcardsim.vsmartcard.port=${port}`,
    `simcert.cardsim.protocol=${sim.protocol}`,
    `simcert.cardsim.extendedLength=${sim.extendedLength}`,
    `simcert.cardsim.apduBufferSize=${sim.apduBufferSize}`,
    `simcert.cardsim.logicalChannels=${sim.logicalChannels}`,
  ];
  sim.applets.forEach((a, i) => {
    lines.push(`com.licel.jcardsim.card.applet.${i}.AID=${a.aid}`, `com.licel.jcardsim.card.applet.${i}.Class=${a.class}`);
  });
  return `${lines.join('\n')}\n`;
}

export class SimulatorError extends Error {}

export interface RunningSimulator {
  transport: VpcdTransport;
  /** Stops the simulator (closing the socket is a card removal; the process exits on it). */
  stop(): Promise<void>;
}

export async function startSimulator(sim: SimSettings, opts: { connectTimeoutMs: number; apduTimeoutMs: number }): Promise<RunningSimulator> {
  const lab = await buildLab();
  const classpath = [lab.cardsimClasses];
  for (const a of sim.applets) {
    const dir = lab.applets[a.codebase];
    if (!dir) throw new SimulatorError(`applet codebase "${a.codebase}" not found under lab/applets (have: ${Object.keys(lab.applets).join(', ')})`);
    if (!classpath.includes(dir)) classpath.push(dir);
  }
  const listener = await VpcdListener.listen({ host: '127.0.0.1', port: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'simcert-sim-'));
  const cfg = join(dir, 'card.cfg');
  await writeFile(cfg, simulatorConfig(sim, listener.host, listener.port));

  const child = spawn('java', ['-cp', classpath.join(delimiter), SIMULATOR_MAIN, cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<Error>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve(new SimulatorError(err.code === 'ENOENT' ? 'cannot start the simulator: java not found; install a JDK 17' : `cannot start the simulator: ${err.message}`)));
    child.on('exit', (code, signal) =>
      resolve(new SimulatorError(`the simulator exited (${signal ?? `code ${code}`}) before a card connected:\n${output.join('').trim()}`)));
  });

  const cleanup = async (): Promise<void> => {
    await listener.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  let transport: VpcdTransport;
  try {
    transport = await listener.accept(opts.connectTimeoutMs, exited);
    transport.timeoutMs = opts.apduTimeoutMs;
  } catch (err) {
    child.kill('SIGKILL');
    await cleanup();
    throw err;
  }
  return {
    transport,
    stop: async () => {
      await transport.close();
      await stopProcess(child);
      await cleanup();
    },
  };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const grace = setTimeout(() => child.kill('SIGTERM'), 2000);
  const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(grace);
  clearTimeout(hard);
}
