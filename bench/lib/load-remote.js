// The parent's handle on bench/lib/load-proc.js: one child process, calls matched by id.

import { fork } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './store-bundle.js';

/**
 * @typedef {{perSecond: number, p50: number, p99: number, failed: number,
 *   unexpected: Record<string, number>, lastOk: number}} ClosedResult
 * @typedef {{sent: number, achievedPerSecond: number, p50: number, p99: number,
 *   eventsPerSecond: number, eventsPerSubscriber: number[], lagP50: number, lagMax: number,
 *   neverSeen: number, byType: Record<string, number>, vmLagP50: number, vmLagP99: number,
 *   vmLagMax: number, vmNeverSeen: number, cutAfterS: (number | null)[],
 *   unexpected: Record<string, number>, okPerSecond: number, statuses: Record<string, number>,
 *   late: number}} PacedResult
 */

export class RemoteLoad {
  constructor() {
    this.child = fork(join(ROOT, 'bench', 'lib', 'load-proc.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.next = 0;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
    this.waiting = new Map();
    this.child.on('message', (/** @type {any} */ m) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(`load client: ${m.error}`));
      else w.resolve(m.result);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the load client exited (${code})`));
      this.waiting.clear();
    });
  }

  /** @param {object} message */
  call(message) {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...message, id });
    });
  }

  /**
   * Closed loop: `n` requests, `concurrency` keep-alive connections each with one in flight.
   * @param {{port: number, headers?: Record<string, string>, concurrency: number, n: number,
   *   method?: string, path?: string, bodies?: string[] | null, offset?: number, want?: number,
   *   keyPrefix?: string}} o  keyPrefix: request i carries Idempotency-Key keyPrefix + (offset + i)
   * @returns {Promise<ClosedResult>}
   */
  closed(o) {
    return /** @type {Promise<ClosedResult>} */ (
      this.call({
        op: 'closed',
        headers: {},
        method: 'POST',
        path: '/v1/vms',
        bodies: null,
        offset: 0,
        want: 201,
        ...o,
      })
    );
  }

  /**
   * Open loop: launches at `rate` per second for `seconds`, with `subscribers` SSE clients;
   * at most `maxInFlight` awaiting an answer, if given (see load-proc.js).
   * @param {{port: number, headers: Record<string, string>, rate: number, seconds: number,
   *   bodies: string[], subscribers: number, settleMs: number, maxInFlight?: number}} o
   * @returns {Promise<PacedResult>}
   */
  paced(o) {
    return /** @type {Promise<PacedResult>} */ (this.call({ op: 'paced', ...o }));
  }

  /** The load client's process id (for its CPU time). */
  get pid() {
    return this.child.pid ?? 0;
  }

  close() {
    this.child.disconnect();
  }
}
