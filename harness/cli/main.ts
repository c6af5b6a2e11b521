// The simcert command line: run suites against profiles, check profiles, list readers, bench and compare.
// Every command answers bad input with one line (no stack trace) and the exit codes in harness/run/errors.ts.
// Heavy modules (profile validation, PC/SC, bench) are imported inside the actions, so a usage error or --help
// answers without loading them.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { repoRoot } from '../paths.ts';
import { EnvironmentError, EXIT, EXIT_CODES_HELP, UsageError } from '../run/errors.ts';
import { knownSuites } from '../run/suites.ts';
import { onInterrupt } from './interrupt.ts';
import { registerEvidenceCommands, registerProfileIcsCommand } from './record-commands.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Commands whose module is loaded only when they are asked for (or when the full command list is needed). */
const CORE_COMMANDS = new Set(['run', 'profile', 'readers']);

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const suites = await knownSuites();
  const program = new Command()
    .name('simcert')
    .description('Conformance harness: can this SIM (UICC) host the JPKI user-authentication certificate?')
    .version(packageVersion(), '-V, --version', 'print the simcert version')
    .exitOverride()
    .configureOutput({
      // One recognisable first line for every usage error: "simcert: required option ... not specified".
      outputError: (text, write) => write(`simcert: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(simcert --help lists the commands and exit codes)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);

  program
    .command('run')
    .description('run the suites a profile enables (or those named) and write an Allure report')
    .requiredOption('-p, --profile <FILE|GLOB...>', 'profile YAML files or globs (several, or repeat the option; an unquoted shell glob works)')
    .option('-s, --suite <NAME>', 'suite to run (repeatable; default: every suite the profile enables)', collect, [])
    .option('-o, --out <DIR>', 'report folder', 'reports')
    .option('--junit <FILE>', 'also write the verdicts as JUnit XML (Jenkins junit-10 schema), when the run finishes')
    .option('--no-report', 'write the results, traceability and portability matrices (and --junit), not the Allure HTML; `simcert report merge` builds it later, e.g. in a CI matrix\'s merge job')
    .option('--evidence <FILE.zip>', 'also pack the finished run (results, reports, masked profiles, build hashes, APDU traces) into an evidence bundle with a SHA-256 manifest')
    .option('--i-know-the-card-may-lock', 'authenticate even to a card whose failed authentications are on record in the ledger')
    .option('-j, --jobs <N>', 'cards to run at once (default: every card at once)')
    .option('--workers <N>', 'worker processes the cards share, each running several side by side (default: one per CPU core, at most --jobs)')
    .option('--shard <i/n>', 'run only this host\'s share of the cards: sorted by profile name and reader, the k-th goes to shard k mod n + 1')
    .option('--readers <all>', 'all: run every inserted card a profile matches by ATR and ICCID, on the reader it is in')
    .addHelpText('after', [
      '',
      `Suites: ${suites.join(', ')}, portability (install, personalization and signing on every profile, plus the matrix)`,
      '',
      'The previous report in --out is replaced only when the run finishes; an interrupted run (Ctrl-C) keeps its',
      'partial results in <out>/interrupted/ and exits 130.',
      '',
      EXIT_CODES_HELP,
    ].join('\n'))
    .action(async (o: { profile: string[]; suite: string[]; out: string; junit?: string; report: boolean; evidence?: string; iKnowTheCardMayLock?: boolean; jobs?: string; workers?: string; shard?: string; readers?: string }) => {
      const { runSuites } = await import('../run/run.ts');
      const rack = await (await import('../run/work.ts')).rackOptions(o);
      const interruption = onInterrupt((signal) => process.stderr.write(`\nsimcert: ${signal}: stopping the test run\n`));
      try {
        exitCode = await runSuites({
          profiles: o.profile,
          ...(o.suite.length > 0 ? { suites: o.suite } : {}),
          out: o.out,
          ...(o.junit !== undefined ? { junit: o.junit } : {}),
          ...(o.evidence !== undefined ? { evidence: o.evidence } : {}),
          report: o.report,
          acceptLockRisk: o.iKnowTheCardMayLock === true,
          ...rack,
          log: (l) => console.log(l),
          signal: interruption.signal,
        });
      } finally {
        interruption.dispose();
      }
    });

  const profile = program.command('profile').description('work with profiles');
  profile
    .command('check')
    .description('validate profiles and print every problem as file:line:column')
    .argument('<FILE...>', 'profile files or globs')
    .action(async (files: string[]) => {
      const { checkProfiles, formatProblem } = await import('../profile/index.ts');
      const { expandProfileArgs } = await import('../run/run.ts');
      const results = await checkProfiles(await expandProfileArgs(files), { knownSuites: suites });
      for (const r of results) {
        if (r.problems.length === 0) console.log(`${relative(process.cwd(), r.file) || r.file}: ok`);
        for (const p of r.problems) console.log(formatProblem(p));
      }
      exitCode = results.some((r) => r.problems.length > 0) ? EXIT.usage : EXIT.ok;
    });

  profile
    .command('show')
    .description('print the resolved profile (extends merged, defaults filled in, paths absolute) as YAML')
    .argument('<FILE>', 'profile file')
    .action(async (file: string) => {
      const { loadProfile } = await import('../profile/index.ts');
      const { stringify } = await import('yaml');
      const p = await loadProfile(file, { knownSuites: suites });
      const { file: _file, ...rest } = p;
      console.log(`# ${relative(process.cwd(), p.file) || p.file}, resolved\n${stringify(rest, { lineWidth: 0 })}`);
    });
  registerProfileIcsCommand(profile, (code) => (exitCode = code), suites, packageVersion());

  program
    .command('readers')
    .description('list PC/SC readers, card state and ATR; with --profile, read each card\'s ICCID and say which profiles it is')
    .option('-p, --profile <FILE|GLOB...>', 'profiles to match the inserted cards against', collect, [])
    .action(async (o: { profile: string[] }) => {
      const { listReaders } = await import('../transport/pcsc.ts');
      const { hex } = await import('../bytes.ts');
      const readers = listReaders();
      if (readers.length === 0) console.log('no readers');
      if (o.profile.length === 0) {
        const { readerStatus } = await import('../transport/pcsc.ts');
        const { formatReaderLine } = await import('./readers-format.ts');
        for (const r of await readerStatus()) console.log(formatReaderLine(r));
        return;
      }
      const { loadProfile } = await import('../profile/index.ts');
      const { expandProfileArgs } = await import('../run/run.ts');
      const { profileMatches, surveyReaders } = await import('../card/find-card.ts');
      const files = await expandProfileArgs(o.profile);
      const profiles = [];
      for (const f of files) profiles.push(await loadProfile(f, { knownSuites: suites }));
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

  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !CORE_COMMANDS.has(command)) {
    const { registerBenchCommands } = await import('./bench-commands.ts');
    registerBenchCommands(program, (code) => {
      exitCode = code;
    });
    const { registerSimCommands } = await import('./sim-commands.ts');
    registerSimCommands(program, (code) => (exitCode = code));
    registerEvidenceCommands(program, (code) => (exitCode = code));
    const { registerProbeCommands } = await import('./probe-commands.ts');
    registerProbeCommands(program, (code) => (exitCode = code));
    const { registerReportCommands } = await import('./report-commands.ts');
    registerReportCommands(program, (code) => (exitCode = code));
  }

  try {
    await program.parseAsync(argv);
  } catch (err) {
    return await exitCodeOf(err);
  }
  return exitCode;
}

/** Maps what stopped a command to its exit code and prints it as one line (never a stack trace). */
async function exitCodeOf(err: unknown): Promise<number> {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed the message for real usage errors.
    return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  }
  const { ProfileError } = await import('../profile/index.ts');
  const { PcscUnavailableError } = await import('../transport/pcsc.ts');
  const message = (err as Error).message ?? String(err);
  console.error(`simcert: ${message}`);
  if (err instanceof UsageError || err instanceof ProfileError) return EXIT.usage;
  if (err instanceof EnvironmentError || err instanceof PcscUnavailableError) return EXIT.environment;
  return EXIT.failed;
}
