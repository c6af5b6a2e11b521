// `simcert bench` against the bundled simulator (transport sim, no pcscd): what a lab relies on when it runs the
// benchmark. One JSON file per run that validates against the schema; the samples, transport probes, ATR and operation
// it claims; key-quality checks of generated keys; loop mode's baseline; an abort that keeps what was measured; bad
// requests refused before any card is touched; no PIN in anything written or printed; and a comparison page that
// needs nothing from the network. No timing values are asserted here: that is what the benchmark is for (the timing
// model's accuracy is timing-model.test.ts).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex } from '../bytes.ts';
import { repoRoot } from '../paths.ts';
import { loadProfile, resolveSecret } from '../profile/index.ts';
import type { Profile } from '../profile/types.ts';
import { knownSuites } from '../run/suites.ts';
import { buildLab } from '../sim/build.ts';
import { buildComparison, renderHtml, renderMarkdown } from './compare.ts';
import type { Progress } from './progress.ts';
import { EMULATED_BANNER, loadBenchResult, summarize, type BenchResult } from './result.ts';
import { BenchUsageError, checkRequest, describeResult, runBench, type BenchOptions, type BenchOutcome } from './run.ts';

const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
const SIM_TEST_MS = 120_000;

let dir: string;
let profile: Profile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-bench-sim-'));
  // The reference profile with its suite list pinned, so this test does not depend on which suites it enables.
  const file = join(dir, 'reference.yaml');
  await writeFile(file, [`extends: ${JSON.stringify(REFERENCE)}`, 'suites: [jpki-signing]', ''].join('\n'));
  profile = await loadProfile(file, { knownSuites: await knownSuites() });
  await buildLab(); // compiled once here, under the hook's timeout, rather than inside the first run
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Each run writes into a folder of its own (created by the runner), so "one file per run" can be checked. */
let folders = 0;
function bench(name: string, o: Omit<BenchOptions, 'profile' | 'outDir'>): Promise<BenchOutcome> {
  return runBench({ profile, outDir: join(dir, `${++folders}-${name}`), ...o });
}

/** The folder holds exactly the outcome's file, and that file validates and says what the outcome says. */
async function onlyFile(outcome: BenchOutcome): Promise<{ result: BenchResult; text: string }> {
  const folder = join(outcome.file, '..');
  expect(await readdir(folder)).toEqual([basename(outcome.file)]);
  const loaded = await loadBenchResult(outcome.file);
  if (!loaded.ok) throw new Error(`the written result does not validate:\n${loaded.errors.join('\n')}`);
  expect(loaded.result).toEqual(outcome.result);
  return { result: loaded.result, text: await readFile(outcome.file, 'utf8') };
}

const wholeNs = (v: number): boolean => Number.isSafeInteger(v) && v > 0;

/** Records what the runner reports, and can abort once `abortAfter` samples of the measure phase are done. */
function recorder(abortAfter?: { count: number; controller: AbortController }): Progress & { phases: string[]; notes: string[] } {
  let phase = '';
  const rec = {
    phases: [] as string[],
    notes: [] as string[],
    phase(name: string) {
      phase = name;
      rec.phases.push(name);
    },
    update(done: number) {
      if (abortAfter && phase === 'measure' && done >= abortAfter.count) abortAfter.controller.abort();
    },
    note(text: string) {
      rec.notes.push(text);
    },
    end() {},
  };
  return rec;
}

/**
 * A loop run reports either a per-operation time or a refusal that says why, never both and never neither: the
 * outcome, the stored notes, the summary and the printed report agree on which of the two it was.
 */
function expectOneBaselineVerdict(outcome: BenchOutcome, r: BenchResult): void {
  const b = summarize(r).baseline;
  expect(b, 'a loop run has a baseline summary').toBeDefined();
  const printed = describeResult(r);
  if (outcome.refused !== undefined) {
    expect(b!.ok).toBe(false);
    if (!b!.ok) expect(outcome.refused).toBe(`${b!.reason}: ${b!.message}`);
    expect(r.notes).toContain(`no per-operation time reported: ${outcome.refused}`);
    expect(printed.some((l) => l.startsWith('  per operation: NOT REPORTED ('))).toBe(true);
  } else {
    expect(b!.ok).toBe(true);
    if (b!.ok) expect(Number.isFinite(b!.perOperationNs)).toBe(true);
    expect(r.notes.some((n) => n.startsWith('no per-operation time reported'))).toBe(false);
    expect(printed.some((l) => l.startsWith('  per operation, baseline subtracted'))).toBe(true);
  }
}

const results: { select?: BenchResult; keygen?: BenchResult; loop?: BenchResult } = {};

describe('a run writes one result file that validates', () => {
  it('select: samples, both transport probes, ATR and the operation as requested', async () => {
    const outcome = await bench('select', { op: 'select', iterations: 12, warmup: 2, transportIterations: 4, profilePath: 'lab/reference.yaml' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.refused).toBeUndefined();
    expect(basename(outcome.file)).toMatch(/^\d{8}-\d{6}Z-emulated-reference-uicc-[a-z0-9-]*-select\.json$/);
    const { result: r } = await onlyFile(outcome);

    expect(r.schema).toBe('simcert-bench/1');
    expect(r.operation).toEqual({ name: 'select', iterations: 12, warmup: 2 });
    expect(r.samplesNs).toHaveLength(12);
    expect(r.samplesNs.every(wholeNs)).toBe(true);
    expect(r.transportSamplesNs).toHaveLength(4);
    expect(r.bareTransportSamplesNs).toHaveLength(4);
    expect([...r.transportSamplesNs!, ...r.bareTransportSamplesNs!].every(wholeNs)).toBe(true);
    expect(r.baselineSamplesNs).toBeUndefined();
    expect(r.keyQuality).toBeUndefined();
    expect(r.interrupted).toBe(false);

    expect(r.card).toMatchObject({ atr: profile.sim!.atr.toUpperCase(), variant: 'reference', vendor: 'simcert lab', carrier: 'simcert', emulated: true });
    expect(r.card.timingModel).toBeUndefined();
    expect(r.profile).toEqual({ path: 'lab/reference.yaml', name: profile.name });
    expect(r.reader).toMatch(/^simulator \(vpcd /);
    expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    expect(r.notes).toEqual(
      expect.arrayContaining([
        `emulated card: ${EMULATED_BANNER}`,
        `timed: SELECT (00 A4 04 0C) of the JPKI AP ${profile.ixit.jpki.aid.toUpperCase()}`,
        'minimal APDU: 80 7E 00 00, an instruction the JPKI AP does not know (answered at once)',
      ]),
    );

    const printed = describeResult(r);
    expect(printed[0]).toBe(`select on simcert lab reference (simcert), profile lab/reference.yaml`);
    expect(printed[1]).toContain(`ATR ${r.card.atr}`);
    expect(printed).toContain(`  *** ${EMULATED_BANNER} ***`);
    expect(printed.some((l) => l.startsWith('  12 sample(s) after 2 warm-up, one timed APDU per operation'))).toBe(true);
    expect(printed.some((l) => l.startsWith('  minimal APDU round trip (4 each path, same run)'))).toBe(true);
    results.select = r;
  }, SIM_TEST_MS);

  it('apdu-echo: through the benchmark applet, whose ECHO is also the minimal APDU', async () => {
    const outcome = await bench('echo', { op: 'apdu-echo', iterations: 20, warmup: 2, transportIterations: 3 });
    const { result: r } = await onlyFile(outcome);
    expect(basename(outcome.file)).toMatch(/-apdu-echo\.json$/);
    expect(r.operation).toEqual({ name: 'apdu-echo', iterations: 20, warmup: 2 });
    expect(r.samplesNs).toHaveLength(20);
    expect(r.transportSamplesNs).toHaveLength(3);
    expect(r.bareTransportSamplesNs).toHaveLength(3);
    expect(r.card.atr).toBe(profile.sim!.atr.toUpperCase());
    expect(r.notes).toEqual(expect.arrayContaining(['timed: ECHO (80 30 00 00) of 32 bytes, answered with the same bytes', "minimal APDU: 80 30 00 00, the benchmark applet's ECHO with no data"]));
  }, SIM_TEST_MS);

  it('transport probes can be skipped: then neither list is written', async () => {
    const { result: r } = await onlyFile(await bench('no-transport', { op: 'select', iterations: 2, warmup: 0, transportIterations: 0 }));
    expect(r.samplesNs).toHaveLength(2);
    expect(r.transportSamplesNs).toBeUndefined();
    expect(r.bareTransportSamplesNs).toBeUndefined();
    expect(r.notes.some((n) => n.startsWith('minimal APDU'))).toBe(false);
  }, SIM_TEST_MS);
});

describe('keygen records the quality of the keys the card generated', () => {
  it('p256: every key generated (warm-up included) is counted, distinct and on the curve', async () => {
    const outcome = await bench('keygen-p256', { op: 'keygen', alg: 'p256', iterations: 4, warmup: 1, transportIterations: 2 });
    const { result: r, text } = await onlyFile(outcome);
    expect(r.operation).toEqual({ name: 'keygen', algorithm: 'p256', iterations: 4, warmup: 1 });
    expect(r.samplesNs).toHaveLength(4);
    // The public key is read after every sample, warm-up ones too (operations.ts, afterSample): 4 + 1 keys.
    const q = r.keyQuality!;
    expect(q).toMatchObject({ algorithm: 'p256', keys: 5, distinct: 5, duplicates: 0, ok: true, problems: [] });
    expect(q.perKey).toHaveLength(5);
    expect(q.perKey.every((k) => k.bits === 256 && /^[0-9a-f]{64}$/.test(k.sha256))).toBe(true);
    expect(new Set(q.perKey.map((k) => k.sha256)).size).toBe(5);
    // Fingerprints only: no public point (04 || X || Y, 65 bytes) in the file.
    expect(text).not.toMatch(/04[0-9A-Fa-f]{128}/);
    const printed = describeResult(r);
    expect(printed).toContain('  key quality: 5 key(s) generated on the card, 5 distinct');
    expect(printed).toContain('    verdict: ok');
    results.keygen = r;
  }, SIM_TEST_MS);

  it('rsa2048: size, exponent, ROCA and shared-factor checks on each key', async () => {
    const { result: r } = await onlyFile(await bench('keygen-rsa', { op: 'keygen', alg: 'rsa2048', iterations: 2, warmup: 0, transportIterations: 0 }));
    expect(r.samplesNs).toHaveLength(2);
    expect(r.keyQuality).toMatchObject({
      algorithm: 'rsa2048',
      keys: 2,
      distinct: 2,
      duplicates: 0,
      expectedBits: 2048,
      expectedExponent: '65537',
      wrongSize: 0,
      wrongExponent: 0,
      smallFactors: 0,
      sharedFactors: 0,
      rocaVulnerable: 0,
      ok: true,
      problems: [],
    });
    expect(r.keyQuality!.perKey.map((k) => [k.bits, k.exponent, k.roca])).toEqual([
      [2048, '65537', false],
      [2048, '65537', false],
    ]);
  }, SIM_TEST_MS);
});

describe('loop mode (the benchmark applet, JCAlgTest method)', () => {
  it('sign p256 --loop: a baseline series, and either a per-operation figure or a refusal that says why', async () => {
    const outcome = await bench('loop-sign', { op: 'sign', alg: 'p256', loop: 4, iterations: 6, warmup: 1, transportIterations: 2 });
    const { result: r } = await onlyFile(outcome);
    expect(basename(outcome.file)).toMatch(/-sign-p256-loop4\.json$/);
    expect(r.operation).toEqual({ name: 'sign', algorithm: 'p256', iterations: 6, warmup: 1, operationsPerSample: 4 });
    expect(r.samplesNs).toHaveLength(6);
    expect(r.baselineSamplesNs).toHaveLength(6);
    expect(r.baselineSamplesNs!.every(wholeNs)).toBe(true);
    expect(r.notes).toContain('timed: RUN (80 20) of the benchmark applet: sign p256 4 time(s) in one APDU, against the same APDU with 0');

    expectOneBaselineVerdict(outcome, r);
    results.loop = r;
  }, SIM_TEST_MS);

  it('keygen p256 --loop: the last key of every sample (warm-up included) goes to the key-quality checks', async () => {
    const outcome = await bench('loop-keygen', { op: 'keygen', alg: 'p256', loop: 2, iterations: 3, warmup: 1, transportIterations: 0 });
    const { result: r } = await onlyFile(outcome);
    expect(r.operation).toEqual({ name: 'keygen', algorithm: 'p256', iterations: 3, warmup: 1, operationsPerSample: 2 });
    expect(r.baselineSamplesNs).toHaveLength(3);
    expect(r.keyQuality).toMatchObject({ algorithm: 'p256', keys: 4, distinct: 4, ok: true });
    expectOneBaselineVerdict(outcome, r);
  }, SIM_TEST_MS);
});

describe('an abort keeps what was measured', () => {
  it('stops after the sample in flight, marks the result interrupted and still writes it', async () => {
    const controller = new AbortController();
    const progress = recorder({ count: 3, controller });
    const outcome = await bench('abort', { op: 'select', iterations: 20, warmup: 1, transportIterations: 2, signal: controller.signal, progress });
    expect(controller.signal.aborted).toBe(true);
    expect(progress.phases).toEqual(['warm-up', 'transport', 'measure']);
    expect(outcome.error).toBeUndefined();
    const { result: r } = await onlyFile(outcome);
    expect(r.interrupted).toBe(true);
    expect(r.operation.iterations).toBe(20);
    expect(r.samplesNs).toHaveLength(3);
    expect(r.transportSamplesNs).toHaveLength(2);
    expect(r.notes).toContain('interrupted after 3 of 20 sample(s)');
    expect(summarize(r).caveats).toContain('run interrupted after 3 of 20 iterations');
    expect(describeResult(r)).toContain('  *** run interrupted after 3 of 20 iterations ***');
  }, SIM_TEST_MS);

  it('an abort before the first sample writes a valid, empty, interrupted result', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await bench('abort-early', { op: 'select', iterations: 5, warmup: 2, transportIterations: 2, signal: controller.signal });
    const { result: r } = await onlyFile(outcome);
    expect(r.interrupted).toBe(true);
    expect(r.samplesNs).toEqual([]);
    expect(r.transportSamplesNs).toBeUndefined();
    expect(r.notes).toContain('interrupted after 0 of 5 sample(s)');
    // The report line names the requested warm-up; the note says how much of it ran.
    expect(r.notes).toContain('interrupted during warm-up: 0 of 2 warm-up iteration(s) ran');
    expect(describeResult(r)).toContain('  note: interrupted during warm-up: 0 of 2 warm-up iteration(s) ran');
  }, SIM_TEST_MS);
});

describe('a resumed keygen run', () => {
  it('keeps the earlier keys in its key-quality summary and the fingerprint, and the file keeps the earlier samples', async () => {
    const controller = new AbortController();
    const first = await bench('resume-keygen', { op: 'keygen', alg: 'rsa2048', iterations: 4, warmup: 1, transportIterations: 0, signal: controller.signal, progress: recorder({ count: 2, controller }) });
    const { result: before } = await onlyFile(first);
    expect(before.samplesNs).toHaveLength(2);
    expect(before.keyQuality!.keys).toBe(3); // the warm-up key too
    expect(before.keyQuality!.perKey.every((k) => k.topByte! >= 128 && k.lsb2 !== undefined && k.mod3 !== undefined)).toBe(true);

    const phases = recorder();
    const resumed = await runBench({ profile, op: 'keygen', alg: 'rsa2048', transportIterations: 0, resume: first.file, progress: phases });
    expect(resumed.file).toBe(first.file);
    const { result: r } = await onlyFile(resumed);
    expect(phases.phases).toEqual(['measure']);
    expect(r.interrupted).toBe(false);
    expect(r.samplesNs).toHaveLength(4);
    expect(r.samplesNs.slice(0, 2)).toEqual(before.samplesNs);
    const q = r.keyQuality!;
    expect(q).toMatchObject({ keys: 5, distinct: 5, duplicates: 0, wrongSize: 0, rocaVulnerable: 0, ok: true });
    expect(q.perKey.slice(0, 3)).toEqual(before.keyQuality!.perKey);
    expect(q.fingerprint).toEqual({ verdict: 'too few keys', summary: 'too few keys for a verdict: 5 of 2048 bits, at least 20 needed' });
    expect(describeResult(r)).toContain('    key source (Million-Key Question features: top byte, second LSB, n mod 3): too few keys for a verdict: 5 of 2048 bits, at least 20 needed');
  }, SIM_TEST_MS);
});

describe('bad requests are refused before a card is touched', () => {
  const refuse = (o: Partial<BenchOptions>, message: string): void => {
    expect(() => checkRequest({ profile, op: 'select', ...o } as BenchOptions)).toThrow(new BenchUsageError(message));
  };

  it('keygen on a card whose ICS has no on-card key generation', () => {
    const noKeygen: Profile = { ...profile, ics: { ...profile.ics, onCardKeyGeneration: false } };
    expect(() => checkRequest({ profile: noKeygen, op: 'keygen', alg: 'p256' })).toThrow(
      new BenchUsageError(`${profile.name}: the ICS says the card does not generate keys (ics.onCardKeyGeneration)`),
    );
  });

  it('keygen on a real card that is not a test card', () => {
    const real: Profile = { ...profile, card: { ...profile.card, emulated: false, testCard: false } };
    expect(() => checkRequest({ profile: real, op: 'keygen', alg: 'p256' })).toThrow(BenchUsageError);
  });

  it('sign or keygen without --alg, and --alg where it does not apply', () => {
    refuse({ op: 'sign' }, '--op sign needs --alg (rsa2048, p256, p384)');
    refuse({ op: 'keygen' }, '--op keygen needs --alg (rsa2048, p256, p384)');
    refuse({ op: 'select', alg: 'p256' }, '--alg applies to sign and keygen, not select');
  });

  it('--loop with an operation the benchmark applet does not loop, or with P-384', () => {
    refuse({ op: 'select', loop: 10 }, '--loop applies to sign and keygen, not select');
    refuse({ op: 'verify-pin', loop: 10 }, '--loop applies to sign and keygen, not verify-pin');
    refuse({ op: 'sign', alg: 'p384', loop: 10 }, '--loop: the benchmark applet does rsa2048 and p256');
    refuse({ op: 'sign', alg: 'p256', loop: 0 }, '--loop 0: a whole number from 1 to 32767');
  });

  it('an algorithm the ICS does not claim, and counts that are not whole numbers', () => {
    const noP384: Profile = { ...profile, ics: { ...profile.ics, ecP384: false } };
    expect(() => checkRequest({ profile: noP384, op: 'sign', alg: 'p384' })).toThrow(
      new BenchUsageError(`${profile.name}: the ICS says the card has no ECDSA P-384 (ics.ecP384)`),
    );
    refuse({ iterations: 0 }, '--iterations 0: a whole number >= 1');
    refuse({ warmup: -1 }, '--warmup -1: a whole number >= 0');
    refuse({ transportIterations: 1.5 }, '--transport-iterations 1.5: a whole number >= 0');
  });

  it('runBench refuses the same way without opening a card or writing anything', async () => {
    // A profile whose card cannot be opened at all: had runBench got as far as the card, the error would be another.
    const unreachable: Profile = { ...profile, ixit: { ...profile.ixit, transport: 'pcsc' }, sim: undefined } as Profile;
    const out = join(dir, 'refused');
    const noKeygen: Profile = { ...unreachable, ics: { ...unreachable.ics, onCardKeyGeneration: false } };
    await expect(runBench({ profile: noKeygen, op: 'keygen', alg: 'p256', outDir: out })).rejects.toThrow(BenchUsageError);
    await expect(runBench({ profile: unreachable, op: 'sign', outDir: out })).rejects.toThrow(new BenchUsageError('--op sign needs --alg (rsa2048, p256, p384)'));
    await expect(runBench({ profile: unreachable, op: 'select', loop: 5, outDir: out })).rejects.toThrow(BenchUsageError);
    await expect(runBench({ profile: unreachable, op: 'sign', alg: 'p384', loop: 5, outDir: out })).rejects.toThrow(BenchUsageError);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('no PIN leaves the card session', () => {
  it('verify-pin: the profile\'s PIN is neither in the result file nor in the printed report, as ASCII or hex', async () => {
    const progress = recorder();
    const outcome = await bench('verify-pin', { op: 'verify-pin', iterations: 6, warmup: 1, transportIterations: 2, progress });
    const { result: r, text } = await onlyFile(outcome);
    expect(r.operation).toEqual({ name: 'verify-pin', iterations: 6, warmup: 1 });
    expect(r.samplesNs).toHaveLength(6);

    const pin = await resolveSecret(profile.ixit.jpki.pin, 'ixit.jpki.pin');
    expect(pin).toMatch(/^[0-9]{4}$/);
    const bytes = new TextEncoder().encode(pin);
    const hexSpellings = [hex(bytes), hex(bytes).toLowerCase(), hex(bytes, ' '), hex(bytes, ' ').toLowerCase(), Buffer.from(bytes).toString('base64')];
    const printed = [...describeResult(r), ...progress.notes].join('\n');

    const found: string[] = [];
    for (const [where, t] of [['result file', text], ['printed report', printed]] as const) {
      for (const s of hexSpellings) if (t.includes(s)) found.push(`"${s}" in the ${where}`);
    }
    // Four digits turn up by chance inside the numbers a result holds (nanosecond counts, CPU seconds, its dates),
    // so the ASCII PIN is looked for where text is: in the file, every key and string value, and every number that
    // is the PIN itself; in the printed report, everything but its durations.
    const inJson = (v: unknown, at: string): string[] => {
      if (typeof v === 'string') return v.includes(pin) ? [at] : [];
      if (typeof v === 'number') return String(v) === pin ? [at] : [];
      if (Array.isArray(v)) return v.flatMap((x, i) => inJson(x, `${at}[${i}]`));
      if (v !== null && typeof v === 'object') {
        return Object.entries(v).flatMap(([k, x]) => [...(k.includes(pin) ? [`${at}.${k} (the key)`] : []), ...inJson(x, `${at}.${k}`)]);
      }
      return [];
    };
    for (const at of inJson(JSON.parse(text), 'result')) found.push(`the PIN as ASCII in the result file at ${at}`);
    if (printed.replace(/\d[\d.]*\s?(?:ns|µs|ms|s|%)/g, '').includes(pin)) found.push('the PIN as ASCII in the printed report');
    expect(found).toEqual([]);
    expect(r.notes).toContain('timed: VERIFY (00 20 00 80) of the user-authentication PIN, EF 0018 current');
  }, SIM_TEST_MS);
});

describe('compare over results of this file', () => {
  it('gives a self-contained HTML page and a markdown table with the operations', () => {
    const runs = [results.select, results.keygen, results.loop].filter((r): r is BenchResult => r !== undefined);
    expect(runs, 'the select, keygen and loop runs above must have passed').toHaveLength(3);
    const c = buildComparison(runs);
    expect(c.sections.map((s) => s.operation)).toEqual(['keygen p256', 'select', 'sign p256']);
    for (const s of c.sections) expect(s.rows.map((row) => row.label)).toEqual(['simcert lab reference (simcert) [emulated]']);

    const html = renderHtml(c, { title: 'bench on the simulator' });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg');
    // Per operation a box plot, an empirical CDF and a histogram.
    expect(html.match(/<svg/g)).toHaveLength(9);
    expect(html).toContain(EMULATED_BANNER);
    for (const op of ['keygen p256', 'select', 'sign p256']) expect(html).toContain(`<h2>${op}</h2>`);
    // Nothing fetched: no script, no stylesheet link, no external src or href (no CDN).
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);

    const md = renderMarkdown(c);
    expect(md).toContain('| Card | Runs | n | Median | 95 % CI of median | p90 | p99 | Max | CV |');
    for (const op of ['keygen p256', 'select', 'sign p256']) expect(md).toContain(`\n## ${op}\n`);
    const rows = md.split('\n').filter((l) => l.startsWith('| simcert lab reference (simcert) \\[emulated\\] |'));
    expect(rows).toHaveLength(3);
    expect(md).toContain(EMULATED_BANNER);
  });
});
