// How the store checks and shows the values callers send it, and the plain string order its
// listings follow.

import { ApiError } from '../../shared/errors';
import { isoMs } from '../../shared/iso-time';
import { LIFECYCLE_STATES, OPERATIONS } from '../../shared/lifecycle';
import { STRATEGIES } from '../../shared/placement';
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

/** Every name a VM record or its history repeats: one string each, not a copy per VM. */
const NAMES = new Map<string, string>(
  [
    ...LIFECYCLE_STATES,
    ...OPERATIONS,
    'create',
    'recover',
    'fault',
    ...STRATEGIES,
    'index',
    'candidates',
    'ranked',
    'plan',
  ].map((s) => [s, s]),
);

/** The shared copy of a known name (a state, an operation, a strategy); any other value as given. */
export function known<T>(s: T): T {
  return typeof s === 'string' ? ((NAMES.get(s) as T | undefined) ?? s) : s;
}

/** A time as the store keeps it in memory: epoch ms when that gives its text back exactly. */
export type Time = number | string;

/**
 * An RFC 3339 time in 8 bytes instead of a 24-character string, when it is what toISOString
 * writes (every time Flylight makes is): timeText() gives back the same text. Anything else is
 * kept as it came, so an answer never shows a time in another form than it was given.
 */
export function compactTime(at: string): Time {
  // isoMs reads only the text toISOString writes back exactly (no Date.parse and round trip here).
  const ms = isoMs(at);
  return Number.isNaN(ms) ? at : ms;
}

export function timeText(t: Time): string {
  return typeof t === 'number' ? new Date(t).toISOString() : t;
}
