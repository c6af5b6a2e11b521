// `simcert probe`: asks a card (a PC/SC reader, or the bundled simulator started from an emulated profile) what
// it supports, read-only, and writes a draft profile whose every claim carries its evidence; with --profile, the
// claims of that profile the card contradicts, printed, written as JSON beside the draft and, with
// --allure-results, as a failed test in the Allure results. Exit codes: 0 probed (no contradiction), 1 the card
// contradicts the profile, 2 bad command line or profile (nothing touched), 3 no reader / pcscd / JDK.
import type { Command } from 'commander';
import { EnvironmentError, EXIT, UsageError } from '../run/errors.ts';
import { replaceFile } from '../run/write-paths.ts';

interface ProbeOptions {
  reader?: string;
  sim?: string;
  out?: string;
  profile?: string;
  json?: string;
  allureResults?: string;
  deep?: boolean;
  installed?: boolean;
}

export function registerProbeCommands(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('probe')
    .description('ask a card what it supports (read-only) and write a draft profile with the evidence for each claim')
    .option('--reader <NAME>', 'the PC/SC reader the card is in (simcert readers lists them)')
    .option('--sim <PROFILE>', 'start the bundled simulator from this emulated profile\'s sim section and probe it as an unknown card')
    .option('--installed', 'with --sim: install and personalize the JPKI AP first, as `simcert sim serve` does (a standing lab card)')
    .option('-o, --out <FILE>', 'write the draft profile here (default: standard output)')
    .option('-p, --profile <FILE>', 'list the claims of this profile that the card contradicts (a finding: exit 1)')
    .option('--json <FILE>', 'also write every answer the probe got, as JSON')
    .option('--allure-results <DIR>', 'with --profile: record the contradictions as a test in these Allure results')
    .option('--deep', 'NOT read-only: load, ask and delete a probe applet through the ISD for algorithm support and the Java Card version (emulated test cards with ISD keys: the --sim profile, or --profile)')
    .action(async (o: ProbeOptions) => {
      setExitCode(await probeCommand(o));
    });
}


async function probeCommand(o: ProbeOptions): Promise<number> {
  if ((o.reader === undefined) === (o.sim === undefined)) throw new UsageError('probe needs exactly one of --reader NAME (a card in a PC/SC reader) or --sim PROFILE (the bundled simulator)');
  if (o.installed && o.sim === undefined) throw new UsageError('--installed prepares the bundled simulator: use it with --sim PROFILE');
  if (o.allureResults !== undefined && o.profile === undefined) throw new UsageError('--allure-results records contradictions with a profile: give --profile FILE');
  const { knownSuites } = await import('../run/suites.ts');
  const { inspectProfile, loadProfile, ProfileError } = await import('../profile/index.ts');
  const suites = await knownSuites();
  // Validate everything before touching a card.
  let compareWith: Awaited<ReturnType<typeof inspectProfile>> | undefined;
  if (o.profile !== undefined) {
    compareWith = await inspectProfile(o.profile, { knownSuites: suites });
    if (!compareWith.profile) throw new ProfileError(compareWith.problems);
  }
  const simProfile = o.sim !== undefined ? await loadProfile(o.sim, { knownSuites: suites }) : undefined;
  if (simProfile && (!simProfile.sim || !simProfile.card.emulated)) {
    throw new UsageError(`${o.sim}: --sim needs an emulated profile (card.emulated: true) with a sim section; for a card in a reader use --reader NAME`);
  }

  // --deep authenticates with the keys of the profile that describes the card: the --sim profile, else --profile.
  let deepProfile;
  if (o.deep) {
    deepProfile = simProfile ?? compareWith?.profile;
    if (!deepProfile) throw new UsageError('--deep needs the card\'s profile for its ISD keys and testCard: give --profile FILE');
    const { checkDeepAllowed, DeepProbeRefused } = await import('../probe/deep.ts');
    try {
      checkDeepAllowed(deepProfile);
    } catch (err) {
      if (err instanceof DeepProbeRefused) throw new UsageError(err.message);
      throw err;
    }
  }

  const { probeCard } = await import('../probe/probe.ts');
  const { draftProfileYaml } = await import('../probe/draft-profile.ts');
  const { findContradictions, formatContradiction } = await import('../probe/contradictions.ts');
  const { openReader, openSimulatorAsCard } = await import('../probe/target.ts');

  let target;
  if (simProfile) {
    target = await openSimulatorAsCard(simProfile, { installed: o.installed === true });
  } else {
    const { listReaders } = await import('../transport/pcsc.ts');
    const names = listReaders().map((r) => r.name);
    if (!names.includes(o.reader!)) {
      throw new EnvironmentError(`no PC/SC reader named "${o.reader}" (readers: ${names.length ? names.join(', ') : 'none'}); simcert readers lists them`);
    }
    target = await openReader(o.reader!, deepProfile?.ixit.timeouts.apduMs);
  }
  let result;
  try {
    result = await probeCard(target.session, target.reader, deepProfile ? { deep: deepProfile } : {});
  } finally {
    await target.close();
  }
  const draft = draftProfileYaml(result, {
    ...(o.reader !== undefined ? { reader: o.reader } : {}),
    source: o.reader !== undefined ? `PC/SC reader "${o.reader}"` : `the bundled simulator started from ${o.sim} (sim section only)`,
    date: new Date(),
  });
  if (o.out !== undefined) {
    await replaceFile(o.out, draft, 'the draft profile');
    console.error(`simcert: draft profile written to ${o.out}`);
  } else {
    process.stdout.write(draft);
  }
  if (result.deep && !result.deep.contentRestored) {
    console.error('simcert: --deep: the card\'s applications or load files differ from before the probe (see --json): check the card');
    return EXIT.failed;
  }
  if (o.json !== undefined) await replaceFile(o.json, `${JSON.stringify(result, jsonBytes, 2)}\n`, 'the probe results');
  if (!compareWith?.profile) return EXIT.ok;

  const sources = compareWith.sources;
  const found = findContradictions(compareWith.profile.ics, result.claims, (claim) => {
    try {
      return sources?.valuePos(['ics', claim]);
    } catch {
      return undefined;
    }
  });
  // A claim set only by a schema default has no line of its own: the map then points at ics (or the file).
  const out = console.error;
  if (found.length === 0) out(`simcert: the card contradicts none of the ${result.claims.length} probed claims of ${o.profile}`);
  for (const c of found) out(formatContradiction(c));
  const findingsFile = o.out !== undefined ? `${o.out}.contradictions.json` : undefined;
  if (findingsFile) {
    await replaceFile(findingsFile, `${JSON.stringify({ profile: compareWith.profile.file, reader: result.reader, atr: result.atr.hex, contradictions: found }, null, 2)}\n`, 'the contradictions');
    out(`simcert: contradictions written to ${findingsFile}`);
  }
  if (o.allureResults !== undefined) {
    const { writeContradictionsAllureResult } = await import('../probe/allure.ts');
    await writeContradictionsAllureResult({ profile: compareWith.profile, reader: result.reader, atr: result.atr.hex, contradictions: found, probed: result.claims.length }, o.allureResults);
    out(`simcert: contradictions recorded in ${o.allureResults}`);
  }
  return found.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Uint8Arrays as hex in the JSON result. */
function jsonBytes(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex').toUpperCase() : value;
}
