// How the store checks and shows the values callers send it, and the plain string order its
// listings follow.

import { ApiError } from '../../shared/errors';
import { shown } from '../../shared/quote';

/** A caller's value for an error message (shared/quote's `shown`, long enough for ids). */
export function show(v: unknown): string {
  return shown(v, 60);
}

/** Throws bad_request unless `v` is a whole number >= 0; `what` names it in the message. */
export function requireWhole(what: string, v: unknown): void {
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new ApiError('bad_request', `${what} ${show(v)} is not valid (a whole number >= 0)`);
}

/** Code-unit order (not locale order): the same on every machine. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
