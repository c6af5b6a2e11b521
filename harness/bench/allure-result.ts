// Puts a bench run into the Allure report beside the conformance results: one Allure test per run, grouped under
// the card's variant and the feature "benchmark", with the printed statistics as its description, the box plot of
// its samples as an SVG attachment and the JSON result itself. A run from an emulated card or a timing model says
// so in its name, so the report never passes it off as card timing.
import { readFile } from 'node:fs/promises';
import { Stage, Status } from 'allure-js-commons';
import { FileSystemWriter, ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import { buildComparison, standaloneBoxPlotSvg } from './compare.ts';
import { timingSource, type BenchResult } from './result.ts';

export interface BenchRunForReport {
  result: BenchResult;
  /** The JSON file the run wrote. */
  file: string;
  describe: string[];
  refused?: string;
  error?: Error;
}

function title(r: BenchResult): string {
  const what = [r.operation.name, r.operation.algorithm, r.operation.operationsPerSample ? `loop ${r.operation.operationsPerSample}` : undefined].filter(Boolean).join(' ');
  const tag = r.card.timingModel !== undefined ? ' (timing model, not card timing)' : r.card.emulated ? ' (emulated: functional only, not card timing)' : '';
  return `bench: ${what}${tag}`;
}

/** Writes the Allure result of one bench run into resultsDir. */
export async function writeBenchAllureResult(run: BenchRunForReport, resultsDir: string): Promise<void> {
  const r = run.result;
  const runtime = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir }) });
  const status = run.error ? Status.BROKEN : Status.PASSED;
  const uuid = runtime.startTest({
    name: title(r),
    fullName: `simcert bench ${r.profile.path} ${title(r)}`,
    start: Date.parse(r.startedAt),
    description: ['```', ...run.describe, '```'].join('\n'),
    labels: [
      { name: 'variant', value: `${r.card.carrier} / ${r.card.variant}` },
      { name: 'feature', value: 'benchmark' },
      { name: 'conformance suite', value: 'bench' },
      { name: 'host', value: r.host.hostname },
    ],
    parameters: [
      { name: 'profile', value: r.profile.name },
      { name: 'reader', value: r.reader, excluded: true },
      { name: 'samples', value: `${r.samplesNs.length} of ${r.operation.iterations}${r.interrupted ? ' (interrupted)' : ''}` },
      { name: 'timing source', value: r.card.timingModel !== undefined ? `timing model: ${r.card.timingModel}` : timingSource(r) },
    ],
  });
  const section = buildComparison([r]).sections[0];
  if (section) {
    runtime.writeAttachment(uuid, undefined, 'samples (box plot)', Buffer.from(standaloneBoxPlotSvg(section)), { contentType: 'image/svg+xml', fileExtension: '.svg' });
  }
  runtime.writeAttachment(uuid, undefined, 'bench result (JSON)', await readFile(run.file), { contentType: 'application/json', fileExtension: '.json' });
  runtime.updateTest(uuid, (t) => {
    t.status = status;
    t.stage = Stage.FINISHED;
    const message = run.error?.message ?? (run.refused ? `no per-operation figure: ${run.refused}` : undefined);
    if (message) t.statusDetails = { message };
  });
  runtime.stopTest(uuid, { stop: Date.parse(r.finishedAt) });
  runtime.writeTest(uuid);
}
