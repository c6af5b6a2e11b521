// The simcert command line: run suites against profiles, check profiles, list readers.
import { relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { stringify } from 'yaml';
import { registerBenchCommands } from './bench-commands.ts';
import { registerSimCommands } from './sim-commands.ts';
import { hex } from '../bytes.ts';
import { profileMatches, surveyReaders } from '../card/find-card.ts';
import { checkProfiles, formatProblem, loadProfile, ProfileError } from '../profile/index.ts';
import { expandProfileArgs, runSuites, UsageError } from '../run/run.ts';
import { knownSuites } from '../run/suites.ts';
import { listReaders, PcscUnavailableError } from '../transport/pcsc.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('simcert')
    .description('Conformance harness: can this SIM (UICC) host the JPKI user-authentication certificate?')
    .exitOverride()
    .showHelpAfterError('(simcert --help lists the commands)');

  program
    .command('run')
    .description('run the suites a profile enables (or those named) and write an Allure report')
    .requiredOption('-p, --profile <FILE|GLOB>', 'profile YAML file or glob (repeatable)', collect, [])
    .option('-s, --suite <NAME>', 'suite to run (repeatable; default: every suite the profile enables)', collect, [])
    .option('-o, --out <DIR>', 'report folder', 'reports')
    .option('--i-know-the-card-may-lock', 'authenticate even to a card whose failed authentications are on record in the ledger')
    .action(async (o: { profile: string[]; suite: string[]; out: string; iKnowTheCardMayLock?: boolean }) => {
      exitCode = await runSuites({
        profiles: o.profile,
        ...(o.suite.length > 0 ? { suites: o.suite } : {}),
        out: o.out,
        acceptLockRisk: o.iKnowTheCardMayLock === true,
        log: (l) => console.log(l),
      });
    });

  const profile = program.command('profile').description('work with profiles');
  profile
    .command('check')
    .description('validate profiles and print every problem as file:line:column')
    .argument('<FILE...>', 'profile files or globs')
    .action(async (files: string[]) => {
      const results = await checkProfiles(await expandProfileArgs(files), { knownSuites: await knownSuites() });
      for (const r of results) {
        if (r.problems.length === 0) console.log(`${relative(process.cwd(), r.file) || r.file}: ok`);
        for (const p of r.problems) console.log(formatProblem(p));
      }
      exitCode = results.some((r) => r.problems.length > 0) ? 2 : 0;
    });

  profile
    .command('show')
    .description('print the resolved profile (extends merged, defaults filled in, paths absolute) as YAML')
    .argument('<FILE>', 'profile file')
    .action(async (file: string) => {
      const p = await loadProfile(file, { knownSuites: await knownSuites() });
      const { file: _file, ...rest } = p;
      console.log(`# ${relative(process.cwd(), p.file) || p.file}, resolved\n${stringify(rest, { lineWidth: 0 })}`);
    });

  program
    .command('readers')
    .description('list PC/SC readers, card state and ATR; with --profile, read each card\'s ICCID and say which profiles it is')
    .option('-p, --profile <FILE|GLOB>', 'profiles to match the inserted cards against (repeatable)', collect, [])
    .action(async (o: { profile: string[] }) => {
      const readers = listReaders();
      if (readers.length === 0) console.log('no readers');
      if (o.profile.length === 0) {
        for (const r of readers) {
          console.log(`${r.name}\t${r.card}${r.inUse ? ' (in use)' : ''}${r.atr ? `\t${hex(r.atr, ' ')}` : ''}`);
        }
        return;
      }
      const files = await expandProfileArgs(o.profile);
      const known = await knownSuites();
      const profiles = [];
      for (const f of files) profiles.push(await loadProfile(f, { knownSuites: known }));
      const cards = await surveyReaders();
      for (const r of readers) {
        const c = cards.find((x) => x.reader === r.name);
        if (!c) {
          console.log(`${r.name}\t${r.card}`);
          continue;
        }
        const matches = profiles.filter((p) => profileMatches(p, c)).map((p) => p.name);
        console.log(`${r.name}\tATR ${hex(c.atr)}${c.iccid ? `\tICCID ${c.iccid}` : ''}\t${matches.length ? `is: ${matches.join(', ')}` : 'matches no profile'}`);
      }
    });

  registerBenchCommands(program, (code) => {
    exitCode = code;
  });
  registerSimCommands(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander already printed the message for real usage errors.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' ? 0 : 2;
    }
    if (err instanceof UsageError || err instanceof PcscUnavailableError || err instanceof ProfileError) {
      console.error(`simcert: ${err.message}`);
      return 2;
    }
    console.error(`simcert: ${(err as Error).message}`);
    return 1;
  }
  return exitCode;
}
