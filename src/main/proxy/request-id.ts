// X-Request-Id: one id per request, on its response and in every log line it causes, in this
// worker and across the hop to the orchestrator. A client's own id is kept when it is safe to
// echo and to log; anything else is replaced rather than cleaned up.

import { randomBytes } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Random bytes are drawn 4 KB at a time: one randomBytes call per request was 40 µs of the
 * proxy's time under load (a system-level draw each time); a slice of the pool costs nothing.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/** 16 random bytes: unique enough to grep for across a day of logs, short enough to read. */
export function newRequestId(): string {
  if (used + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const id = pool.toString('hex', used, used + 16);
  used += 16;
  return id;
}

/** The client's id when it is well-formed, else a new one. */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
}
