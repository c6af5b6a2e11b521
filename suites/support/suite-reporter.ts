// The suites' Allure reporter. allure-vitest writes results only when the whole vitest run ends; this one writes
// each suite's results as soon as that suite ends, so an interrupted run still has the results of every suite that
// finished, and notes which suite is running in the card's outcomes folder (harness/run/suites.ts: SUITE_PROGRESS),
// so an interruption can name it.
// Under `simcert run` every worker is a project whose one file runs its cards, each card a describe holding the
// card's suites, each suite a describe of its own (support/card-entry.ts). Its results are written as if each suite
// had run from its own file, with the card's labels (profile, reader, ICCID, host): the same names, history and
// test-case IDs a suite run by hand would get, so the Allure history and `simcert report merge`'s retry matching see
// one test, whichever way it ran.
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Label } from 'allure-js-commons';
import AllureVitestReporter from 'allure-vitest/reporter';
import type { AllureVitestReporterConfig } from 'allure-vitest/reporter';
import type { Writer } from 'allure-js-commons/sdk/reporter';
import type { RunnerTask, RunnerTestSuite, TestModule, TestSuite, Vitest } from 'vitest/node';
import type { CardPlan, RunPlan } from '../../harness/run/card-plan.ts';
import { OUTCOMES_ENV, SUITE_PROGRESS, suiteFile } from '../../harness/run/suites.ts';
import { ResultsWriter } from '../../harness/report/results-writer.ts';

const ENTRY = 'card-entry.ts';

function note(outcomes: string | undefined, event: 'start' | 'end', suite: string): void {
  if (outcomes) appendFileSync(join(outcomes, SUITE_PROGRESS), `${JSON.stringify({ [event]: suite })}\n`);
}

/** The parts of allure-vitest's reporter this one builds on (its own methods and runtime, untyped in its d.ts). */
interface AllureInternals {
  handleTask(task: RunnerTask): void;
  allureReporterRuntime: { globalLabels: Label[]; writer: Writer };
}

/**
 * The tasks under a suite's describe in a worker's entry file, seen as that suite's own file: `file.filepath` is the
 * suite's file and neither the suite's describe nor its card's is on their path any more (what allure-vitest builds
 * the full name, the package, the suite labels and the history ID from).
 */
function asOwnFile(wrapper: RunnerTestSuite, filepath: string): RunnerTestSuite {
  const file = new Proxy(wrapper.file, { get: (t, k) => (k === 'filepath' ? filepath : Reflect.get(t, k)) });
  // What the card's describe hangs from, which the suite's tests now hang from directly.
  const top = wrapper.suite?.suite;
  const seen = new WeakMap<object, RunnerTask>();
  const wrap = <T extends RunnerTask>(task: T): T => {
    const known = seen.get(task);
    if (known) return known as T;
    const proxy = new Proxy(task, {
      get(t, k) {
        if (k === 'file') return file;
        if (k === 'suite') return t.suite === wrapper || t === wrapper ? top : t.suite && wrap(t.suite);
        if (k === 'tasks' && 'tasks' in t) return t.tasks.map(wrap);
        return Reflect.get(t, k);
      },
    });
    seen.set(task, proxy);
    return proxy;
  };
  return wrap(wrapper);
}

export class SuiteAllureReporter extends AllureVitestReporter {
  /** The plan's cards by name (each the name of its describe in the entry file). */
  private readonly cards = new Map<string, CardPlan>();

  /** The projects that are workers of the plan, whose one file is the entry file. */
  private readonly workers = new Set<string>();

  private readonly resultsDir: string;

  constructor(config: AllureVitestReporterConfig, plan?: RunPlan) {
    super(config);
    this.resultsDir = config.resultsDir ?? 'allure-results';
    for (const c of plan?.cards ?? []) this.cards.set(c.project, c);
    for (const w of plan?.workers ?? []) this.workers.add(w.project);
  }

  override onInit(vitest: Vitest): void {
    super.onInit(vitest);
    // The same files, without an fsync for each (harness/report/results-writer.ts: why).
    (this as unknown as AllureInternals).allureReporterRuntime.writer = new ResultsWriter(this.resultsDir);
  }

  /** The card a suite's describe in an entry file belongs to, and the suite's name, or undefined for any other. */
  private cardSuite(s: TestSuite): { card: CardPlan; suite: string } | undefined {
    if (!this.workers.has(s.project.name) || basename(s.module.moduleId) !== ENTRY) return undefined;
    const outer = s.parent;
    if (outer.type !== 'suite' || outer.parent.type !== 'module') return undefined;
    const card = this.cards.get(outer.name);
    return card ? { card, suite: s.name } : undefined;
  }

  onTestSuiteReady(s: TestSuite): void {
    const c = this.cardSuite(s);
    if (c) note(c.card.env[OUTCOMES_ENV], 'start', c.suite);
  }

  onTestSuiteResult(s: TestSuite): void {
    const c = this.cardSuite(s);
    if (!c) return;
    const allure = this as unknown as AllureInternals;
    const runtime = allure.allureReporterRuntime;
    const before = runtime.globalLabels;
    // Written synchronously, so the card's labels are on exactly these results.
    runtime.globalLabels = Object.entries(c.card.labels).map(([name, value]) => ({ name, value }));
    try {
      allure.handleTask(asOwnFile((s as unknown as { task: RunnerTestSuite }).task, suiteFile(c.suite)));
    } finally {
      runtime.globalLabels = before;
    }
    note(c.card.env[OUTCOMES_ENV], 'end', c.suite);
  }

  onTestModuleStart(m: TestModule): void {
    if (!this.workers.has(m.project.name)) note(process.env[OUTCOMES_ENV], 'start', suiteName(m));
  }

  onTestModuleEnd(m: TestModule): void {
    // A worker's entry file was written suite by suite as each ended (onTestSuiteResult).
    if (this.workers.has(m.project.name)) return;
    super.onTestRunEnd([m]);
    note(process.env[OUTCOMES_ENV], 'end', suiteName(m));
  }

  // Every module was written as it ended; what is left are the run's global messages (errors outside a test).
  override onTestRunEnd(): void {
    super.onTestRunEnd([]);
  }
}

function suiteName(m: TestModule): string {
  return basename(m.moduleId).replace(/\.test\.ts$/, '');
}
