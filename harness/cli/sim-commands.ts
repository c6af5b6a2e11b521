// The simulator commands of the simcert CLI: `sim serve` stands an emulated card in a reader until Ctrl-C
// (harness/sim/serve.ts). Exit codes: 0 stopped by Ctrl-C/SIGTERM after the card was ready; 1 the card went away
// by itself (simulator ended, pcscd closed the reader) or a card error while provisioning; 2 bad profile or a
// real-card profile; 3 no JDK, no pcscd, port busy; 130 interrupted before the card was ready.
import { Command, InvalidArgumentError, Option } from 'commander';
import { serveCard, ServeInterrupted, ServeRefusal, VPCD_DEFAULT_PORT } from '../sim/serve.ts';

export const EXIT_INTERRUPTED = 130;

function tcpPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) throw new InvalidArgumentError('a TCP port, 1..65535');
  return n;
}

export function registerSimCommands(program: Command, setExitCode: (code: number) => void): void {
  const sim = program.command('sim').description('the bundled card simulator');
  sim
    .command('serve')
    .description('stand an emulated card (installed and personalized as its profile says) in a reader for other clients, until Ctrl-C')
    .requiredOption('-p, --profile <FILE>', 'an emulated profile (card.emulated: true, with a sim section)')
    .addOption(new Option('--reader <KIND>', 'pcscd: into pcscd\'s vpcd reader; vpcd: on a port of its own, for a vpcd reader that dials in (default: pcscd when it runs, else vpcd)').choices(['pcscd', 'vpcd']))
    .option('--port <N>', `the vpcd port (pcscd: its vpcd reader's; vpcd: the one to listen on) (default ${VPCD_DEFAULT_PORT})`, tcpPort)
    .option('--trace <FILE>', 'write the command APDUs clients send, as the card sees them (PIN, key and secure-messaging data masked)')
    .action(async (o: { profile: string; reader?: 'pcscd' | 'vpcd'; port?: number; trace?: string }) => {
      setExitCode(await serveCommand(o));
    });
}

async function serveCommand(o: { profile: string; reader?: 'pcscd' | 'vpcd'; port?: number; trace?: string }): Promise<number> {
  const abort = new AbortController();
  let stopRequested: (() => void) | undefined;
  const onSignal = (): void => {
    abort.abort();
    stopRequested?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // On stderr, so stdout carries only what is on the card; tests wait for this line before they interrupt.
    console.error(`simcert: serving ${o.profile}: checking the profile, then starting the simulator, installing and personalizing (Ctrl-C stops)`);
    const served = await serveCard({ ...o, signal: abort.signal });
    for (const line of served.summary) console.log(line);
    const stopped = new Promise<'signal'>((resolve) => {
      stopRequested = () => resolve('signal');
      if (abort.signal.aborted) resolve('signal');
    });
    const why = await Promise.race([stopped, served.lost]);
    console.log(why === 'signal' ? 'Stopping: taking the card out and stopping the simulator.' : `The card is no longer served: ${why}.`);
    await served.stop();
    return why === 'signal' ? 0 : 1;
  } catch (err) {
    if (err instanceof ServeInterrupted) {
      console.error('simcert: interrupted before the card was ready; everything started has been stopped');
      return EXIT_INTERRUPTED;
    }
    if (err instanceof ServeRefusal) {
      console.error(`simcert: ${err.message}`);
      return err.exitCode;
    }
    if (abort.signal.aborted) {
      console.error(`simcert: interrupted before the card was ready (${(err as Error).message})`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
