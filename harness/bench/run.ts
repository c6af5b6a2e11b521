// `simcert bench`: times one operation on the card a profile describes and writes one JSON result per run
// (result.schema.json), validated before it is written. In the same run it also times a minimal APDU twice, through
// the harness and straight through the transport, so the report can say how much of a sample is card, how much is
// reader and how much is the harness itself. Samples come from the monotonic clock (process.hrtime.bigint) around
// the timed exchange only; warm-up iterations are run and thrown away; an abort (Ctrl-C) keeps what was measured
// and marks the result interrupted. The result file is rewritten atomically after every timed sample, so a run that
// dies keeps all but the sample in flight, and `resume` continues such a run in the same file on the same card.
// What is timed and how the card is prepared: operations.ts.
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { encodeCommand } from '../apdu/apdu.ts';
import { hex } from '../bytes.ts';
import { openCard, type OpenCard } from '../card/open-card.ts';
import { readIccid } from '../card/identity.ts';
import { readCplc } from '../gp/card-content.ts';
import { repoRoot } from '../paths.ts';
import { EnvironmentError } from '../run/errors.ts';
import { makeDir, osError, replaceFile } from '../run/write-paths.ts';
import { resolveSecret } from '../profile/index.ts';
import type { Profile, TimingDistribution } from '../profile/types.ts';
import { formatNs } from './compare.ts';
import { benchSimSettings, describeKeyQuality, prepareOperation, type BenchSpec, type TimedOperation } from './operations.ts';
import { silentProgress, type Progress } from './progress.ts';
import { BENCH_SCHEMA_ID, EMULATED_BANNER, loadBenchResult, resultSummary, summarize, validateBenchResult, type Algorithm, type BenchResult, type OperationName } from './result.ts';
import { median, nsFromBigInt, subtractBaseline } from './stats.ts';

export const OPERATIONS: readonly OperationName[] = ['sign', 'keygen', 'verify-pin', 'select', 'apdu-echo'];
export const ALGORITHMS: readonly Algorithm[] = ['rsa2048', 'p256', 'p384'];

/**
 * Iterations per operation when none are given. Keygen is the slow one on real cards (RSA-2048: median about
 * 9.7 s, coefficient of variation 0.5-0.7, up to minutes): 20 samples take a few minutes and still give a 95 %
 * interval of the median from order statistics; signing is stable to about 0.5 %, the rest costs milliseconds.
 * Warm-up absorbs first-call effects (an EC keygen can take 6x longer the first time).
 */
export const DEFAULTS: Record<OperationName, { iterations: number; warmup: number }> = {
  keygen: { iterations: 20, warmup: 1 },
  sign: { iterations: 50, warmup: 5 },
  'verify-pin': { iterations: 50, warmup: 5 },
  select: { iterations: 100, warmup: 10 },
  'apdu-echo': { iterations: 500, warmup: 50 },
};

/** With --loop each sample holds many operations (JCAlgTest: 50 signatures x 5 APDUs, keygen 1 x 10). */
export const LOOP_DEFAULTS: Record<'sign' | 'keygen', { iterations: number; warmup: number }> = {
  sign: { iterations: 10, warmup: 1 },
  keygen: { iterations: 20, warmup: 1 },
};

/** Minimal-APDU round trips per path (harness, bare transport) when none are given. */
export const DEFAULT_TRANSPORT_ITERATIONS = 100;

export class BenchUsageError extends Error {}

export interface BenchOptions {
  profile: Profile;
  /** The profile file as the user named it (kept in the result); default: its path relative to the working directory. */
  profilePath?: string;
  op: OperationName;
  alg?: Algorithm;
  iterations?: number;
  warmup?: number;
  /** Operations per APDU with the benchmark applet (JCAlgTest method); absent: one APDU per operation. */
  loop?: number;
  transportIterations?: number;
  /** Folder for the JSON result (default reports/bench under the working directory). */
  outDir?: string;
  /** Aborting stops after the APDU in flight; the samples so far are kept and written, marked interrupted. */
  signal?: AbortSignal;
  progress?: Progress;
  /**
   * An interrupted run's result file to continue: same card, operation and algorithm; its samples are kept, the
   * warm-up is not repeated, the new samples are appended to the same file. -n defaults to the file's.
   */
  resume?: string;
}

export interface BenchOutcome {
  result: BenchResult;
  file: string;
  /** Loop mode: why no per-operation figure is reported (unstable baseline, a difference that is not positive). */
  refused?: string;
  /** The error that stopped the measurement early; the result holds the samples taken before it. */
  error?: Error;
}

let version: string | undefined;
function harnessVersion(): string {
  version ??= (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

function hostInfo(): BenchResult['host'] {
  const cpus = os.cpus();
  const host: BenchResult['host'] = { hostname: os.hostname() || 'unknown', platform: `${process.platform}-${process.arch}`, cpus: Math.max(1, cpus.length), node: process.version };
  const model = cpus[0]?.model.trim();
  if (model) host.cpuModel = model;
  return host;
}

/** Checks the request against itself and the profile's ICS before any card is touched. */
export function checkRequest(o: BenchOptions): { spec: BenchSpec; iterations: number; warmup: number; transportIterations: number } {
  const { profile, op, alg, loop } = o;
  if (!OPERATIONS.includes(op)) throw new BenchUsageError(`--op ${op}: not an operation (${OPERATIONS.join(', ')})`);
  const needsAlg = op === 'sign' || op === 'keygen';
  if (needsAlg && alg === undefined) throw new BenchUsageError(`--op ${op} needs --alg (${ALGORITHMS.join(', ')})`);
  if (!needsAlg && alg !== undefined) throw new BenchUsageError(`--alg applies to sign and keygen, not ${op}`);
  if (alg !== undefined && !ALGORITHMS.includes(alg)) throw new BenchUsageError(`--alg ${alg}: not an algorithm (${ALGORITHMS.join(', ')})`);
  const ics = profile.ics;
  if (alg === 'rsa2048' && !ics.rsa2048) throw new BenchUsageError(`${profile.name}: the ICS says the card has no RSA-2048 (ics.rsa2048)`);
  if (alg === 'p256' && !ics.ecP256) throw new BenchUsageError(`${profile.name}: the ICS says the card has no ECDSA P-256 (ics.ecP256)`);
  if (alg === 'p384' && !ics.ecP384) throw new BenchUsageError(`${profile.name}: the ICS says the card has no ECDSA P-384 (ics.ecP384)`);
  if (op === 'keygen') {
    if (!ics.onCardKeyGeneration) throw new BenchUsageError(`${profile.name}: the ICS says the card does not generate keys (ics.onCardKeyGeneration)`);
    if (!profile.card.emulated && !profile.card.testCard) {
      throw new BenchUsageError(`${profile.name}: keygen replaces the card's key pair; it runs only on emulated or test cards (card.testCard)`);
    }
  }
  if (loop !== undefined) {
    if (op !== 'sign' && op !== 'keygen') throw new BenchUsageError(`--loop applies to sign and keygen, not ${op}`);
    if (alg === 'p384') throw new BenchUsageError('--loop: the benchmark applet does rsa2048 and p256');
    if (!Number.isInteger(loop) || loop < 1 || loop > 0x7fff) throw new BenchUsageError(`--loop ${loop}: a whole number from 1 to 32767`);
  }
  const d = loop !== undefined ? LOOP_DEFAULTS[op as 'sign' | 'keygen'] : DEFAULTS[op];
  const iterations = o.iterations ?? d.iterations;
  const warmup = o.warmup ?? d.warmup;
  const transportIterations = o.transportIterations ?? DEFAULT_TRANSPORT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1) throw new BenchUsageError(`--iterations ${iterations}: a whole number >= 1`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new BenchUsageError(`--warmup ${warmup}: a whole number >= 0`);
  if (!Number.isInteger(transportIterations) || transportIterations < 0) throw new BenchUsageError(`--transport-iterations ${transportIterations}: a whole number >= 0`);
  const spec: BenchSpec = { op };
  if (alg !== undefined) spec.alg = alg;
  if (loop !== undefined) spec.loop = loop;
  return { spec, iterations, warmup, transportIterations };
}

/** The simulator is the harness's own (started for this run): it can load the bench applets and install them. */
function ownSimulator(profile: Profile): boolean {
  const sim = profile.sim;
  if (!profile.card.emulated || !sim) return false;
  return profile.ixit.transport === 'sim' || (profile.ixit.transport === 'pcsc' && sim.vpcdReaders !== undefined);
}

function describeDistribution(d: TimingDistribution): string {
  return d.distribution === 'fixed' ? `fixed ${d.medianMs} ms` : `lognormal median ${d.medianMs} ms cv ${d.cv ?? 0}`;
}

/** The timing model as the simulator states it on start-up, e.g. "keygen lognormal median 9700 ms cv 0.6; seed 7". */
export function describeTimingModel(tm: NonNullable<NonNullable<Profile['sim']>['timingModel']>): string {
  const parts: string[] = [];
  if (tm.keygen) parts.push(`keygen ${describeDistribution(tm.keygen)}`);
  if (tm.sign) parts.push(`sign ${describeDistribution(tm.sign)}`);
  if (tm.seed !== undefined) parts.push(`seed ${tm.seed}`);
  return parts.join('; ');
}

/**
 * Whether the model paces what this run times. The simulator paces KeyPair.genKeyPair and Signature.sign; the
 * reference JPKI applet signs RSA with Cipher (raw PKCS #1 on the DigestInfo), which the model leaves alone.
 */
function modelCovers(tm: NonNullable<NonNullable<Profile['sim']>['timingModel']>, spec: BenchSpec): boolean {
  if (spec.op === 'keygen') return tm.keygen !== undefined;
  if (spec.op === 'sign') return tm.sign !== undefined && (spec.loop !== undefined || spec.alg !== 'rsa2048');
  return false;
}

async function readIdentity(o: OpenCard, profile: Profile, notes: string[]): Promise<{ cplc?: string; iccid?: string }> {
  const s = o.session;
  const out: { cplc?: string; iccid?: string } = {};
  try {
    const iccid = await readIccid(s);
    if (iccid && /^[0-9]{18,20}$/.test(iccid)) out.iccid = iccid;
    else if (iccid) notes.push(`ICCID ${iccid} is not 18-20 digits; not recorded`);
  } catch (err) {
    notes.push(`ICCID not read: ${(err as Error).message}`);
  }
  try {
    // CPLC lives with the issuer security domain; selecting it is harmless and GET DATA needs no secure channel.
    const sd = profile.ixit.gp?.sd ?? 'A000000151000000';
    const r = await s.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: Buffer.from(sd, 'hex'), le: 256 }, { name: 'SELECT security domain (for CPLC)' });
    if (r.sw === 0x9000 || r.sw >> 8 === 0x61) {
      const cplc = await readCplc(s);
      if (cplc) out.cplc = hex(cplc.raw);
    }
  } catch (err) {
    notes.push(`CPLC not read: ${(err as Error).message}`);
  }
  return out;
}

const elapsed = async (f: () => Promise<unknown>): Promise<bigint> => {
  const t0 = process.hrtime.bigint();
  await f();
  return process.hrtime.bigint() - t0;
};

export async function runBench(o: BenchOptions): Promise<BenchOutcome> {
  const checked = checkRequest(o);
  const { spec } = checked;
  const prior = o.resume !== undefined ? await loadResumable(o.resume, o, spec) : undefined;
  // A resumed run keeps the interrupted one's counts unless told otherwise; its transport probes are not repeated.
  const iterations = o.iterations ?? prior?.result.operation.iterations ?? checked.iterations;
  const warmup = prior ? prior.result.operation.warmup : checked.warmup;
  const transportIterations = prior ? (o.transportIterations ?? prior.result.transportSamplesNs?.length ?? 0) : checked.transportIterations;
  if (prior && iterations < prior.result.samplesNs.length) {
    throw new BenchUsageError(`--resume ${o.resume}: it already holds ${prior.result.samplesNs.length} samples, more than --iterations ${iterations}; nothing was measured or written`);
  }
  const progress = o.progress ?? silentProgress;
  const aborted = (): boolean => o.signal?.aborted === true;
  const own = ownSimulator(o.profile);
  const profile = own ? { ...o.profile, sim: benchSimSettings(o.profile.sim!, o.profile.ixit.jpki.aid) } : o.profile;
  const notes: string[] = [];
  const tm = own ? profile.sim?.timingModel : undefined;
  let timingModel: string | undefined;
  if (tm && (tm.keygen || tm.sign)) {
    if (modelCovers(tm, spec)) timingModel = describeTimingModel(tm);
    else notes.push(`the profile's timing model (${describeTimingModel(tm)}) does not pace this operation: these are the simulator's own durations`);
  }
  if (o.profile.card.emulated) notes.push(`emulated card: ${EMULATED_BANNER}`);
  if (timingModel) notes.push(`durations come from the simulator's timing model (${timingModel}), not from a card`);
  if (spec.op === 'keygen' && spec.alg === 'rsa2048' && !o.profile.card.emulated && o.profile.ixit.timeouts.apduMs < 120_000) {
    progress.note(`note: RSA-2048 keygen on cards takes about 1 s to minutes (median ~9.7 s); ixit.timeouts.apduMs is ${o.profile.ixit.timeouts.apduMs} ms, so a slow key will time out`);
  }

  const startedAt = prior ? new Date(prior.result.startedAt) : new Date();
  const card = await openCard(profile);
  // Samples measured in this session; a resumed run's earlier ones are prior.result's and come first.
  const samples: bigint[] = [];
  const baseline: bigint[] = [];
  const viaHarness: bigint[] = [];
  const bare: bigint[] = [];
  const before = {
    samples: prior?.result.samplesNs ?? [],
    baseline: prior?.result.baselineSamplesNs ?? [],
    viaHarness: prior?.result.transportSamplesNs ?? [],
    bare: prior?.result.bareTransportSamplesNs ?? [],
  };
  let identity: { cplc?: string; iccid?: string } = {};
  let op: TimedOperation | undefined;
  let error: Error | undefined;
  let measuring = false;
  let file = prior?.file;

  /** The result as it stands; `interrupted` until every sample is in. */
  const build = (): BenchResult => {
    const all = [...before.samples, ...nsFromBigInt(samples)];
    const result: BenchResult = {
      schema: BENCH_SCHEMA_ID,
      harnessVersion: harnessVersion(),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      host: hostInfo(),
      card: {
        atr: hex(card.session.atr),
        variant: profile.card.variant,
        vendor: profile.card.vendor ?? 'unknown',
        carrier: profile.card.carrier,
        emulated: profile.card.emulated,
      },
      profile: { path: o.profilePath ?? (relative(process.cwd(), profile.file) || profile.file), name: profile.name },
      reader: card.reader,
      operation: { name: spec.op, iterations, warmup },
      samplesNs: all,
      interrupted: all.length < iterations,
      notes: [...notes],
    };
    if (identity.cplc) result.card.cplc = identity.cplc;
    if (identity.iccid) result.card.iccid = identity.iccid;
    if (timingModel) result.card.timingModel = timingModel;
    if (spec.alg) result.operation.algorithm = spec.alg;
    if (op?.operationsPerSample !== undefined) result.operation.operationsPerSample = op.operationsPerSample;
    const transport = [...before.viaHarness, ...nsFromBigInt(viaHarness)];
    const bareAll = [...before.bare, ...nsFromBigInt(bare)];
    if (transport.length > 0) result.transportSamplesNs = transport;
    if (bareAll.length > 0) result.bareTransportSamplesNs = bareAll;
    if (op?.baseline) result.baselineSamplesNs = [...before.baseline, ...nsFromBigInt(baseline)];
    if (op?.keys && op.keys.count > 0) result.keyQuality = op.keys.summary();
    const summary = resultSummary(result);
    if (summary) result.summary = summary;
    return result;
  };
  /** Every sample reaches the result file as it is taken, so a run killed outright loses at most the one in flight. */
  const save = async (): Promise<void> => {
    const r = build();
    file ??= await claimResultFile(r, o.outDir ?? join(process.cwd(), 'reports', 'bench'));
    await replaceResultFile(file, r);
  };

  try {
    identity = await readIdentity(card, profile, notes);
    if (prior) {
      const mismatch = differentCard(prior.result, { atr: hex(card.session.atr), variant: profile.card.variant, ...identity });
      if (mismatch) throw new BenchUsageError(`--resume ${prior.file}: ${mismatch}; nothing was measured or written`);
      notes.splice(0, notes.length, ...mergeNotes(prior.result.notes, notes));
      if (timingModel && tm?.seed !== undefined) {
        // Measured on the timing-model profile: the seeded model restarts with the simulator, so the samples after a
        // resume replay the first session's draws.
        notes.push(`the timing model's seeded draws (seed ${tm.seed}) restart with the simulator: the samples after the resume repeat the earlier sequence, they are not new draws`);
      }
      const host = hostInfo();
      if (host.hostname !== prior.result.host.hostname || host.platform !== prior.result.host.platform) {
        notes.push(`resumed on host ${host.hostname} (${host.platform}); the run started on ${prior.result.host.hostname} (${prior.result.host.platform})`);
      }
    }
    op = await prepareOperation({ session: card.session, profile, provisionable: own, pin: () => resolveSecret(profile.ixit.jpki.pin, 'ixit.jpki.pin') }, spec);
    if (prior?.result.keyQuality) op.keys?.continueFrom(prior.result.keyQuality);
    if (!notes.includes(`timed: ${op.description}`)) notes.push(`timed: ${op.description}`);

    if (prior) {
      notes.push(`resumed ${new Date().toISOString()} after ${before.samples.length} of ${iterations} sample(s); the warm-up was not repeated, so the first sample after it may carry first-call costs`);
    } else {
      progress.phase('warm-up', warmup);
      let warmedUp = 0;
      for (let i = 0; i < warmup && !aborted(); i++) {
        if (op.baseline) await op.baseline();
        await op.sample();
        await op.afterSample?.();
        warmedUp++;
        progress.update(i + 1);
      }
      if (warmedUp < warmup) notes.push(`interrupted during warm-up: ${warmedUp} of ${warmup} warm-up iteration(s) ran`);
    }

    // The same command both ways, alternating, so both paths see the same card and machine state.
    const minimal = op.minimal;
    const wire = encodeCommand(minimal.cmd);
    const transport = card.session.transport;
    if (transportIterations > 0 && !prior) notes.push(`minimal APDU: ${minimal.description}`);
    const transportLeft = Math.max(0, transportIterations - before.viaHarness.length);
    if (transportLeft > 0) {
      progress.phase('transport', transportLeft);
      for (let i = 0; i < transportLeft && !aborted(); i++) {
        bare.push(await elapsed(() => transport.transmit(wire)));
        viaHarness.push(await elapsed(() => card.session.transmit(minimal.cmd, { name: 'minimal APDU' })));
        progress.update(i + 1);
      }
    }

    measuring = true;
    if (!aborted()) await save();
    if (op.baseline) {
      // JCAlgTest's order: the zero-iteration series first, on its own. Interleaving it with the loop would hand it
      // the after-effects of each operation (on the simulator, the JVM collecting a keygen's garbage).
      progress.phase('baseline', iterations, before.baseline);
      for (let i = before.baseline.length; i < iterations && !aborted(); i++) {
        const ns = await elapsed(() => op!.baseline!());
        baseline.push(ns);
        await save();
        progress.update(i + 1, Number(ns));
      }
    }
    progress.phase('measure', iterations, before.samples);
    for (let i = before.samples.length; i < iterations && !aborted(); i++) {
      const ns = await elapsed(() => op!.sample());
      samples.push(ns);
      await op.afterSample?.();
      await save();
      progress.update(i + 1, Number(ns));
    }
  } catch (err) {
    if (!measuring) throw err;
    // A card that fails mid-run (removed, timed out, refusing) leaves the samples measured so far; keep them.
    error = err as Error;
    notes.push(`stopped by an error after ${before.samples.length + samples.length} sample(s): ${error.message}`);
  } finally {
    progress.end();
    await card.close();
  }

  const done = before.samples.length + samples.length;
  const interrupted = done < iterations;
  if (interrupted && !error) notes.push(`interrupted after ${done} of ${iterations} sample(s)`);
  const result = build();

  let refused: string | undefined;
  if (op?.baseline && !interrupted) {
    const b = subtractBaseline(result.samplesNs, result.baselineSamplesNs ?? [], { operationsPerSample: op.operationsPerSample ?? 1 });
    if (!b.ok) {
      refused = `${b.reason}: ${b.message}`;
      notes.push(`no per-operation time reported: ${refused}`);
      result.notes = [...notes];
    }
  }

  const valid = validateBenchResult(result);
  if (!valid.ok) throw new Error(`the bench result does not validate (a harness bug): ${valid.errors.join('; ')}`);
  file ??= await claimResultFile(result, o.outDir ?? join(process.cwd(), 'reports', 'bench'));
  await replaceResultFile(file, result);
  const outcome: BenchOutcome = { result, file };
  if (refused) outcome.refused = refused;
  if (error) outcome.error = error;
  return outcome;
}

/** An interrupted result to continue, checked against the request before any card is touched. */
export interface Resumable {
  file: string;
  result: BenchResult;
}

/**
 * Loads the result `--resume` names and checks it can be continued by this request: it validates, it was
 * interrupted, and it timed the same operation (algorithm, loop) with the same profile. The card is
 * compared once it answers (differentCard).
 */
export async function loadResumable(path: string, o: Pick<BenchOptions, 'profile'>, spec: BenchSpec): Promise<Resumable> {
  const file = resolve(path);
  let v;
  try {
    v = await loadBenchResult(file);
  } catch (err) {
    throw new BenchUsageError(`--resume ${path}: cannot read it (${osError(err)})`);
  }
  if (!v.ok) throw new BenchUsageError(`--resume ${path}: not a bench result simcert can continue:\n  ${v.errors.join('\n  ')}`);
  const r = v.result;
  const refuse = (why: string): never => {
    throw new BenchUsageError(`--resume ${path}: ${why}; nothing was measured or written`);
  };
  if (!r.interrupted) refuse(`the run is complete (${r.samplesNs.length} of ${r.operation.iterations} samples), nothing to resume`);
  const was = [r.operation.name, r.operation.algorithm, r.operation.operationsPerSample ? `loop ${r.operation.operationsPerSample}` : undefined].filter(Boolean).join(' ');
  const now = [spec.op, spec.alg, spec.loop ? `loop ${spec.loop}` : undefined].filter(Boolean).join(' ');
  if (was !== now) refuse(`it timed ${was}, this run asks for ${now}`);
  if (r.profile.name !== o.profile.name) refuse(`it was made with profile "${r.profile.name}", not "${o.profile.name}"`);
  if (r.keyQuality === undefined && spec.op === 'keygen' && r.samplesNs.length > 0) refuse('its keygen samples carry no key-quality summary to continue');
  return { file, result: r };
}

/**
 * Why the card now in the reader is not the one the interrupted run measured, or undefined when it is: the CPLC
 * (which carries the chip's serial number) and the ICCID must both match where either run could read them;
 * without either (a simulator), the ATR and the profile's card variant stand for the card.
 */
export function differentCard(prior: BenchResult, now: { atr: string; variant: string; cplc?: string; iccid?: string }): string | undefined {
  const was = prior.card;
  if (was.cplc !== undefined || now.cplc !== undefined) {
    if (was.cplc?.toUpperCase() !== now.cplc?.toUpperCase()) return `a different card: CPLC ${now.cplc ?? '(not readable)'}, the run measured CPLC ${was.cplc ?? '(not read)'}`;
  }
  if (was.iccid !== undefined || now.iccid !== undefined) {
    if (was.iccid !== now.iccid) return `a different card: ICCID ${now.iccid ?? '(not readable)'}, the run measured ICCID ${was.iccid ?? '(not read)'}`;
  }
  if (was.atr.toUpperCase() !== now.atr.toUpperCase()) return `a different card: ATR ${now.atr}, the run measured ATR ${was.atr}`;
  if (was.variant !== now.variant) return `a different card: variant ${now.variant}, the run measured ${was.variant}`;
  return undefined;
}

/** The interrupted run's notes without its "interrupted" lines, then this session's that are new. */
function mergeNotes(earlier: readonly string[], now: readonly string[]): string[] {
  const kept = earlier.filter((n) => !n.startsWith('interrupted after ') && !n.startsWith('interrupted during warm-up'));
  return [...kept, ...now.filter((n) => !kept.includes(n))];
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'card';
}

/** Creates the result file under a new name (never over an earlier run's); fails with the path and the OS error. */
async function claimResultFile(r: BenchResult, dir: string): Promise<string> {
  try {
    await makeDir(dir);
  } catch (err) {
    throw new EnvironmentError(`cannot write bench results to ${dir}: ${osError(err)}`);
  }
  const stamp = r.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const what = [r.operation.name, r.operation.algorithm, r.operation.operationsPerSample ? `loop${r.operation.operationsPerSample}` : undefined].filter(Boolean).join('-');
  const base = `${stamp}-${slug(r.profile.name)}-${what}`;
  for (let n = 1; ; n++) {
    const file = join(dir, `${base}${n === 1 ? '' : `-${n}`}.json`);
    try {
      await writeFile(file, `${JSON.stringify(r, null, 2)}\n`, { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw new EnvironmentError(`cannot write bench results to ${file}: ${osError(err)}`);
    }
  }
}

/**
 * Rewrites the result file whole, atomically: the new text goes to a file beside it that is then renamed over it,
 * so whatever stops the run (Ctrl-C, a crash, the power) leaves either the previous version or the new one, each a
 * complete result that validates.
 */
async function replaceResultFile(file: string, r: BenchResult): Promise<void> {
  await replaceFile(file, `${JSON.stringify(r, null, 2)}\n`, 'bench results');
}

/** The report printed on stdout after a run: what was timed, the statistics, transport versus harness, keys. */
export function describeResult(r: BenchResult): string[] {
  const s = summarize(r);
  const lines: string[] = [];
  lines.push(`${s.operation} on ${s.card}, profile ${r.profile.path}`);
  lines.push(`  reader ${r.reader}; ATR ${r.card.atr}${r.card.cplc ? `; CPLC ${r.card.cplc}` : ''}${r.card.iccid ? `; ICCID ${r.card.iccid}` : ''}`);
  for (const c of s.caveats) lines.push(`  *** ${c} ***`);
  const per = r.operation.operationsPerSample;
  lines.push(`  ${s.n} sample(s) after ${r.operation.warmup} warm-up, ${per ? `${per} operation(s) inside each timed APDU` : 'one timed APDU per operation'}`);
  if (s.stats) {
    const st = s.stats;
    lines.push(`  min ${formatNs(st.min)}  p50 ${formatNs(st.p50)}  p90 ${formatNs(st.p90)}  p99 ${formatNs(st.p99)}  max ${formatNs(st.max)}`);
    lines.push(`  mean ${formatNs(st.mean)}  sd ${Number.isFinite(st.sd) ? formatNs(st.sd) : '–'}  cv ${Number.isFinite(st.cv) ? `${(st.cv * 100).toFixed(2)} %` : '–'}  outliers (1.5 IQR) ${s.outliers}`);
    lines.push(`  95 % CI of the median: ${s.medianCi ? `${formatNs(s.medianCi.lower)} – ${formatNs(s.medianCi.upper)} (order statistics ${s.medianCi.lowerRank}..${s.medianCi.upperRank}, coverage ${(s.medianCi.coverage * 100).toFixed(1)} %)` : 'n/a (fewer than 6 samples)'}`);
  }
  if (s.transport) {
    const viaHarness = s.transport.p50;
    const bareNs = r.bareTransportSamplesNs && r.bareTransportSamplesNs.length > 0 ? median(r.bareTransportSamplesNs) : undefined;
    lines.push(`  minimal APDU round trip (${s.transport.n} each path, same run): ${formatNs(viaHarness)} through the harness${bareNs !== undefined ? `, ${formatNs(bareNs)} through the bare transport` : ''}`);
    if (bareNs !== undefined) {
      lines.push(`  harness overhead per APDU: ${formatNs(viaHarness - bareNs)} (${(viaHarness / bareNs).toFixed(2)}x the bare round trip)`);
    }
    if (s.stats && !per) {
      const card = s.stats.p50 - viaHarness;
      lines.push(`  card time per operation ~ p50 - minimal APDU p50 = ${formatNs(card)}${card <= 0 ? ' (not above the round trip: the operation is lost in transport noise)' : ''}`);
    }
  }
  if (s.baseline) {
    const b = s.baseline;
    if (b.ok) {
      lines.push(`  per operation, baseline subtracted (JCAlgTest: first sample dropped, 1.5 IQR outliers removed): ${formatNs(b.perOperationNs)}`);
      lines.push(`    loop median ${formatNs(b.loopMedianNs)}, baseline median ${formatNs(b.baselineMedianNs)} (cv ${(b.baselineCv * 100).toFixed(2)} %)`);
      for (const w of b.warnings) lines.push(`    warning: ${w}`);
    } else {
      lines.push(`  per operation: NOT REPORTED (${b.reason}): ${b.message}`);
    }
  }
  if (r.keyQuality) for (const l of describeKeyQuality(r.keyQuality)) lines.push(`  ${l}`);
  for (const n of r.notes) {
    if (n.startsWith('emulated card:') || n.startsWith('durations come from')) continue; // already a caveat above
    lines.push(`  note: ${n}`);
  }
  return lines;
}
