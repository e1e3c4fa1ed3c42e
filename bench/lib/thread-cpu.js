// CPU time read from /proc: the figure that least depends on who else uses the machine.

import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (ns) of each thread of a process, by thread id. @param {number} pid */
export function threadCpu(pid) {
  /** @type {Map<number, number>} */
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * The OS name of each thread of a process, by thread id: the host names its worker threads
 * `fl-store`, `fl-orchestrator` and `fl-proxy` (src/main/worker-runtime/thread-name.ts).
 * @param {number} pid
 */
export function threadNames(pid) {
  /** @type {Map<number, string>} */
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** CPU time (ns) of all of a process's threads now. @param {number} pid */
export function processCpu(pid) {
  let sum = 0;
  for (const ns of threadCpu(pid).values()) sum += ns;
  return sum;
}
