// Ending a worker thread: ask it first, force it only if it does not go. Ending a thread from
// outside while it is busy is not safe under traffic: Node 20 can abort the whole process when a
// thread is terminated while llhttp is inside a JS callback (nodejs/node#38418).

import type { Worker } from 'node:worker_threads';

/** Runs `ask` (a message the thread acts on), resolves on the thread's exit; after `graceMs` without one, calls `onLate` and terminates it. */
export async function endThread(worker: Worker, ask: () => void, graceMs: number, onLate?: () => void): Promise<void> {
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  ask();
  const timer = setTimeout(() => {
    onLate?.();
    void worker.terminate();
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
