// The benchmark commands of the simcert CLI: `bench` (time one operation, or with --ops several, on the card each
// profile describes: one JSON result per profile and operation, and with --ops one vendor page per card with all of
// them) and `compare` (bench results side by side as an HTML page and a markdown table).
// Exit codes: 0 done; 1 a card or harness error (samples measured before it are still written), or a loop run whose
// baseline could not be subtracted (no per-operation figure); 2 bad usage or input; 3 environment (no JDK or PC/SC,
// an output folder or file that cannot be written: checked before the first sample); 130 interrupted (Ctrl-C or
// SIGTERM: the APDU in flight is finished and the samples so far are written, marked interrupted). Every sample is
// written to the result file as it is taken; `bench --resume FILE` continues an interrupted run in the same file.
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { glob } from 'tinyglobby';
import { writeBenchAllureResult } from '../bench/allure-result.ts';
import { buildComparison, renderHtml, renderMarkdown } from '../bench/compare.ts';
import { generateReport } from '../report/allure.ts';
import { progressOn } from '../bench/progress.ts';
import { loadReferenceCards, REFERENCE_CARDS_FILE, type ReferenceCard } from '../bench/reference-cards.ts';
import { loadBenchResult, operationKey, type Algorithm, type BenchResult, type OperationName } from '../bench/result.ts';
import { ALGORITHMS, BenchUsageError, checkRequest, describeResult, loadResumable, OPERATIONS, runBench, type BenchOptions } from '../bench/run.ts';
import { loadProfile } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { EnvironmentError, EXIT, EXIT_CODES_HELP } from '../run/errors.ts';
import { checkEnvironment } from '../run/preflight.ts';
import { expandProfileArgs } from '../run/run.ts';
import { createStaging, discard, promote } from '../run/staging.ts';
import { knownSuites } from '../run/suites.ts';
import { ensureWritableDir, ensureWritableFile, writeOutput } from '../run/write-paths.ts';
import { detachSimulators } from '../sim/launch.ts';
import { onInterrupt } from './interrupt.ts';

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`a whole number >= ${min}`);
    return n;
  };
}

function shown(file: string): string {
  return relative(process.cwd(), file) || file;
}

/** The run's own options as runBench takes them, plus what the command line adds around the runs. */
type BenchCliOptions = Pick<BenchOptions, 'iterations' | 'warmup' | 'loop' | 'transportIterations' | 'resume'> & {
  op?: OperationName;
  alg?: Algorithm;
  /** --ops: several operations in one run, e.g. keygen:rsa2048,sign:rsa2048. */
  ops?: string;
  profile: string[];
  out?: string;
  /** Folder whose allure-results / allure-report get the run; false with --no-report. */
  report: string | false;
};

export function registerBenchCommands(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('bench')
    .description('time one operation on the card each profile describes; statistics on stdout, one JSON result per profile under reports/bench/')
    .requiredOption('-p, --profile <FILE...>', 'profile YAML files or globs')
    .addOption(new Option('--op <OP>', 'what to time (or --ops)').choices([...OPERATIONS]))
    .addOption(new Option('--alg <ALG>', 'key algorithm (sign, keygen)').choices([...ALGORITHMS]))
    .option('--ops <OP:ALG,...>', 'several operations one after the other on each card, e.g. keygen:rsa2048,sign:rsa2048,keygen:p384,sign:p384: one result file per operation and one vendor page per card with all of them')
    .option('-n, --iterations <N>', 'timed samples (default: keygen 20, sign 50, verify-pin 50, select 100, apdu-echo 500)', wholeNumber(1))
    .option('-w, --warmup <K>', 'untimed iterations first (default: keygen 1, sign 5, ...)', wholeNumber(0))
    .option('--loop <N>', 'run N operations inside one APDU with the benchmark applet and subtract a zero-iteration baseline (JCAlgTest method; sign and keygen, rsa2048 or p256)', wholeNumber(1))
    .option('--transport-iterations <N>', 'minimal-APDU round trips per path (harness and bare transport), 0 to skip', wholeNumber(0))
    .option('-o, --out <DIR>', 'folder for the JSON results', 'reports/bench')
    .option('--resume <FILE>', 'continue the interrupted run in FILE (same card, operation and algorithm; no warm-up; samples appended to FILE)')
    .option('--report <DIR>', 'add each run to the Allure results and report in DIR (allure-results/, allure-report/)', 'reports')
    .option('--no-report', 'write the JSON results only')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (o: BenchCliOptions) => {
      setExitCode(await benchCommand(o));
    });

  program
    .command('compare')
    .description('put bench results side by side: a standalone HTML page and a markdown table')
    .argument('<FILE...>', 'bench result JSON files or globs')
    .option('--html <FILE>', 'HTML page to write', 'reports/bench/compare.html')
    .option('--md <FILE>', 'markdown table to write', 'reports/bench/compare.md')
    .option('--title <TEXT>', 'page title')
    .option('--reference [FILE]', 'add the published figures of other cards (default vectors/bench/reference-cards.json, from JCAlgTest), marked "published, not measured here"')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (files: string[], o: CompareCliOptions) => {
      setExitCode(await compareCommand(files, o));
    });
}

/** One operation of the run: --op/--alg, or one item of --ops. */
interface OpRequest {
  op: OperationName;
  alg?: Algorithm;
}

/**
 * The operations asked for: exactly one of --op and --ops. --ops items are OP or OP:ALG, checked against the known
 * operations and algorithms here; what the card can do is checked per profile by checkRequest.
 */
export function parseOps(o: Pick<BenchCliOptions, 'op' | 'alg' | 'ops' | 'resume'>): OpRequest[] {
  if (o.ops === undefined) {
    if (o.op === undefined) throw new BenchUsageError('give the operation to time: --op <OP> (with --alg for sign and keygen) or --ops <OP:ALG,...>');
    return [{ op: o.op, ...(o.alg !== undefined ? { alg: o.alg } : {}) }];
  }
  if (o.op !== undefined || o.alg !== undefined) throw new BenchUsageError('--ops names its algorithms itself (keygen:rsa2048,...): give either --op/--alg or --ops');
  if (o.resume !== undefined) throw new BenchUsageError('--resume continues one result file, which holds one operation: resume it with its --op and --alg, without --ops');
  const out: OpRequest[] = [];
  for (const item of o.ops.split(',').map((x) => x.trim())) {
    const [op, alg, extra] = item.split(':');
    if (!OPERATIONS.includes(op as OperationName) || extra !== undefined || (alg !== undefined && !ALGORITHMS.includes(alg as Algorithm))) {
      throw new BenchUsageError(`--ops: "${item}" is not OP or OP:ALG (operations ${OPERATIONS.join(', ')}; algorithms ${ALGORITHMS.join(', ')})`);
    }
    const req: OpRequest = { op: op as OperationName, ...(alg !== undefined ? { alg: alg as Algorithm } : {}) };
    if (out.some((r) => r.op === req.op && r.alg === req.alg)) throw new BenchUsageError(`--ops: "${item}" is listed twice`);
    out.push(req);
  }
  return out;
}

function benchOptions(o: BenchCliOptions, req: OpRequest, profile: Profile, outDir: string): BenchOptions {
  return {
    profile,
    op: req.op,
    outDir,
    ...(req.alg !== undefined ? { alg: req.alg } : {}),
    ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
    ...(o.warmup !== undefined ? { warmup: o.warmup } : {}),
    ...(o.loop !== undefined ? { loop: o.loop } : {}),
    ...(o.transportIterations !== undefined ? { transportIterations: o.transportIterations } : {}),
    ...(o.resume !== undefined ? { resume: o.resume } : {}),
  };
}

async function benchCommand(o: BenchCliOptions): Promise<number> {
  const files = await expandProfileArgs(o.profile);
  const known = await knownSuites();
  // Every profile is loaded (and so checked) before the first card is touched.
  const profiles: Array<{ arg: string; profile: Profile }> = [];
  for (const f of files) profiles.push({ arg: shown(f), profile: await loadProfile(f, { knownSuites: known }) });

  // The request is checked against every profile's ICS (and the run to resume) before the machine or any folder is
  // looked at.
  let requests: OpRequest[];
  try {
    requests = parseOps(o);
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    console.error(`simcert: ${err.message}`);
    return EXIT.usage;
  }
  if (o.resume !== undefined && profiles.length !== 1) {
    console.error(`simcert: --resume continues one run: give the one profile it was made with (got ${profiles.length})`);
    return EXIT.usage;
  }
  for (const { profile } of profiles) for (const req of requests) {
    try {
      const { spec } = checkRequest(benchOptions(o, req, profile, ''));
      if (o.resume !== undefined) {
        await loadResumable(o.resume, { profile }, spec);
        await ensureWritableFile(o.resume, 'the bench result to resume');
      }
    } catch (err) {
      if (!(err instanceof BenchUsageError)) throw err;
      console.error(`simcert: ${err.message}`);
      return EXIT.usage;
    }
  }
  await checkEnvironment(profiles.map((p) => p.profile));
  // Both output folders are checked before the first sample: samples measured and then lost to an unwritable
  // folder cannot be measured again for free (a keygen run takes minutes).
  const outDir = await ensureWritableDir(o.out ?? 'reports/bench', 'bench results');
  const reportDir = o.report !== false ? await ensureWritableDir(o.report, 'the Allure report') : undefined;
  // Input and machine are fine: the simulator goes in a process group of its own, so Ctrl-C does not reach it.
  detachSimulators();

  const interruption = onInterrupt(
    (signal) => process.stderr.write(`\nsimcert: ${signal}: stopping after the APDU in flight and writing the samples so far (again quits without writing)\n`),
    () => process.exit(EXIT.interrupted),
  );
  const abort = { signal: interruption.signal };
  let code = 0;
  let reported = 0;
  try {
    for (const { arg, profile } of profiles) {
      const measured: BenchResult[] = [];
      for (const req of requests) {
        if (abort.signal.aborted) break;
        const opts: BenchOptions = { ...benchOptions(o, req, profile, outDir), profilePath: arg, signal: abort.signal, progress: progressOn(process.stderr) };
        let outcome;
        try {
          outcome = await runBench(opts);
        } catch (err) {
          if (err instanceof BenchUsageError) {
            console.error(`simcert: ${err.message}`);
            return EXIT.usage;
          }
          if (err instanceof EnvironmentError) {
            console.error(`simcert: ${err.message}`);
            return EXIT.environment;
          }
          console.error(`simcert: ${profile.name}: ${(err as Error).message}`);
          code = Math.max(code, 1);
          continue;
        }
        measured.push(outcome.result);
        const described = describeResult(outcome.result);
        console.log(described.join('\n'));
        if (reportDir !== undefined) {
          await writeBenchAllureResult({ result: outcome.result, file: outcome.file, describe: described,
            ...(outcome.refused ? { refused: outcome.refused } : {}), ...(outcome.error ? { error: outcome.error } : {}) }, join(reportDir, 'allure-results'));
          reported++;
        }
        console.log(`  wrote ${shown(outcome.file)}${outcome.result.interrupted ? ' (interrupted: the samples measured so far)' : ''}\n`);
        if (outcome.error) {
          console.error(`simcert: ${profile.name}: ${outcome.error.message}`);
          code = Math.max(code, 1);
        } else if (outcome.refused) {
          code = Math.max(code, EXIT.failed);
        }
      }
      if (requests.length > 1 && measured.length > 0) {
        const page = await writeVendorPage(measured, profile, outDir);
        console.log(`vendor page for ${profile.name}: ${shown(page.html)} (and ${shown(page.md)})\n`);
      }
    }
  } finally {
    interruption.dispose();
  }
  if (reported > 0 && reportDir !== undefined) {
    // The report is rebuilt from every result in the folder (conformance runs and earlier bench runs stay in it),
    // in a staging folder first: a report that fails to render leaves the previous one in place.
    const staging = await createStaging(reportDir, 'bench');
    try {
      await generateReport(join(reportDir, 'allure-results'), staging.reportDir);
      await promote(staging, reportDir, ['allure-report']);
    } catch (err) {
      await discard(staging);
      throw err;
    }
    console.log(`Allure report: ${shown(join(reportDir, 'allure-report', 'index.html'))}`);
  }
  return abort.signal.aborted ? EXIT.interrupted : code;
}

interface CompareCliOptions {
  html: string;
  md: string;
  title?: string;
  /** true: the bundled reference cards; a string: that file. */
  reference?: string | true;
}

/**
 * One page per card with every operation of an --ops run: the comparison page of that card's results, one section
 * per operation, named after the run's start and the profile so that no earlier page is overwritten.
 */
async function writeVendorPage(results: readonly BenchResult[], profile: Profile, outDir: string): Promise<{ html: string; md: string }> {
  const stamp = results[0]!.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const slug = profile.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'card';
  const base = join(outDir, `${stamp}-${slug}-vendor`);
  const comparison = buildComparison(results);
  const title = `${profile.card.vendor ?? 'unknown vendor'} ${profile.card.variant}: ${results.map((r) => operationKey(r)).join(', ')}`;
  const html = `${base}.html`;
  const md = `${base}.md`;
  await writeOutput(html, renderHtml(comparison, { title, generatedAt: new Date().toISOString() }), 'the vendor page');
  await writeOutput(md, renderMarkdown(comparison, { title }), 'the vendor page');
  return { html, md };
}

async function compareCommand(args: string[], o: CompareCliOptions): Promise<number> {
  const files: string[] = [];
  for (const a of args) {
    if (/[*?[{]/.test(a)) {
      const hits = (await glob(a, { absolute: true, onlyFiles: true })).sort();
      if (hits.length === 0) {
        console.error(`simcert: ${a}: the pattern matches no file`);
        return EXIT.usage;
      }
      files.push(...hits);
    } else {
      files.push(resolve(a));
    }
  }
  const results: BenchResult[] = [];
  const errors: string[] = [];
  for (const f of [...new Set(files)]) {
    try {
      const v = await loadBenchResult(f);
      if (v.ok) results.push(v.result);
      else errors.push(...v.errors.map((e) => e.replace(f, shown(f))));
    } catch (err) {
      errors.push(`${shown(f)}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (errors.length > 0) {
    for (const e of errors) console.error(e);
    console.error(`simcert: ${errors.length} problem(s) in the bench results; nothing written`);
    return EXIT.usage;
  }
  let references: ReferenceCard[] | undefined;
  if (o.reference !== undefined) {
    const file = o.reference === true ? REFERENCE_CARDS_FILE : resolve(o.reference);
    try {
      references = await loadReferenceCards(file);
    } catch (err) {
      console.error(`simcert: --reference ${shown(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing written`);
      return EXIT.usage;
    }
  }
  const html = await ensureWritableFile(o.html, 'the comparison page');
  const md = await ensureWritableFile(o.md, 'the comparison table');
  const comparison = buildComparison(results, references ? { references } : {});
  const title = o.title !== undefined ? { title: o.title } : {};
  await writeOutput(html, renderHtml(comparison, { ...title, generatedAt: new Date().toISOString() }), 'the comparison page');
  await writeOutput(md, renderMarkdown(comparison, title), 'the comparison table');
  console.log(`compared ${results.length} result(s) in ${comparison.sections.length} section(s)${references ? `, with ${references.length} published reference card(s)` : ''}`);
  console.log(`wrote ${shown(html)}`);
  console.log(`wrote ${shown(md)}`);
  return EXIT.ok;
}
