// CPU time read from /proc: the figure that least depends on who else uses the machine.

import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * One file of each thread of a process (`/proc/PID/task/TID/<file>`), parsed, by thread id.
 * @template T @param {number} pid @param {string} file @param {(text: string) => T} parse
 */
function perThread(pid, file, parse) {
  /** @type {Map<number, T>} */
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), parse(readFileSync(`/proc/${pid}/task/${tid}/${file}`, 'utf8')));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** CPU time (ns) of each thread of a process, by thread id. @param {number} pid */
export function threadCpu(pid) {
  return perThread(pid, 'schedstat', (text) => Number(text.split(' ')[0]));
}

/**
 * The OS name of each thread of a process, by thread id: the host names its worker threads
 * `fl-store`, `fl-orchestrator` and `fl-proxy` (src/main/worker-runtime/thread-name.ts).
 * @param {number} pid
 */
export function threadNames(pid) {
  return perThread(pid, 'comm', (text) => text.trim());
}

/** CPU time (ns) of all of a process's threads now. @param {number} pid */
export function processCpu(pid) {
  let sum = 0;
  for (const ns of threadCpu(pid).values()) sum += ns;
  return sum;
}

/**
 * Waits until none of the processes uses more than `share` of a core over `windowMs`, at most
 * `maxMs`, and resolves with the ms waited: a `serve` keeps working for a moment after its
 * run's last answer (GC, log lines, LMDB), CPU the next run on the machine would otherwise share.
 * @param {number[]} pids @param {{windowMs?: number, share?: number, maxMs?: number}} [o]
 */
export async function waitIdle(pids, { windowMs = 100, share = 0.05, maxMs = 3000 } = {}) {
  const began = performance.now();
  for (;;) {
    const before = pids.map(processCpu);
    await new Promise((r) => setTimeout(r, windowMs));
    const busy = pids.some((pid, i) => (processCpu(pid) - before[i]) / 1e6 > share * windowMs);
    const waited = performance.now() - began;
    if (!busy || waited >= maxMs) return waited;
  }
}
