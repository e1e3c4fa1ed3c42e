// Each worker thread of a real host names itself, so `top -H`, `ps -L`, perf and the benchmarks
// tell the store from the proxy. The test host runs its workers in this process.

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadName } from '../../../src/main/worker-runtime/thread-name';
import { startTestHost, type TestHost } from '../../helpers/host';

const names = () =>
  readdirSync('/proc/self/task').map((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      return ''; // the thread ended meanwhile
    }
  });

describe.runIf(process.platform === 'linux')('worker thread names', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('names the store, orchestrator and proxy threads, once each', () => {
    const seen = names();
    for (const w of ['fl-store', 'fl-orchestrator', 'fl-proxy']) expect(seen.filter((n) => n === w)).toHaveLength(1);
  });

  it("keeps a name within the kernel's 15 bytes", () => {
    expect(threadName('orchestrator')).toBe('fl-orchestrator');
    for (const w of ['store', 'orchestrator', 'proxy'] as const) expect(threadName(w).length).toBeLessThanOrEqual(15);
  });
});
