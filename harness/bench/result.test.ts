// The bench result document: schema and semantic validation with messages that name the field, and summarize().
import { describe, expect, it } from 'vitest';
import { benchResult } from './test-fixtures.ts';
import { caveats, EMULATED_BANNER, parseBenchResult, summarize, validateBenchResult } from './result.ts';

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
