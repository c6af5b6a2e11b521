// What `simcert bench` times, and how the card gets ready for it. Two methods:
// - one APDU per operation through the card's JPKI AP (COMPUTE DIGITAL SIGNATURE, VERIFY, SELECT, GENERATE
//   ASYMMETRIC KEY PAIR): what a phone's UI app waits for, transport included;
// - `--loop N`, JCAlgTest's: the benchmark applet (lab/applets/bench) runs the operation N times inside one APDU,
//   and the same APDU with N = 0 is the baseline the runner subtracts.
// On a simulator the harness starts itself, the applets are installed fresh with CREATE APPLET (and the JPKI AP
// personalized with the vectors/ fixture); a real card is used as it comes, and nothing here writes a key or PIN
// into it. The timed part of a sample is only the command that does the work; reading a generated public key for
// the key-quality checks happens after the clock stops.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type CommandApdu, type ResponseApdu } from '../apdu/apdu.ts';
import { CardError, type CardSession } from '../apdu/session.ts';
import { describeSw, isOk } from '../apdu/status-words.ts';
import { equalBytes, fromHex, hex } from '../bytes.ts';
import { EF, JpkiClient } from '../jpki/client.ts';
import { digestInfo } from '../jpki/digest-info.ts';
import { assertOnCurve } from '../jpki/ecdsa-check.ts';
import { EC_CURVES, isEc, type KeyAlgorithm } from '../jpki/key-algorithm.ts';
import { createApplet, directSender, ecFixtureDgis, EF_GENERATED_PUBLIC_KEY, parsePublicKeyTemplate, personalizeFixture, sendDgis } from '../jpki/provision.ts';
import { loadJpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { createAppletInstance } from '../sim/create-applet.ts';
import type { Profile, SimApplet, SimSettings } from '../profile/types.ts';
import type { Algorithm, KeyQualitySummary, OperationName } from './result.ts';
import { fingerprint, keyFeatures } from './key-fingerprint.ts';
import { checkKeyQuality } from './roca.ts';

/** The benchmark applet as the simulator loads it (lab/applets/bench/README.md). */
export const BENCH_APPLET: SimApplet = { aid: 'F0534D43455254424E43480001', class: 'org.simcert.applets.bench.BenchApplet', codebase: 'bench' };
export const JPKI_APPLET: Omit<SimApplet, 'aid'> = { class: 'org.simcert.applets.jpki.JpkiApplet', codebase: 'jpki' };

/** Benchmark applet instructions and operation codes (P1). */
const BENCH = { PREPARE: 0x10, RUN: 0x20, ECHO: 0x30, PUBLIC_KEY: 0x40 } as const;
const LOOP_OPS: Record<string, number> = { 'sign rsa2048': 0x01, 'sign p256': 0x02, 'keygen rsa2048': 0x03, 'keygen p256': 0x04 };

/** What is signed: fixed, so every sample does the same work. */
const MESSAGE = new TextEncoder().encode('simcert bench: the same message every time');
/** Payload of apdu-echo: enough to cross the wire both ways (and take a GET RESPONSE on T=0). */
const ECHO_BYTES = 32;

export interface BenchSpec {
  op: OperationName;
  alg?: Algorithm;
  /** Operations per APDU with the benchmark applet; absent: one APDU per operation through the JPKI AP. */
  loop?: number;
}

export interface CardUnderTest {
  session: CardSession;
  profile: Profile;
  /** The harness started this simulator itself with the applets bench needs loaded: it may CREATE APPLET them. */
  provisionable: boolean;
  /** Resolves the profile's PIN only when an operation needs it. */
  pin(): Promise<string>;
}

export interface TimedOperation {
  /** What one timed sample sends, for the report. */
  description: string;
  /** Set in loop mode: operations the card runs inside one timed APDU. */
  operationsPerSample?: number;
  /** The timed exchange of one sample; throws when the card does not do the work. */
  sample(): Promise<void>;
  /** Loop mode: the zero-iteration APDU. */
  baseline?(): Promise<void>;
  /** Untimed work after each sample (reading the key just generated). */
  afterSample?(): Promise<void>;
  /** A minimal APDU the selected application answers at once without changing its state, for the transport probes. */
  minimal: { cmd: CommandApdu; description: string };
  /** Keygen runs: the public keys collected so far. */
  keys?: GeneratedKeys;
}

/** The profile's simulator settings with the applets a bench run installs added to what the simulator loads. */
export function benchSimSettings(sim: SimSettings, jpkiAid: string): SimSettings {
  const applets = [...sim.applets];
  const has = (aid: string): boolean => applets.some((a) => a.aid.toUpperCase() === aid.toUpperCase());
  if (!has(jpkiAid)) applets.push({ aid: jpkiAid.toUpperCase(), ...JPKI_APPLET });
  if (!has(BENCH_APPLET.aid)) applets.push(BENCH_APPLET);
  return { ...sim, applets };
}

/** A command the card must answer with 9000 (and, when given, exactly `length` data bytes). */
async function must(session: CardSession, cmd: CommandApdu, name: string, length?: number): Promise<ResponseApdu> {
  const r = await session.transmit(cmd, { name });
  if (!isOk(r.sw)) throw new CardError(name, cmd, r.sw);
  if (length !== undefined && r.data.length !== length) throw new Error(`${name}: ${r.data.length} data bytes in the answer, expected ${length}`);
  return r;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function hashFor(alg: KeyAlgorithm): Uint8Array {
  if (!isEc(alg)) return sha256(MESSAGE);
  return new Uint8Array(createHash(EC_CURVES[alg].hash).update(MESSAGE).digest());
}

export async function prepareOperation(card: CardUnderTest, spec: BenchSpec): Promise<TimedOperation> {
  if (spec.loop !== undefined) return loopOperation(card, spec, spec.loop);
  switch (spec.op) {
    case 'sign':
      return signOperation(card, spec.alg!);
    case 'keygen':
      return keygenOperation(card, spec.alg!);
    case 'verify-pin':
      return verifyPinOperation(card);
    case 'select':
      return selectOperation(card);
    case 'apdu-echo':
      return echoOperation(card);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The JPKI AP, one APDU per operation

/** An instruction no JPKI AP knows, answered at once (6D00) without touching the application's state. */
const UNKNOWN_INS: CommandApdu = { cla: 0x80, ins: 0x7e, p1: 0x00, p2: 0x00 };
const JPKI_MINIMAL = { cmd: UNKNOWN_INS, description: '80 7E 00 00, an instruction the JPKI AP does not know (answered at once)' };

/**
 * The JPKI AP ready for the operation: on a provisionable simulator a fresh instance for `alg` (personalized with
 * the test fixture unless it is to generate its key); on any other card the instance the card has.
 */
async function jpkiFor(card: CardUnderTest, alg: KeyAlgorithm, personalize: boolean): Promise<JpkiClient> {
  const { profile, session } = card;
  const aid = fromHex(profile.ixit.jpki.aid);
  const jpki = new JpkiClient(session, aid);
  if (!card.provisionable) {
    await jpki.selectAp();
    return jpki;
  }
  await createApplet(session, aid, alg);
  await jpki.selectAp();
  if (!personalize) return jpki;
  const pers = profile.ixit.jpki.personalization;
  const vectors = await loadJpkiVectors(pers.source === 'fixture' ? pers.vectors : join(repoRoot, 'vectors', 'jpki'));
  const pin = await card.pin();
  const tries = profile.ixit.jpki.pinTryLimit;
  if (isEc(alg)) {
    const d = vectors.ecKeys[alg].d;
    session.trace.registerSecret(new TextEncoder().encode(pin));
    session.trace.registerSecret(d);
    // The fixture's certificate certifies the RSA key, not this one; the applet does not check, and timing does not care.
    await sendDgis(directSender(session), ecFixtureDgis(d, pin, tries, vectors.files), { final: true });
  } else {
    await personalizeFixture(session, vectors, pin, tries);
  }
  await jpki.selectAp();
  return jpki;
}

/** VERIFY once through the client's checks (it will not spend the last try); a wrong PIN stops the run there. */
async function verifiedPin(card: CardUnderTest, jpki: JpkiClient): Promise<Uint8Array> {
  const pin = await card.pin();
  const state = await jpki.verifyPin(pin);
  if (!state.verified) {
    throw new Error(`VERIFY with the profile's PIN was refused (${'blocked' in state ? 'PIN blocked' : `${state.triesLeft} tries left`}); not trying again`);
  }
  return new TextEncoder().encode(pin);
}

async function signOperation(card: CardUnderTest, alg: KeyAlgorithm): Promise<TimedOperation> {
  const jpki = await jpkiFor(card, alg, true);
  await verifiedPin(card, jpki);
  await jpki.selectEf(EF.USER_AUTH_KEY);
  const data = isEc(alg) ? hashFor(alg) : digestInfo('sha256', sha256(MESSAGE));
  const length = isEc(alg) ? 2 * EC_CURVES[alg].fieldBytes : 256;
  const cmd: CommandApdu = { cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x80, data, le: 256 };
  return {
    description: `COMPUTE DIGITAL SIGNATURE (80 2A 00 80) over a ${isEc(alg) ? `${EC_CURVES[alg].hash.toUpperCase()} hash` : 'SHA-256 DigestInfo'}, PIN verified once before`,
    sample: async () => {
      await must(card.session, cmd, 'COMPUTE DIGITAL SIGNATURE', length);
    },
    minimal: JPKI_MINIMAL,
  };
}

async function verifyPinOperation(card: CardUnderTest): Promise<TimedOperation> {
  const jpki = await jpkiFor(card, 'rsa2048', true);
  const pin = await verifiedPin(card, jpki);
  // verifyPin left EF 0018 current. Every sample presents the right PIN: a refusal throws at once, so a wrong PIN
  // costs one try, never a loop of them.
  const cmd: CommandApdu = { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: pin };
  return {
    description: 'VERIFY (00 20 00 80) of the user-authentication PIN, EF 0018 current',
    sample: async () => {
      const r = await card.session.transmit(cmd, { name: 'VERIFY user-auth PIN', redact: 'command-data' });
      if (!isOk(r.sw)) throw new CardError('VERIFY user-auth PIN (stopping: a PIN is never presented again after a refusal)', cmd, r.sw);
    },
    minimal: JPKI_MINIMAL,
  };
}

async function selectOperation(card: CardUnderTest): Promise<TimedOperation> {
  const jpki = await jpkiFor(card, 'rsa2048', true);
  const cmd: CommandApdu = { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: jpki.aid };
  return {
    description: `SELECT (00 A4 04 0C) of the JPKI AP ${hex(jpki.aid)}`,
    sample: async () => {
      await must(card.session, cmd, 'SELECT JPKI AP');
    },
    minimal: JPKI_MINIMAL,
  };
}

async function keygenOperation(card: CardUnderTest, alg: KeyAlgorithm): Promise<TimedOperation> {
  const jpki = await jpkiFor(card, alg, false);
  const keys = new GeneratedKeys(alg);
  const cmd: CommandApdu = { cla: 0x00, ins: 0x46, p1: 0x00, p2: 0x00 };
  let first = true;
  return {
    description: 'GENERATE ASYMMETRIC KEY PAIR (00 46 00 00) in the JPKI AP before personalization; the public key read from EF 0021 after the clock stops',
    sample: async () => {
      const r = await card.session.transmit(cmd, { name: 'GENERATE ASYMMETRIC KEY PAIR' });
      if (r.sw === 0x6985 && first) {
        throw new CardError('GENERATE ASYMMETRIC KEY PAIR: the JPKI AP refuses (it is personalized); keygen needs an instance before personalization', cmd, r.sw);
      }
      if (!isOk(r.sw)) throw new CardError('GENERATE ASYMMETRIC KEY PAIR', cmd, r.sw);
      first = false;
    },
    afterSample: async () => {
      const key = parsePublicKeyTemplate(await jpki.readEf(EF_GENERATED_PUBLIC_KEY));
      if (key.kind === 'rsa') keys.addRsa(key.n, key.e);
      else keys.addEc(key.point);
    },
    minimal: JPKI_MINIMAL,
    keys,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark applet

const ECHO_MINIMAL = { cmd: { cla: 0x80, ins: BENCH.ECHO, p1: 0, p2: 0 } as CommandApdu, description: '80 30 00 00, the benchmark applet\'s ECHO with no data' };

async function selectBenchApplet(card: CardUnderTest, why: string): Promise<void> {
  const aid = fromHex(BENCH_APPLET.aid);
  if (card.provisionable) await createAppletInstance(card.session, aid); // the benchmark applet takes no install parameters
  const r = await card.session.transmit({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: aid }, { name: 'SELECT benchmark applet' });
  if (!isOk(r.sw)) {
    throw new Error(`${why} needs the benchmark applet (lab/applets/bench, AID ${BENCH_APPLET.aid}) on the card; SELECT answered ${describeSw(r.sw)}`);
  }
}

async function echoOperation(card: CardUnderTest): Promise<TimedOperation> {
  await selectBenchApplet(card, 'apdu-echo');
  const data = Uint8Array.from({ length: ECHO_BYTES }, (_, i) => i);
  const cmd: CommandApdu = { cla: 0x80, ins: BENCH.ECHO, p1: 0, p2: 0, data, le: 256 };
  return {
    description: `ECHO (80 30 00 00) of ${ECHO_BYTES} bytes, answered with the same bytes`,
    sample: async () => {
      const r = await must(card.session, cmd, 'ECHO', ECHO_BYTES);
      if (!equalBytes(r.data, data)) throw new Error('ECHO answered other bytes than it was sent');
    },
    minimal: ECHO_MINIMAL,
  };
}

async function loopOperation(card: CardUnderTest, spec: BenchSpec, n: number): Promise<TimedOperation> {
  const key = `${spec.op} ${spec.alg ?? ''}`.trim();
  const op = LOOP_OPS[key];
  if (op === undefined) throw new Error(`--loop is for ${Object.keys(LOOP_OPS).join(', ')}; not ${key}`);
  await selectBenchApplet(card, '--loop');
  await must(card.session, { cla: 0x80, ins: BENCH.PREPARE, p1: op, p2: 0 }, 'PREPARE');
  const count = (k: number): CommandApdu => ({ cla: 0x80, ins: BENCH.RUN, p1: op, p2: 0, data: Uint8Array.of(k >> 8, k & 0xff) });
  const loop = count(n);
  const zero = count(0);
  const alg = spec.alg!;
  const keys = spec.op === 'keygen' ? new GeneratedKeys(alg) : undefined;
  const timed: TimedOperation = {
    description: `RUN (80 20) of the benchmark applet: ${key} ${n} time(s) in one APDU, against the same APDU with 0`,
    operationsPerSample: n,
    sample: async () => {
      await must(card.session, loop, `RUN ${key} x${n}`);
    },
    baseline: async () => {
      await must(card.session, zero, `RUN ${key} x0 (baseline)`);
    },
    minimal: ECHO_MINIMAL,
  };
  if (keys) {
    timed.keys = keys;
    timed.afterSample = async () => {
      const part = async (p2: number): Promise<Uint8Array> => (await must(card.session, { cla: 0x80, ins: BENCH.PUBLIC_KEY, p1: op, p2, le: 256 }, 'PUBLIC KEY')).data;
      if (alg === 'rsa2048') keys.addRsa(await part(0), await part(1));
      else keys.addEc(await part(0));
    };
  }
  return timed;
}

// ---------------------------------------------------------------------------------------------------------------
// Key quality

/**
 * Public keys a keygen run collected, judged at the end; only counts, findings and fingerprints leave here. A resumed
 * run continues from the summary the interrupted one wrote: repeats are found across both through the per-key
 * SHA-256, the key-source fingerprint uses the per-key features of all keys; shared prime factors need the moduli,
 * so they are checked among each session's keys only.
 */
export class GeneratedKeys {
  private readonly rsa: Array<{ n: Uint8Array; e: Uint8Array }> = [];
  private readonly ec: Uint8Array[] = [];
  private prior: KeyQualitySummary | undefined;

  constructor(readonly algorithm: Algorithm) {}

  get count(): number {
    return this.rsa.length + this.ec.length + (this.prior?.keys ?? 0);
  }

  /** The summary an interrupted run wrote: its keys count as generated before this session's. */
  continueFrom(prior: KeyQualitySummary): void {
    if (prior.algorithm !== this.algorithm) throw new Error(`key quality: the earlier keys are ${prior.algorithm}, not ${this.algorithm}`);
    this.prior = prior;
  }

  addRsa(n: Uint8Array, e: Uint8Array): void {
    this.rsa.push({ n: Uint8Array.from(n), e: Uint8Array.from(e) });
  }

  addEc(point: Uint8Array): void {
    this.ec.push(Uint8Array.from(point));
  }

  summary(): KeyQualitySummary {
    const current = this.algorithm === 'rsa2048' ? this.rsaSummary() : this.ecSummary();
    const all = this.prior ? mergeKeyQuality(this.prior, current) : current;
    if (all.algorithm === 'rsa2048') {
      const features = all.perKey.filter((k) => k.topByte !== undefined).map((k) => ({ bits: k.bits, topByte: k.topByte!, lsb2: k.lsb2!, mod3: k.mod3! }));
      const f = fingerprint(features);
      all.fingerprint = { verdict: f.verdict, summary: f.summary };
    }
    return all;
  }

  private get offset(): number {
    return this.prior?.keys ?? 0;
  }

  private rsaSummary(): KeyQualitySummary {
    const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${hex(b)}`));
    const moduli = this.rsa.map((k) => big(k.n));
    const report = checkKeyQuality(this.rsa.map((k, i) => ({ modulus: moduli[i]!, exponent: big(k.e), label: `key ${this.offset + i + 1}` })), { expectedBits: 2048 });
    return {
      algorithm: 'rsa2048',
      keys: report.keys.length,
      distinct: report.keys.length - report.duplicates.length,
      duplicates: report.duplicates.length,
      expectedBits: report.expectedBits,
      expectedExponent: report.expectedExponent.toString(),
      wrongSize: report.keys.filter((k) => !k.bitsOk).length,
      wrongExponent: report.keys.filter((k) => !k.exponentOk).length,
      smallFactors: report.keys.filter((k) => k.smallFactor !== undefined).length,
      sharedFactors: report.sharedFactors.length,
      rocaVulnerable: report.rocaVulnerable.length,
      ok: report.ok,
      problems: report.problems,
      perKey: report.keys.map((k, i) => {
        const f = keyFeatures(moduli[i]!);
        return { bits: k.bits, exponent: k.exponent.toString(), roca: k.roca.fingerprint, topByte: f.topByte, lsb2: f.lsb2, mod3: f.mod3, sha256: hex(sha256(this.rsa[i]!.n)).toLowerCase() };
      }),
    };
  }

  private ecSummary(): KeyQualitySummary {
    const curve = this.algorithm === 'p384' ? 'p384' : 'p256';
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let duplicates = 0;
    const perKey = this.ec.map((point, i) => {
      const id = hex(point);
      const first = seen.get(id);
      if (first !== undefined) {
        duplicates++;
        problems.push(`key ${this.offset + i + 1}: same point as key ${this.offset + first + 1}: the generator repeats keys`);
      } else {
        seen.set(id, i);
      }
      try {
        assertOnCurve(curve, point);
      } catch (err) {
        problems.push(`key ${this.offset + i + 1}: ${(err as Error).message}`);
      }
      return { bits: 8 * EC_CURVES[curve].fieldBytes, sha256: hex(sha256(point)).toLowerCase() };
    });
    return { algorithm: this.algorithm, keys: this.ec.length, distinct: seen.size, duplicates, ok: problems.length === 0, problems, perKey };
  }
}

/** The summary of an earlier session's keys followed by this session's: counts added, repeats across both found. */
export function mergeKeyQuality(prior: KeyQualitySummary, current: KeyQualitySummary): KeyQualitySummary {
  const problems = [...prior.problems, ...current.problems];
  const first = new Map<string, number>();
  prior.perKey.forEach((k, i) => {
    if (!first.has(k.sha256)) first.set(k.sha256, i);
  });
  let across = 0;
  current.perKey.forEach((k, i) => {
    const earlier = first.get(k.sha256);
    if (earlier === undefined) return;
    across++;
    problems.push(`key ${prior.keys + i + 1}: same ${current.algorithm === 'rsa2048' ? 'modulus' : 'point'} as key ${earlier + 1} (before the resume): the generator repeats keys`);
  });
  const sum = (a?: number, b?: number): number | undefined => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  const merged: KeyQualitySummary = {
    algorithm: current.algorithm,
    keys: prior.keys + current.keys,
    duplicates: prior.duplicates + current.duplicates + across,
    distinct: 0,
    ok: problems.length === 0,
    problems,
    perKey: [...prior.perKey, ...current.perKey],
  };
  merged.distinct = merged.keys - merged.duplicates;
  for (const f of ['wrongSize', 'wrongExponent', 'smallFactors', 'sharedFactors', 'rocaVulnerable'] as const) {
    const v = sum(prior[f], current[f]);
    if (v !== undefined) merged[f] = v;
  }
  if (current.expectedBits !== undefined) merged.expectedBits = current.expectedBits;
  if (current.expectedExponent !== undefined) merged.expectedExponent = current.expectedExponent;
  return merged;
}

/** One line per finding kind, for the terminal. */
export function describeKeyQuality(q: KeyQualitySummary): string[] {
  const lines = [`key quality: ${q.keys} key(s) generated on the card, ${q.distinct} distinct${q.duplicates > 0 ? `, ${q.duplicates} DUPLICATE(S)` : ''}`];
  if (q.algorithm === 'rsa2048') {
    const sizes = new Map<number, number>();
    for (const k of q.perKey) sizes.set(k.bits, (sizes.get(k.bits) ?? 0) + 1);
    lines.push(`  modulus: ${[...sizes].map(([b, c]) => `${b} bits x${c}`).join(', ') || '–'} (expected ${q.expectedBits})`);
    const exps = new Map<string, number>();
    for (const k of q.perKey) exps.set(k.exponent ?? '?', (exps.get(k.exponent ?? '?') ?? 0) + 1);
    lines.push(`  public exponent: ${[...exps].map(([e, c]) => `${e} x${c}`).join(', ') || '–'} (expected ${q.expectedExponent})`);
    lines.push(`  ROCA fingerprint (CVE-2017-15361): ${q.rocaVulnerable ? `${q.rocaVulnerable} key(s) VULNERABLE` : 'none'}; shared prime factors: ${q.sharedFactors ?? 0}; small factors: ${q.smallFactors ?? 0}`);
    if (q.fingerprint) lines.push(`  key source (Million-Key Question features: top byte, second LSB, n mod 3): ${q.fingerprint.summary}`);
  } else {
    // P-256 and P-384 have cofactor 1 (SEC 2 v2, 2.4.2 and 2.5.1): every point on the curve other than the point at
    // infinity (which the on-curve check refuses) has the prime order n, so on the curve means of order n.
    lines.push(`  every point on ${q.algorithm === 'p384' ? 'P-384' : 'P-256'}, so of order n (cofactor 1): ${q.problems.some((p) => p.includes('not a point')) ? 'NO' : 'yes'}`);
  }
  lines.push(`  verdict: ${q.ok ? 'ok' : `PROBLEMS:\n    ${q.problems.join('\n    ')}`}`);
  return lines;
}
