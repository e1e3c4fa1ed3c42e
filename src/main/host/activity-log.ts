// The host's bounded event history. It lives in the host, not a worker, because the host
// outlives every worker: a restarted proxy or store must not take the last minutes with it,
// and worker restarts are themselves news only the host sees.

import {
  ACTIVITY_BOUNDS,
  type ActivityEvent,
  type ActivityInput,
  type ActivityPage,
  isActivityKind,
} from '../../shared/activity';
import { timeMs } from '../../shared/iso-time';

export interface ActivityLogOptions {
  maxEvents?: number;
  maxAgeMs?: number;
  now?: () => number;
}

/** Most events one page answers: a client that wants more asks again from the last seq. */
export const ACTIVITY_PAGE_MAX: number = ACTIVITY_BOUNDS.maxEvents;

export class ActivityLog {
  private readonly events: ActivityEvent[] = [];
  /** Index of the oldest kept event in `events` (dropping from the front is a counter, not a copy). */
  private head = 0;
  private seq = 0;
  /**
   * The time of an event at or before the head, last read: events come in time order, so while
   * the cutoff is before it nothing is old enough to drop, and the head's time need not be read.
   */
  private headMs = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(e: ActivityEvent) => void>();
  readonly maxEvents: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(opts: ActivityLogOptions = {}) {
    this.maxEvents = opts.maxEvents ?? ACTIVITY_BOUNDS.maxEvents;
    this.maxAgeMs = opts.maxAgeMs ?? ACTIVITY_BOUNDS.maxAgeMs;
    this.now = opts.now ?? Date.now;
  }

  /** Numbers and keeps one event; returns it, or null when the input is not an event. */
  record(input: ActivityInput): ActivityEvent | null {
    if (typeof input !== 'object' || input === null || !isActivityKind(input.kind)) return null;
    if (typeof input.message !== 'string') return null;
    const at = typeof input.at === 'string' ? input.at : new Date(this.now()).toISOString();
    const e: ActivityEvent = { seq: ++this.seq, ...input, at };
    this.events.push(e);
    this.trim();
    for (const cb of this.listeners) cb(e);
    return e;
  }

  /** Events with seq > since, oldest first, at most `limit`. */
  page(since = 0, limit = ACTIVITY_PAGE_MAX): ActivityPage {
    this.trim();
    const kept = this.events.length - this.head;
    const oldest = kept > 0 ? this.events[this.head].seq : null;
    // Seqs are consecutive within the ring, so the first wanted one is found by arithmetic.
    const from = oldest === null ? this.events.length : this.head + Math.max(0, since + 1 - oldest);
    const events = this.events.slice(from, from + Math.max(0, limit));
    return {
      events,
      last_seq: this.seq,
      oldest_seq: oldest,
      bounds: { max_events: this.maxEvents, max_age_s: Math.round(this.maxAgeMs / 1000) },
    };
  }

  get size(): number {
    return this.events.length - this.head;
  }

  onRecord(cb: (e: ActivityEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private trim(): void {
    const cutoff = this.now() - this.maxAgeMs;
    while (this.events.length - this.head > this.maxEvents) this.head++;
    while (this.head < this.events.length && cutoff > this.headMs) {
      const t = timeMs(this.events[this.head].at);
      if (t < cutoff) this.head++;
      else {
        // A time that is no time (NaN) stops the trim, as it always did, and is read again next time.
        if (!Number.isNaN(t)) this.headMs = t;
        break;
      }
    }
    // Compact now and then, so the array does not grow forever behind the head.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
  }
}
