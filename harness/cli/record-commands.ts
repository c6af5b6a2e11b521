// The certification-record commands of the simcert CLI: `profile ics` (a profile as the ICS/IXIT proforma a lab
// attaches to a certificate, harness/report/ics.ts) and `evidence verify` (checks an evidence bundle written by
// `simcert run --evidence`, harness/report/evidence.ts). Registered from main.ts; the heavy modules load in the actions.
import { rename } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { EXIT, UsageError } from '../run/errors.ts';

export function registerProfileIcsCommand(profile: Command, setExitCode: (code: number) => void, knownSuites: readonly string[], version: string): void {
  profile
    .command('ics')
    .description('print the profile as ICS and IXIT proforma tables (ISO/IEC 9646-7: item, question, status, support, reference); secrets by reference only')
    .argument('<FILE>', 'profile file')
    .addOption(new Option('--format <FORMAT>', 'md (Markdown) or html (a standalone page)').choices(['md', 'html']).default('md'))
    .option('-o, --out <FILE>', 'write to FILE instead of standard output')
    .action(async (file: string, o: { format: 'md' | 'html'; out?: string }) => {
      const { formatProblem, inspectProfile } = await import('../profile/index.ts');
      const { icsHtml, icsMarkdown, icsStatement } = await import('../report/ics.ts');
      const { ensureWritableFile, writeOutput } = await import('../run/write-paths.ts');
      const out = o.out === undefined ? undefined : await ensureWritableFile(o.out, 'the proforma');
      const r = await inspectProfile(file, { knownSuites: [...knownSuites], describeOnly: true });
      if (!r.profile) {
        for (const p of r.problems) console.error(formatProblem(p));
        throw new UsageError(`${file}: ${r.problems.length} problem(s); fix the profile before stating its ICS`);
      }
      const layers = r.sources?.layers ?? [];
      const statement = icsStatement(r.profile, (path) => layers.some((l) => l.doc.hasIn(path)), { simcertVersion: version, generatedAt: new Date() });
      const text = o.format === 'html' ? icsHtml(statement) : icsMarkdown(statement);
      if (out === undefined) {
        process.stdout.write(text);
      } else {
        // Beside the target, then renamed over it: nobody attaches a half-written statement.
        const part = `${out}.${process.pid}.part`;
        await writeOutput(part, text, 'the proforma');
        await rename(part, out);
      }
      setExitCode(EXIT.ok);
    });
}
