// CPU time read from /proc: the figure that least depends on who else uses the machine.

import { readdirSync, readFileSync } from 'node:fs';

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
