// The bench result document: schema and semantic validation with messages that name the field, and summarize().
import { describe, expect, it } from 'vitest';
import { benchResult } from './test-fixtures.ts';
import { caveats, EMULATED_BANNER, parseBenchResult, resultSummary, summarize, validateBenchResult } from './result.ts';

describe('validateBenchResult', () => {
  it('accepts a complete document', () => {
    const v = validateBenchResult(benchResult());
    expect(v).toMatchObject({ ok: true });
  });

  it('accepts the optional fields: cplc, iccid, timing model, transport and baseline samples', () => {
    const r = benchResult({ timingModel: 'jcop4-fitted-2026' });
    r.card.cplc = '4790D321479180410000000000000000';
    r.card.iccid = '8981100012345678901';
    r.transportSamplesNs = [2_100_000, 2_050_000];
    r.baselineSamplesNs = [2_000_000, 2_010_000, 1_990_000];
    r.operation.operationsPerSample = 50;
    expect(validateBenchResult(r).ok).toBe(true);
  });

  it('names each bad field in words a lab engineer can act on', () => {
    const bad = benchResult() as unknown as Record<string, unknown>;
    bad.schema = 'simcert-bench/2';
    (bad.card as Record<string, unknown>).atr = 'not hex';
    (bad.card as Record<string, unknown>).emulated = 'no';
    (bad.host as Record<string, unknown>).cpus = 0;
    delete bad.reader;
    bad.extra = true;
    const v = validateBenchResult(bad);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors).toEqual(
      expect.arrayContaining([
        'schema: must be "simcert-bench/1", got "simcert-bench/2"',
        'card.atr: "not hex" is not the ATR as 2 to 33 bytes of hex',
        'card.emulated: must be a boolean, got string "no"',
        'host.cpus: 0 is below the minimum 1',
        'reader: missing required field',
        'extra: unknown field',
      ]),
    );
  });

  it('requires an algorithm for sign and keygen, not for select', () => {
    const sign = benchResult({ operation: { name: 'sign', iterations: 6, warmup: 0 } });
    expect(validateBenchResult(sign)).toEqual({ ok: false, errors: ['operation.algorithm: missing required field'] });
    const select = benchResult({ operation: { name: 'select', iterations: 6, warmup: 0 } });
    expect(validateBenchResult(select).ok).toBe(true);
  });

  it('rejects unknown operations and algorithms with the allowed values', () => {
    const r = benchResult({ operation: { name: 'sign', algorithm: 'rsa1024' as never, iterations: 6, warmup: 0 } });
    const v = validateBenchResult(r);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors[0]).toBe('operation.algorithm: must be one of "rsa2048", "p256", "p384", got "rsa1024"');
  });

  it('allows an empty sample list only for an interrupted run', () => {
    const done = benchResult({ samplesNs: [], operation: { name: 'select', iterations: 10, warmup: 0 } });
    const v = validateBenchResult(done);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.join('\n')).toMatch(/samplesNs: needs at least 1 sample\(s\) unless the run is marked interrupted/);
    expect(validateBenchResult({ ...done, interrupted: true }).ok).toBe(true);
  });

  it('checks what the schema cannot: sample count against iterations, and date order', () => {
    const short = benchResult({ samplesNs: [1, 2, 3], operation: { name: 'select', iterations: 10, warmup: 0 } });
    expect(validateBenchResult(short)).toEqual({
      ok: false,
      errors: ['samplesNs: 3 samples for 10 iterations, and the run is not marked interrupted'],
    });
    expect(validateBenchResult({ ...short, interrupted: true }).ok).toBe(true);
    const backwards = { ...benchResult(), finishedAt: '2026-03-01T09:00:00Z' };
    const v = validateBenchResult(backwards);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors[0]).toMatch(/^finishedAt: .* is before startedAt/);
  });

  it('parseBenchResult prefixes the file name and reports broken JSON', () => {
    expect(parseBenchResult('{', 'reports/run.json')).toMatchObject({ ok: false, errors: [expect.stringMatching(/^reports\/run\.json: not JSON/)] });
    const v = parseBenchResult(JSON.stringify({ ...benchResult(), reader: '' }), 'reports/run.json');
    expect(v).toEqual({ ok: false, errors: ['reports/run.json: reader: must not be empty'] });
    expect(parseBenchResult(JSON.stringify(benchResult())).ok).toBe(true);
  });
});

describe('summarize', () => {
  it('summarizes the samples with stats.ts', () => {
    const s = summarize(benchResult());
    expect(s).toMatchObject({ card: 'Acme Cards USIM-A (Carrier One)', operation: 'sign rsa2048', timing: 'card', n: 6, outliers: 0, caveats: [] });
    expect(s.stats?.p50).toBe(60_695_000);
    expect(s.medianCi).toMatchObject({ lowerRank: 1, upperRank: 6 });
    expect(s.fences).toBeDefined();
  });

  it('carries the emulated and timing-model caveats', () => {
    expect(summarize(benchResult({ emulated: true })).caveats).toEqual([EMULATED_BANNER]);
    const model = summarize(benchResult({ timingModel: 'jcop4-fitted' }));
    expect(model.timing).toBe('model');
    expect(model.caveats[0]).toMatch(/timing model "jcop4-fitted", not measured on a card/);
  });

  it('subtracts a recorded baseline per operation', () => {
    const r = benchResult({ samplesNs: [9e6, 5.05e6, 5.06e6, 5.04e6, 5.05e6] });
    r.baselineSamplesNs = [8e6, 50_000, 50_100, 49_900, 50_000];
    r.operation.operationsPerSample = 50;
    const s = summarize(r);
    expect(s.baseline).toMatchObject({ ok: true, perOperationNs: (5.05e6 - 50_000) / 50 });
  });

  it('handles an interrupted run without samples', () => {
    const r = benchResult({ samplesNs: [], interrupted: true, operation: { name: 'keygen', algorithm: 'p256', iterations: 10, warmup: 1 } });
    const s = summarize(r);
    expect(s.n).toBe(0);
    expect(s.stats).toBeUndefined();
    expect(caveats(r)).toEqual(['run interrupted after 0 of 10 iterations']);
  });
});

describe('the summary written beside the samples (issue 19 item 6)', () => {
  // 1..10 ms: R's quantile(1:10) (type 7, its default) prints 25 % 3.25, 50 % 5.5, 75 % 7.75; type 7 gives
  // p10 = 1.9 and p90 = 9.1 by h = (n - 1) p.
  const ms = (v: number): number => v * 1e6;
  const r = benchResult({ operation: { name: 'sign', algorithm: 'rsa2048', iterations: 10, warmup: 0 }, samplesNs: [5, 3, 9, 1, 7, 2, 10, 4, 8, 6].map(ms) });
  r.transportSamplesNs = [ms(2), ms(2.2), ms(2.1)];
  r.bareTransportSamplesNs = [ms(1.5), ms(1.6), ms(1.4)];
  const s = resultSummary(r)!;

  it('carries the median, its interval, the quantiles and the overhead', () => {
    expect(s.n).toBe(10);
    expect(s.medianNs).toBeCloseTo(ms(5.5), 3);
    expect(s.quantilesNs.p25).toBeCloseTo(ms(3.25), 3);
    expect(s.quantilesNs.p75).toBeCloseTo(ms(7.75), 3);
    expect(s.quantilesNs.p10).toBeCloseTo(ms(1.9), 3);
    expect(s.quantilesNs.p90).toBeCloseTo(ms(9.1), 3);
    expect([s.quantilesNs.min, s.quantilesNs.max]).toEqual([ms(1), ms(10)]);
    // n = 10: [x(2), x(9)] covers the median with 1 - 2 P(B <= 1) = 1 - 22/1024 = 97.85 %.
    expect(s.medianCi).toMatchObject({ lowerNs: ms(2), upperNs: ms(9) });
    expect(s.medianCi!.coverage).toBeCloseTo(1 - 22 / 1024, 10);
    expect(s.overhead!.transportMedianNs).toBeCloseTo(ms(2.1), 3);
    expect(s.overhead!.harnessPerApduNs).toBeCloseTo(ms(0.6), 3);
  });

  it('validates with the samples, and a summary of other samples is refused', () => {
    expect(validateBenchResult({ ...r, summary: s }).ok).toBe(true);
    const v = validateBenchResult({ ...r, summary: { ...s, n: 9 } });
    expect(v).toMatchObject({ ok: false, errors: [expect.stringMatching(/^summary\.n: 9, but samplesNs holds 10 samples/)] });
    const w = validateBenchResult({ ...r, summary: { ...s, quantilesNs: { ...s.quantilesNs, p99: 'x' } } });
    expect(w).toMatchObject({ ok: false, errors: [expect.stringMatching(/^summary\.quantilesNs\.p99: must be a number/)] });
  });

  it('is optional: a file written before it existed still validates (compare and --resume read it)', () => {
    const old = benchResult();
    expect('summary' in old).toBe(false);
    expect(validateBenchResult(old).ok).toBe(true);
  });

  it('gives the per-operation time in loop mode when the baseline holds', () => {
    const loop = benchResult({ operation: { name: 'sign', algorithm: 'rsa2048', iterations: 5, warmup: 0, operationsPerSample: 50 }, samplesNs: [ms(3100), ms(3050), ms(3040), ms(3050), ms(3060)] });
    loop.baselineSamplesNs = [ms(60), ms(50), ms(50), ms(50), ms(51)];
    // Loop: first sample dropped, median 3050; baseline: first dropped, median 50: (3050 - 50) / 50 = 60 ms.
    expect(resultSummary(loop)!.perOperationNs).toBeCloseTo(ms(60), 3);
  });
});
