// X-Request-Id: one id per request, on its response and in every log line it causes, in this
// worker and across the hop to the orchestrator. A client's own id is kept when it is safe to
// echo and to log; anything else is replaced rather than cleaned up.

import { randomBytes } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** 16 random bytes: unique enough to grep for across a day of logs, short enough to read. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** The client's id when it is well-formed, else a new one. */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
}
