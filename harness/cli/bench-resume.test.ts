// A long bench run that is interrupted must not start again from zero (issue 23, item 1). `simcert bench` writes each
// sample to its result file as it is taken; Ctrl-C (SIGINT to the process group, as a terminal sends it) stops the
// run; `bench --resume FILE` continues it on the same card without a new warm-up, appending to the same file, and
// refuses (exit 2, nothing touched) a file from another operation, another profile, another card or a finished run.
// The profile is the timing-model one (P-256 signatures paced at about 60 ms), 20 samples interrupted at 10 or a
// little after (the signal lands while the 11th is in flight at the earliest).
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench/result.ts';
import { repoRoot } from '../paths.ts';
import { spawnBench, type BenchRun } from './test-helpers.ts';

const PROFILE = join(repoRoot, 'profiles', 'emulated', 'timing-model.yaml');
const REFERENCE = join(repoRoot, 'profiles', 'emulated', 'reference.yaml');
let dir: string;
let out: string;

type Run = BenchRun;

/** `simcert bench ...` in the test's folder (test-helpers.ts spawnBench); `interrupt` decides when to send SIGINT. */
function bench(args: string[], interrupt?: () => Promise<boolean>): Promise<Run> {
  return spawnBench(dir, out, args, interrupt);
}

async function jsonFiles(): Promise<string[]> {
  return (await readdir(out)).filter((f) => f.endsWith('.json')).map((f) => join(out, f));
}

async function read(file: string): Promise<BenchResult> {
  return JSON.parse(await readFile(file, 'utf8')) as BenchResult;
}

let file: string;
/** The samples the file held when the test decided to interrupt (at least 10). */
let seenBefore: number[] = [];
let first: Run;
let interruptedResult: BenchResult;
let resumed: Run;
let final: BenchResult;
const refusals: Record<string, Run> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simcert-bench-resume-'));
  out = join(dir, 'bench');
  first = await bench(['--profile', PROFILE, '--op', 'sign', '--alg', 'p256', '-n', '20', '--transport-iterations', '3'], async () => {
    const files = await jsonFiles().catch(() => []);
    if (files.length !== 1) return false;
    const r = await read(files[0]!).catch(() => undefined); // renamed into place whole, so never half a file
    if (!r || r.samplesNs.length < 10) return false;
    file = files[0]!;
    seenBefore = r.samplesNs;
    return true;
  });
  interruptedResult = await read(file);

  // Refused before anything is measured: each leaves the file as it is.
  refusals.otherAlg = await bench(['--profile', PROFILE, '--op', 'sign', '--alg', 'p384', '--resume', file]);
  refusals.otherProfile = await bench(['--profile', REFERENCE, '--op', 'sign', '--alg', 'p256', '--resume', file]);
  const otherCard = join(dir, 'other-card.json');
  await writeFile(otherCard, JSON.stringify({ ...interruptedResult, card: { ...interruptedResult.card, atr: '3B8880010000000000000000' } }));
  refusals.otherCard = await bench(['--profile', PROFILE, '--op', 'sign', '--alg', 'p256', '--resume', otherCard]);

  resumed = await bench(['--profile', PROFILE, '--op', 'sign', '--alg', 'p256', '--resume', file]);
  final = await read(file);
  const finished = join(dir, 'finished.json');
  await copyFile(file, finished);
  refusals.finished = await bench(['--profile', PROFILE, '--op', 'sign', '--alg', 'p256', '--resume', finished]);
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an interrupted bench run', () => {
  it('wrote the samples to its file while it ran, and kept them when Ctrl-C stopped it', () => {
    expect(first.code, first.stderr).toBe(130);
    expect(seenBefore.length).toBeGreaterThanOrEqual(10);
    expect(interruptedResult.interrupted).toBe(true);
    expect(interruptedResult.samplesNs.length).toBeLessThan(20);
    expect(interruptedResult.samplesNs.slice(0, seenBefore.length)).toEqual(seenBefore);
    expect(first.stderr).toMatch(/bench: measure \d+\/20 \(\d+ %\), ETA \d+:\d\d, last [\d.]+ ms, slowest [\d.]+ ms/);
  });
});

describe('bench --resume', () => {
  it('continues it to 20 samples in one result file, the earlier samples unchanged at its head', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await jsonFiles()).toEqual([file]);
    expect((await readdir(out)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(final.interrupted).toBe(false);
    expect(final.operation).toEqual(interruptedResult.operation);
    expect(final.samplesNs).toHaveLength(20);
    expect(final.samplesNs.slice(0, interruptedResult.samplesNs.length)).toEqual(interruptedResult.samplesNs);
    expect(final.startedAt).toBe(interruptedResult.startedAt);
    expect(resumed.stdout).toContain(`20 sample(s) after 5 warm-up`);
  });

  it('does not repeat the warm-up nor the transport probes, and says it resumed', () => {
    expect(resumed.stderr).not.toMatch(/warm-up|transport/);
    expect(resumed.stderr).toContain(`bench: measure: 20 iteration(s), ${interruptedResult.samplesNs.length} done before the resume`);
    expect(final.transportSamplesNs).toEqual(interruptedResult.transportSamplesNs);
    expect(final.notes.filter((n) => n.startsWith('resumed '))).toEqual([
      expect.stringMatching(new RegExp(`^resumed \\S+ after ${interruptedResult.samplesNs.length} of 20 sample\\(s\\); the warm-up was not repeated, so the first sample after it may carry first-call costs$`)),
    ]);
    expect(final.notes.filter((n) => n.startsWith('interrupted'))).toEqual([]);
  });

  it('refuses another algorithm, another profile, another card and a finished run with exit 2', async () => {
    expect(refusals.otherAlg!.code).toBe(2);
    expect(refusals.otherAlg!.stderr).toMatch(/--resume .*: it timed sign p256, this run asks for sign p384; nothing was measured or written/);
    expect(refusals.otherProfile!.code).toBe(2);
    expect(refusals.otherProfile!.stderr).toMatch(/--resume .*: it was made with profile ".*timing model.*", not ".*"/);
    expect(refusals.otherCard!.code).toBe(2);
    expect(refusals.otherCard!.stderr).toMatch(/--resume .*other-card\.json: a different card: ATR \S+, the run measured ATR 3B8880010000000000000000; nothing was measured or written/);
    expect(refusals.finished!.code).toBe(2);
    expect(refusals.finished!.stderr).toMatch(/the run is complete \(20 of 20 samples\), nothing to resume/);
  });
});
