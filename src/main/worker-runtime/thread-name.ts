// The OS name of a worker's thread. Node leaves every thread named "node", so `top -H`, `ps -L`,
// perf and the benchmarks could only guess which thread was the store (the busiest three by
// thread id, which a V8 compiler thread could take). Linux lets a thread rename itself through
// /proc/thread-self/comm; a synchronous write runs on the calling thread, so it names this one.

import { writeFileSync } from 'node:fs';
import type { WorkerName } from '../../shared/services';

/** At most 15 bytes: the kernel's limit for a thread's name. */
export function threadName(worker: WorkerName): string {
  return `fl-${worker}`.slice(0, 15);
}

/** Names the calling thread `fl-<worker>` where the OS allows it; elsewhere, nothing happens. */
export function nameThisThread(worker: WorkerName): void {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', threadName(worker));
  } catch {
    // no /proc (a container without it) or a kernel before 3.17: the name is only a convenience
  }
}
