// The report commands of the simcert CLI: `report merge` joins the results of several runs (shards, reader hosts)
// into one Allure report, portability matrix and JUnit file (harness/run/merge.ts).
import type { Command } from 'commander';

export function registerReportCommands(program: Command, setExitCode: (code: number) => void): void {
  const report = program.command('report').description('work with run reports');
  report
    .command('merge')
    .description('build one Allure report, portability matrix and JUnit file from the reports of several runs (e.g. the --shard i/n of each host)')
    .argument('<DIR...>', 'report folders of the runs (their --out, or their allure-results)')
    .requiredOption('-o, --out <DIR>', 'folder for the merged report (allure-results, allure-report, portability.*, junit.xml)')
    .option('--portability', 'build the portability matrix even when none of the runs did')
    .action(async (dirs: string[], o: { out: string; portability?: boolean }) => {
      const { mergeReports } = await import('../run/merge.ts');
      setExitCode(await mergeReports({ inputs: dirs, out: o.out, portability: o.portability === true, log: (l) => console.log(l) }));
    });
}
