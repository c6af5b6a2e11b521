// Allure results as the suites' reporter writes them (suites/support/suite-reporter.ts): as allure-js-commons'
// FileSystemWriter writes them (each file under a temporary name, then renamed into place, so no reader ever sees
// half a file) but without its fsync of every file. The files go to a run's staging folder, which becomes the report
// only once the run has ended (harness/run/staging.ts); a run cut short by a crash or a power cut is never promoted,
// so a file's durability before then buys nothing. And the fsyncs were not free: vitest's main process, which serves
// every card's worker, spent 1.8 s of the six-variant portability run blocked in them (about 3 ms for each of its
// 530 files).
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Category, EnvironmentInfo } from 'allure-js-commons/sdk';
import type { Writer } from 'allure-js-commons/sdk/reporter';
import { stringifyEnvInfo } from 'allure-js-commons/sdk/reporter';

type Globals = Parameters<Writer['writeGlobals']>[1];

export class ResultsWriter implements Writer {
  constructor(private readonly resultsDir: string) {}

  private publish(name: string, write: (tempPath: string) => void): void {
    mkdirSync(this.resultsDir, { recursive: true });
    const temp = join(this.resultsDir, `.allure-write-${randomUUID()}.tmp`);
    try {
      write(temp);
      renameSync(temp, join(this.resultsDir, name));
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  private json(name: string, data: unknown): void {
    this.publish(name, (p) => writeFileSync(p, JSON.stringify(data), 'utf8'));
  }

  writeResult(result: Parameters<Writer['writeResult']>[0]): void {
    this.json(`${result.uuid}-result.json`, result);
  }

  writeGroup(result: Parameters<Writer['writeGroup']>[0]): void {
    this.json(`${result.uuid}-container.json`, result);
  }

  writeAttachment(distFileName: string, content: Buffer): void {
    this.publish(distFileName, (p) => writeFileSync(p, content));
  }

  writeAttachmentFromPath(distFileName: string, from: string): void {
    this.publish(distFileName, (p) => copyFileSync(from, p));
  }

  writeEnvironmentInfo(info: EnvironmentInfo): void {
    this.publish('environment.properties', (p) => writeFileSync(p, stringifyEnvInfo(info), 'utf8'));
  }

  writeCategoriesDefinitions(categories: Category[]): void {
    this.json('categories.json', categories);
  }

  writeGlobals(distFileName: string, info: Globals): void {
    this.json(distFileName, info);
  }
}
