// The certification-record commands of the simcert CLI: `profile ics` (a profile as the ICS/IXIT proforma a lab
// attaches to a certificate, harness/report/ics.ts) and `evidence verify` (checks an evidence bundle written by
// `simcert run --evidence`, harness/report/evidence.ts). Registered from main.ts; the heavy modules load in the actions.
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
      const { ensureWritableFile, replaceFile } = await import('../run/write-paths.ts');
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
        // Replaced whole: nobody attaches a half-written statement.
        await replaceFile(out, text, 'the proforma');
      }
      setExitCode(EXIT.ok);
    });
}

export function registerEvidenceCommands(program: Command, setExitCode: (code: number) => void): void {
  const evidence = program.command('evidence').description('evidence bundles written by simcert run --evidence');
  evidence
    .command('verify')
    .description('check every file of an evidence bundle against its SHA-256 manifest (exit 0: intact; 1: a file changed, missing or added, or the bundle is damaged)')
    .argument('<FILE.zip>', 'the evidence bundle')
    .action(async (file: string) => {
      const { readFile } = await import('node:fs/promises');
      const { verifyEvidence, MANIFEST } = await import('../report/evidence.ts');
      const { EnvironmentError } = await import('../run/errors.ts');
      const { osError } = await import('../run/write-paths.ts');
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') throw new UsageError(`${file}: no such bundle file (${osError(err)})`);
        throw new EnvironmentError(`cannot read ${file}: ${osError(err)}`);
      }
      const v = verifyEvidence(bytes);
      for (const p of v.problems) console.log(`${file}: ${p}`);
      const made = v.meta?.simcert ? `; made by simcert ${v.meta.simcert.version} at git ${v.meta.simcert.gitRevision}${v.meta.simcert.gitDirty === true ? ' (with uncommitted changes)' : ''}, ${v.meta.createdAt}` : '';
      if (v.ok) {
        console.log(`${file}: ok: ${v.matched} files match ${MANIFEST} (its SHA-256: ${v.manifestSha256})${made}`);
        setExitCode(EXIT.ok);
      } else {
        console.log(`${file}: NOT intact: ${v.problems.length} problem(s)${v.manifestSha256 ? `; ${v.matched} files match ${MANIFEST} (its SHA-256: ${v.manifestSha256})` : ''}`);
        setExitCode(EXIT.failed);
      }
    });
}
