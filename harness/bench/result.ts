// The JSON document `simcert bench` writes per run (one operation timed on one card) and `simcert compare` reads:
// its type, validation against result.schema.json (JSON Schema 2020-12, ajv) with one readable message per field,
// and summarize(), the statistics a report shows for one run.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { schemaValidator } from '../schema-validator.ts';
import {
  median,
  medianConfidenceInterval,
  quantileSorted,
  sampleStats,
  sortedCopy,
  splitOutliers,
  subtractBaseline,
  type BaselineResult,
  type Fences,
  type MedianInterval,
  type Ns,
  type SampleStats,
} from './stats.ts';

export const BENCH_SCHEMA_ID = 'simcert-bench/1';
export const SCHEMA_URL = new URL('./result.schema.json', import.meta.url);

/** The words every report puts on emulated results: a simulator's durations say nothing about a card. */
export const EMULATED_BANNER = 'functional only, not card timing';

export type OperationName = 'sign' | 'keygen' | 'verify-pin' | 'select' | 'apdu-echo';
export type Algorithm = 'rsa2048' | 'p256' | 'p384';

export interface BenchResult {
  schema: typeof BENCH_SCHEMA_ID;
  harnessVersion: string;
  /** RFC 3339 date-times. */
  startedAt: string;
  finishedAt: string;
  host: { hostname: string; platform: string; cpus: number; cpuModel?: string; node: string };
  card: {
    atr: string;
    cplc?: string;
    iccid?: string;
    variant: string;
    vendor: string;
    carrier: string;
    /** No real card answered: timings are functional only. */
    emulated: boolean;
    /** Durations come from this timing model, not from a measurement. */
    timingModel?: string;
  };
  profile: { path: string; name: string };
  reader: string;
  operation: {
    name: OperationName;
    /** Required for sign and keygen. */
    algorithm?: Algorithm;
    iterations: number;
    warmup: number;
    /** Operations looped inside one timed APDU (JCAlgTest style). */
    operationsPerSample?: number;
  };
  /** One duration per measured iteration, warm-up excluded, in measurement order. */
  samplesNs: Ns[];
  transportSamplesNs?: Ns[];
  /** The same minimal APDU as transportSamplesNs, straight through the transport (no APDU layer, no trace). */
  bareTransportSamplesNs?: Ns[];
  baselineSamplesNs?: Ns[];
  /** Checks of the public keys a keygen run made the card generate (no key material: counts and fingerprints). */
  keyQuality?: KeyQualitySummary;
  /** The statistics of samplesNs (resultSummary), absent in files from before it existed and in runs without samples. */
  summary?: StoredSummary;
  /** The run stopped early (Ctrl-C, card removed); samplesNs holds what was measured. */
  interrupted: boolean;
  notes: string[];
}

/** The summary a result file carries beside its samples (result.schema.json, "summary"). */
export interface StoredSummary {
  n: number;
  medianNs: Ns;
  medianCi?: { lowerNs: Ns; upperNs: Ns; coverage: number; confidence: number };
  quantilesNs: { min: Ns; p10: Ns; p25: Ns; p50: Ns; p75: Ns; p90: Ns; p99: Ns; max: Ns };
  meanNs: Ns;
  sdNs?: Ns;
  cv?: number;
  outliers: number;
  overhead?: { transportMedianNs: Ns; bareTransportMedianNs?: Ns; harnessPerApduNs?: Ns };
  perOperationNs?: Ns;
}

export interface KeyQualitySummary {
  algorithm: Algorithm;
  keys: number;
  distinct: number;
  duplicates: number;
  /** RSA only: what the modulus and exponent should be, and how many keys missed. */
  expectedBits?: number;
  /** Decimal. */
  expectedExponent?: string;
  wrongSize?: number;
  wrongExponent?: number;
  smallFactors?: number;
  sharedFactors?: number;
  /** Keys with the ROCA fingerprint (CVE-2017-15361). */
  rocaVulnerable?: number;
  ok: boolean;
  problems: string[];
  /** RSA: the key-source fingerprint of all keys (key-fingerprint.ts); informative, it does not decide `ok`. */
  fingerprint?: { verdict: 'consistent with uniform' | 'biased' | 'too few keys'; summary: string };
  /**
   * One entry per key in generation order: what the checks saw and a SHA-256 of the public value (modulus or point);
   * RSA keys also the fingerprint's features of the modulus (top byte, second least significant bit, n mod 3).
   */
  perKey: Array<{ bits: number; exponent?: string; roca?: boolean; topByte?: number; lsb2?: 0 | 1; mod3?: 0 | 1 | 2; sha256: string }>;
}

const schemaValidate = schemaValidator<BenchResult>(fileURLToPath(SCHEMA_URL), { allErrors: true, strict: true, verbose: true });

export type Validation = { ok: true; result: BenchResult } | { ok: false; errors: string[] };

/** Checks a parsed document: the schema, then what a schema cannot say (dates in order, sample counts). */
export function validateBenchResult(data: unknown): Validation {
  if (!schemaValidate(data)) return { ok: false, errors: dedupe((schemaValidate.errors ?? []).map(describeError)) };
  const r = data;
  const errors: string[] = [];
  const started = Date.parse(r.startedAt);
  const finished = Date.parse(r.finishedAt);
  if (Number.isNaN(started)) errors.push(`startedAt: ${JSON.stringify(r.startedAt)} is not a real date`);
  if (Number.isNaN(finished)) errors.push(`finishedAt: ${JSON.stringify(r.finishedAt)} is not a real date`);
  if (finished < started) errors.push(`finishedAt: ${r.finishedAt} is before startedAt ${r.startedAt}`);
  const n = r.samplesNs.length;
  if (r.summary && r.summary.n !== n) errors.push(`summary.n: ${r.summary.n}, but samplesNs holds ${n} samples (the summary is not of these samples)`);
  if (n > r.operation.iterations) errors.push(`samplesNs: ${n} samples but operation.iterations is ${r.operation.iterations}`);
  if (!r.interrupted && n !== r.operation.iterations) {
    errors.push(`samplesNs: ${n} samples for ${r.operation.iterations} iterations, and the run is not marked interrupted`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, result: r };
}

/** Parses and validates JSON text; `source` (a file name) prefixes every message. */
export function parseBenchResult(text: string, source = 'bench result'): Validation {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`${source}: not JSON (${(e as Error).message})`] };
  }
  const v = validateBenchResult(data);
  return v.ok ? v : { ok: false, errors: v.errors.map((m) => `${source}: ${m}`) };
}

export async function loadBenchResult(path: string): Promise<Validation> {
  return parseBenchResult(await readFile(path, 'utf8'), path);
}

function pointer(instancePath: string): string {
  if (instancePath === '') return '(document)';
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

function describeError(e: ErrorObject): string {
  const where = pointer(e.instancePath);
  const hint = (e.parentSchema as { 'x-hint'?: string } | undefined)?.['x-hint'];
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${where === '(document)' ? '' : `${where}.`}${String(p.missingProperty)}: missing required field`;
    case 'additionalProperties':
      return `${where === '(document)' ? '' : `${where}.`}${String(p.additionalProperty)}: unknown field`;
    case 'type':
      return `${where}: must be ${p.type === 'integer' ? 'a whole number' : `a ${String(p.type)}`}, got ${typeName(e.data)}`;
    case 'const':
      return `${where}: must be ${JSON.stringify(p.allowedValue)}, got ${JSON.stringify(e.data)}`;
    case 'enum':
      return `${where}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(e.data)}`;
    case 'pattern':
      return `${where}: ${JSON.stringify(e.data)} is not ${hint ?? `in the form ${String(p.pattern)}`}`;
    case 'minimum':
      return `${where}: ${String(e.data)} is below the minimum ${String(p.limit)}`;
    case 'minLength':
      return `${where}: must not be empty`;
    case 'minItems':
      return `${where}: needs at least ${String(p.limit)} sample(s) unless the run is marked interrupted`;
    case 'if':
      // The failing branch reports the actual problem itself.
      return '';
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function dedupe(messages: string[]): string[] {
  return [...new Set(messages.filter((m) => m !== ''))];
}

/** Where the durations came from, which decides how a report may present them. */
export type TimingSource = 'card' | 'emulated' | 'model';

export function timingSource(r: BenchResult): TimingSource {
  if (r.card.emulated) return 'emulated';
  return r.card.timingModel !== undefined ? 'model' : 'card';
}

/** The caveats a report must print next to this result. */
export function caveats(r: BenchResult): string[] {
  const out: string[] = [];
  if (r.card.emulated) out.push(EMULATED_BANNER);
  if (r.card.timingModel !== undefined) out.push(`durations from timing model "${r.card.timingModel}", not measured on a card`);
  if (r.interrupted) out.push(`run interrupted after ${r.samplesNs.length} of ${r.operation.iterations} iterations`);
  return out;
}

export function operationKey(r: BenchResult): string {
  return r.operation.algorithm ? `${r.operation.name} ${r.operation.algorithm}` : r.operation.name;
}

export function cardLabel(r: BenchResult): string {
  return `${r.card.vendor} ${r.card.variant} (${r.card.carrier})`;
}

export interface BenchSummary {
  card: string;
  operation: string;
  timing: TimingSource;
  caveats: string[];
  n: number;
  /** Of samplesNs as recorded (one per timed APDU); absent when the run has no samples. */
  stats?: SampleStats;
  /** 95 % distribution-free interval; absent below 6 samples, where no such interval exists. */
  medianCi?: MedianInterval;
  fences?: Fences;
  outliers: number;
  transport?: SampleStats;
  /** Per-operation time after subtracting the zero-iteration baseline, when the run recorded one. */
  baseline?: BaselineResult;
}

export function summarize(r: BenchResult): BenchSummary {
  const s: BenchSummary = {
    card: cardLabel(r),
    operation: operationKey(r),
    timing: timingSource(r),
    caveats: caveats(r),
    n: r.samplesNs.length,
    outliers: 0,
  };
  if (r.samplesNs.length > 0) {
    s.stats = sampleStats(r.samplesNs);
    const ci = medianConfidenceInterval(r.samplesNs, 0.95);
    if (ci) s.medianCi = ci;
    const split = splitOutliers(r.samplesNs);
    s.fences = split.fences;
    s.outliers = split.removed.length;
  }
  if (r.transportSamplesNs && r.transportSamplesNs.length > 0) s.transport = sampleStats(r.transportSamplesNs);
  if (r.baselineSamplesNs) {
    s.baseline = subtractBaseline(r.samplesNs, r.baselineSamplesNs, { operationsPerSample: r.operation.operationsPerSample ?? 1 });
  }
  return s;
}

/**
 * The statistics written beside the samples, so a consumer of the JSON need not recompute them: median and its
 * distribution-free 95 % interval, type-7 quantiles, mean, spread, Tukey outliers, the transport and harness
 * overhead, and in loop mode the per-operation time with the baseline subtracted. Undefined without samples.
 */
export function resultSummary(r: Omit<BenchResult, 'summary'>): StoredSummary | undefined {
  const samples = r.samplesNs;
  if (samples.length === 0) return undefined;
  const sorted = sortedCopy(samples);
  const q = (p: number): Ns => quantileSorted(sorted, p);
  const st = sampleStats(samples);
  const out: StoredSummary = {
    n: samples.length,
    medianNs: st.p50,
    quantilesNs: { min: st.min, p10: q(0.1), p25: q(0.25), p50: st.p50, p75: q(0.75), p90: st.p90, p99: st.p99, max: st.max },
    meanNs: st.mean,
    outliers: splitOutliers(samples).removed.length,
  };
  const ci = medianConfidenceInterval(samples, 0.95);
  if (ci) out.medianCi = { lowerNs: ci.lower, upperNs: ci.upper, coverage: ci.coverage, confidence: ci.confidence };
  if (Number.isFinite(st.sd)) out.sdNs = st.sd;
  if (Number.isFinite(st.cv)) out.cv = st.cv;
  if (r.transportSamplesNs && r.transportSamplesNs.length > 0) {
    const via = median(r.transportSamplesNs);
    out.overhead = { transportMedianNs: via };
    if (r.bareTransportSamplesNs && r.bareTransportSamplesNs.length > 0) {
      const bare = median(r.bareTransportSamplesNs);
      out.overhead.bareTransportMedianNs = bare;
      out.overhead.harnessPerApduNs = via - bare;
    }
  }
  if (r.baselineSamplesNs && r.baselineSamplesNs.length > 0) {
    const b = subtractBaseline(samples, r.baselineSamplesNs, { operationsPerSample: r.operation.operationsPerSample ?? 1 });
    if (b.ok) out.perOperationNs = b.perOperationNs;
  }
  return out;
}
