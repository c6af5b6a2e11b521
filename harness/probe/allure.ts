// The probe's finding in the Allure report: one test, "probe: <profile> against the card", failed when the card
// contradicts a claim of the profile (each contradiction a step naming the claim, what the profile says, what the
// card showed, and the exchanges as an attachment), passed when it contradicts none. Grouped under the card's
// variant like the suites' results, so it sits beside them in the report of the same lab.
import { Stage, Status } from 'allure-js-commons';
import { FileSystemWriter, ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import type { Profile } from '../profile/types.ts';
import { formatContradiction, type Contradiction } from './contradictions.ts';

export interface ContradictionFinding {
  profile: Profile;
  reader: string;
  atr: string;
  contradictions: Contradiction[];
  /** How many claims the probe established (and so compared). */
  probed: number;
}

export async function writeContradictionsAllureResult(f: ContradictionFinding, resultsDir: string): Promise<void> {
  const runtime = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir }) });
  const name = `probe: the card against the ICS of ${f.profile.name}`;
  const start = Date.now();
  const uuid = runtime.startTest({
    name,
    fullName: `simcert probe ${f.profile.file}`,
    start,
    description: `simcert probe compared the ${f.probed} ICS claims a read-only probe can establish with the profile; a contradiction is a claim the card's own answers refute.`,
    labels: [
      { name: 'variant', value: `${f.profile.card.carrier} / ${f.profile.card.variant}` },
      { name: 'feature', value: 'probe' },
      { name: 'conformance suite', value: 'probe' },
    ],
    parameters: [
      { name: 'profile', value: f.profile.name },
      { name: 'reader', value: f.reader, excluded: true },
      { name: 'ATR', value: f.atr },
    ],
  });
  for (const c of f.contradictions) {
    const step = runtime.startStep(uuid, undefined, { name: `ics.${c.claim}: profile ${JSON.stringify(c.declared)}, card ${JSON.stringify(c.observed)}` });
    if (step) {
      runtime.writeAttachment(uuid, step, `evidence for ics.${c.claim}`, Buffer.from(c.evidence.join('\n')), { contentType: 'text/plain', fileExtension: '.txt' });
      runtime.updateStep(step, (s) => {
        s.status = Status.FAILED;
        s.statusDetails = { message: formatContradiction(c) };
      });
      runtime.stopStep(step);
    }
  }
  runtime.updateTest(uuid, (t) => {
    t.status = f.contradictions.length > 0 ? Status.FAILED : Status.PASSED;
    t.stage = Stage.FINISHED;
    if (f.contradictions.length > 0) t.statusDetails = { message: f.contradictions.map(formatContradiction).join('\n') };
  });
  runtime.stopTest(uuid, { stop: Date.now() });
  runtime.writeTest(uuid);
}
