// The platform's event log: what happened, in words a person filters by. Every thread's news
// (store changes, refused launches at the gate, worker restarts in the host) becomes one flat
// record here, numbered by the host, which keeps the last minutes of them (see ACTIVITY_BOUNDS)
// so a reloaded dashboard or a second window shows what happened before it opened.

export const ACTIVITY_KINDS = ['launch', 'refused', 'transition', 'destroy', 'fault', 'restart', 'reset'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export function isActivityKind(v: unknown): v is ActivityKind {
  return typeof v === 'string' && (ACTIVITY_KINDS as readonly string[]).includes(v);
}

/** One entry of the event log. Flat on purpose: it is filtered, tabulated and exported as CSV. */
export interface ActivityEvent {
  /** The host's number for it: increasing for the host's lifetime, never reused. */
  seq: number;
  /** RFC 3339. */
  at: string;
  kind: ActivityKind;
  /** One line for a person, e.g. `vm-3f9c… started → stopped (user)`. */
  message: string;
  region?: string;
  machine_id?: string;
  vm_id?: string;
  /** A lifecycle transition's states (a launch's `from` is null). */
  from?: string | null;
  to?: string;
  /** Why: a refusal's error code, a VM's reason, what crashed an actor. */
  reason?: string;
  /** The worker or actor a restart was about. */
  worker?: string;
  /** The request behind it, when one was (X-Request-Id). */
  request_id?: string;
}

/** What a thread reports; the host adds `seq` (and `at` when absent). */
export type ActivityInput = Omit<ActivityEvent, 'seq' | 'at'> & { at?: string };

/**
 * What the host keeps: the last `maxAgeMs` of events, but never more than `maxEvents` (a launch
 * storm would otherwise hold millions). Whichever bound is reached first drops the oldest.
 */
export const ACTIVITY_BOUNDS = { maxEvents: 5000, maxAgeMs: 10 * 60 * 1000 } as const;

/** `GET /v1/activity`: events after `since`, oldest first, and how much the host keeps. */
export interface ActivityPage {
  events: ActivityEvent[];
  /** The highest seq the host has handed out (0 before the first event): pass it as `since`. */
  last_seq: number;
  /** The oldest seq still kept, or null when nothing is. A `since` below it missed events. */
  oldest_seq: number | null;
  bounds: { max_events: number; max_age_s: number };
}

/** What a client may filter the log by. Empty or absent fields match everything. */
export interface ActivityFilter {
  kinds?: readonly ActivityKind[];
  region?: string;
  machine?: string;
  vm?: string;
}

const has = (field: string | undefined, want: string | undefined): boolean =>
  !want || field?.toLowerCase().includes(want.toLowerCase()) === true;

export function matchesActivity(e: ActivityEvent, f: ActivityFilter): boolean {
  if (f.kinds && f.kinds.length > 0 && !f.kinds.includes(e.kind)) return false;
  if (f.region && (e.region ?? '').toUpperCase() !== f.region.toUpperCase()) return false;
  return has(e.machine_id, f.machine) && has(e.vm_id, f.vm);
}

/** The columns of a CSV export, in order (every ActivityEvent field). */
export const ACTIVITY_COLUMNS = [
  'seq',
  'at',
  'kind',
  'region',
  'machine_id',
  'vm_id',
  'from',
  'to',
  'reason',
  'worker',
  'request_id',
  'message',
] as const satisfies readonly (keyof ActivityEvent)[];

/** Rows for a CSV writer: one array per event, empty strings for absent fields. */
export function activityRows(events: readonly ActivityEvent[]): string[][] {
  return events.map((e) => ACTIVITY_COLUMNS.map((c) => (e[c] === undefined || e[c] === null ? '' : String(e[c]))));
}

/** JSON Lines: one event per line, each a complete JSON object. */
export function activityJsonLines(events: readonly ActivityEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}
