// Names the test files that were still running when the run ended. When a Vitest fork dies
// (a native crash, an abort, the OOM killer), Vitest says only "Worker exited unexpectedly",
// without the file; a CI log that names it is the difference between a fix and a guess.

import type { Reporter, TestModule } from 'vitest/node';

export default class UnfinishedReporter implements Reporter {
  private readonly running = new Map<string, number>();

  private readonly write: (line: string) => void;

  /** Vitest passes a reporter its options from the config; `write` is for this file's own test. */
  constructor(options: { write?: (line: string) => void } = {}) {
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  onTestModuleStart(module: TestModule): void {
    this.running.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    if (this.running.size === 0) return;
    const now = Date.now();
    this.write(`${this.running.size} test file(s) did not finish (their worker ended, or the run stopped):`);
    for (const [file, since] of this.running)
      this.write(`  ${file} (started ${((now - since) / 1000).toFixed(1)} s before the end)`);
  }
}
