// The event log as the page holds it: the host's history loaded at start, then whatever is new,
// asked for once a second (GET /v1/activity?since=…). Asking rather than streaming works the
// same over HTTP and the desktop window's IPC, and a second of delay is what a log can afford;
// a burst arrives as one update, so thousands of events cost one render a second. Only while
// the log is open: closed, the page asks for the count alone (`limit=1`) and holds no event, so
// a stream of launches (thousands of events a second) costs it neither the transfer and parse
// nor the heap; opening the log fetches the host's history as a reload does.
//
// No DOM here: the API and the clock are injected, so it runs in unit tests as in the page.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ACTIVITY_BOUNDS, type ActivityEvent, type ActivityPage } from '../../../shared/activity';
import type { FlylightApi } from '../../../shared/api';

export interface ActivityState {
  /** Oldest first, within the host's bounds. */
  events: ActivityEvent[];
  /** The newest seq seen; the next poll asks for what follows. */
  lastSeq: number;
  loaded: boolean;
  /** The last poll failed (the log is as of the last one that worked). */
  failing: boolean;
  bounds: { max_events: number; max_age_s: number };
  /** How many events the host holds (the header's badge), from the last answer. */
  held: number;
}

export interface ActivityFeed {
  store: StoreApi<ActivityState>;
  /** Fetches what is new; never rejects. */
  poll(): Promise<void>;
  /** The log is closed: only how many events the host holds; the page lets go of its copy. */
  peek(): Promise<void>;
}

const heldBy = (page: ActivityPage): number => (page.oldest_seq === null ? 0 : page.last_seq - page.oldest_seq + 1);

export function createActivityFeed(deps: { api: Pick<FlylightApi, 'activity'>; now: () => number }): ActivityFeed {
  const store = createStore<ActivityState>(() => ({
    events: [],
    lastSeq: 0,
    loaded: false,
    failing: false,
    bounds: { max_events: ACTIVITY_BOUNDS.maxEvents, max_age_s: ACTIVITY_BOUNDS.maxAgeMs / 1000 },
    held: 0,
  }));
  let inFlight = false;

  const apply = (page: ActivityPage): void => {
    const s = store.getState();
    const fresh = page.events.filter((e) => e.seq > s.lastSeq);
    const held = heldBy(page);
    if (fresh.length === 0 && s.loaded && !s.failing && held === s.held) return;
    const cutoff = deps.now() - page.bounds.max_age_s * 1000;
    let events = fresh.length ? s.events.concat(fresh) : s.events;
    let from = Math.max(0, events.length - page.bounds.max_events);
    while (from < events.length && Date.parse(events[from].at) < cutoff) from++;
    if (from > 0) events = events.slice(from);
    store.setState({
      events,
      lastSeq: fresh.length ? fresh[fresh.length - 1].seq : s.lastSeq,
      loaded: true,
      failing: false,
      bounds: page.bounds,
      held,
    });
  };

  const poll = async (): Promise<void> => {
    if (inFlight) return;
    inFlight = true;
    try {
      let since = store.getState().lastSeq;
      // A page holds at most 5000: keep asking while the host has more.
      for (let i = 0; i < 10; i++) {
        const page = await deps.api.activity(since);
        if (page.last_seq < since) {
          // A host numbers from 1 again when it restarts: what we hold belongs to the one before.
          store.setState({ events: [], lastSeq: 0 });
          since = 0;
          continue;
        }
        apply(page);
        const got = page.events[page.events.length - 1]?.seq ?? page.last_seq;
        if (got >= page.last_seq) break;
        since = got;
      }
    } catch {
      if (!store.getState().failing) store.setState({ failing: true });
    } finally {
      inFlight = false;
    }
  };

  const peek = async (): Promise<void> => {
    if (inFlight) return;
    inFlight = true;
    try {
      const s = store.getState();
      const page = await deps.api.activity(Number.MAX_SAFE_INTEGER, 1);
      const held = heldBy(page);
      // Nothing kept: the next poll (the log opened) starts from the host's history.
      if (s.events.length > 0 || s.lastSeq > 0 || s.loaded || s.held !== held || s.failing) {
        store.setState({ events: [], lastSeq: 0, loaded: false, failing: false, held, bounds: page.bounds });
      }
    } catch {
      if (!store.getState().failing) store.setState({ failing: true });
    } finally {
      inFlight = false;
    }
  };

  return { store, poll, peek };
}
