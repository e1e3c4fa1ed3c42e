// Wires the page together once: picks the adapter, creates the dashboard store, keeps the
// event stream, the status poll and the chart sampler running, and follows the URL's region.
// When the API refuses this page's key (401) it stops all of that at once: every further call
// would be refused too, and wrong credentials count against this address.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EventSubscription } from '../../shared/api';
import { mergeSamples, unpackSamples } from '../../shared/samples';
import { type AppClient, browserClient, electronClient } from './api/client';
import { eventLogStore } from './components/event-log/event-log-state';
import { createNavigation, type Navigation } from './nav/navigation';
import { type ActivityFeed, createActivityFeed } from './state/activity';
import { browserSessionStore } from './state/auth';
import { frameSchedule } from './state/batcher';
import { type Beat, createBeat } from './state/beat';
import { createDashboard, type Dashboard } from './state/dashboard';
import { appendSample, type Sample } from './state/history';
import { createMotion, type Motion } from './state/motion';
import { createOpsFlow, type OpsFlow } from './state/ops-flow';
import { createResetFlow, type ResetFlow } from './state/reset';
import { createVmFeed, type VmFeed } from './state/vm-feed';
import { createVmIndex, type VmIndex } from './state/vm-index';

export interface Runtime {
  client: AppClient;
  dashboard: Dashboard;
  history: StoreApi<{ samples: Sample[] }>;
  /** The event log: the host's history, then what is new. */
  activity: ActivityFeed;
  /** Wall clock for "12 s ago" labels, ticking once a second. */
  clock: StoreApi<{ now: number }>;
  /** The live indicators' pulse: moves when changes arrive, at most every BEAT_GAP_MS (state/beat.ts). */
  beat: Beat['store'];
  /** Calm while changes stream in: they show without animating (state/motion.ts). */
  motion: Motion['store'];
  /** "Reset fleet" behind its confirm dialog. */
  resetFlow: ResetFlow;
  /** Closes and reopens the event stream now (the user's "Reconnect"). */
  reconnect(): void;
  select(code: string | null): void;
  /** The VMs seen, by machine: the cards' VM states and the console's completion. */
  vms: VmIndex;
  /** Machine and region acts from their menus: the confirm dialog and the toasts. */
  ops: OpsFlow;
  /** The page, the drawer and the history entries behind them (nav/navigation.ts). */
  nav: Navigation;
  /** VM transitions and machine changes as they arrive, for the VM list and the drawers. */
  feed: VmFeed;
}

const STATUS_EVERY_MS = 2000;
const SAMPLE_EVERY_MS = 1000;
/** Live changes reach the page's stores at most this often (state/batcher.ts: frameSchedule). */
const TICK_MIN_GAP_MS = 100;
/** The live dot pulses at most this often while changes stream in (and not at all without them). */
const BEAT_GAP_MS = 3000;

/** `signInProblem`: why the `?token=` link did not sign this page in (state/auth.ts); the page then asks for the key. */
export function startRuntime(signInProblem: string | null = null): Runtime {
  const client = window.flylight
    ? electronClient(window.flylight)
    : browserClient(location.origin, browserSessionStore());
  const schedule = frameSchedule(
    (cb) => requestAnimationFrame(cb),
    (id) => cancelAnimationFrame(id),
    () => document.hidden,
    { minGapMs: TICK_MIN_GAP_MS },
  );
  const vms = createVmIndex({ api: client.api, schedule });
  const ops = createOpsFlow();
  const dashboard = createDashboard({
    api: client.api,
    schedule,
    now: () => Date.now(),
    // A frame (React has committed and the browser paints after it), then a task after the paint.
    afterPaint: () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))),
  });
  const { actions, store } = dashboard;
  const beat = createBeat({ gapMs: BEAT_GAP_MS });

  const samples = createStore<{ samples: Sample[] }>(() => ({ samples: [] }));
  const clock = createStore<{ now: number }>(() => ({ now: Date.now() }));
  // The rate of changes decides whether the page animates them: taken as each batch lands (a
  // stream is calm from its first batch) and at each tick of the clock (quiet is seen too). The
  // style sheets read it from the root (bars, cards, chips: `:root[data-motion='calm']`).
  const motion = createMotion();
  store.subscribe((s, prev) => {
    if (s.eventsApplied === prev.eventsApplied) return;
    motion.sample(s.eventsApplied, Date.now());
    beat.poke();
  });
  clock.subscribe((c) => motion.sample(store.getState().eventsApplied, c.now));
  motion.store.subscribe((m) => {
    if (m.calm) document.documentElement.dataset.motion = 'calm';
    else delete document.documentElement.dataset.motion;
  });
  const activity = createActivityFeed({ api: client.api, now: () => Date.now() });
  const feed = createVmFeed(() => Date.now());
  const nav = createNavigation({
    location,
    history: window.history,
    listen(cb) {
      window.addEventListener('popstate', cb);
      window.addEventListener('hashchange', cb);
      return () => {
        window.removeEventListener('popstate', cb);
        window.removeEventListener('hashchange', cb);
      };
    },
    onRegion: (code) => void actions.select(code),
  });

  let stream: EventSubscription | null = null;
  let locked = false;
  const connect = (): void => {
    stream?.close();
    stream = null;
    if (locked) return;
    // Each subscription gets its own callbacks, so the close() of the old one (which reports
    // 'closed') cannot be mistaken for the new one's state.
    let current = true;
    const sub = client.subscribe(
      (e) => {
        actions.receive(e);
        vms.receive(e);
        feed.receive(e);
      },
      (state, detail) => {
        if (!current) return;
        // A stream that (re)opens may have missed events: the cards on screen ask for their VMs
        // again; a host that had no shared fleet may be a new one that has.
        if (state === 'open' && store.getState().connection.state !== 'open') {
          vms.refresh();
          actions.recheckCluster();
        }
        actions.setConnection(state, detail);
      },
    );
    stream = {
      close() {
        current = false;
        sub.close();
      },
    };
  };

  // The shared fleet's view is asked for beside the status and not waited for: it may take a
  // second or two (etcd calls with deadlines), and a reset's notice waits for the status only.
  const pollStatus = async (): Promise<void> => {
    if (document.hidden || locked) return;
    void actions.refreshCluster();
    await actions.refreshStatus();
  };

  // The charts' samples are the host's (it samples whether or not a page is open), so a reload
  // starts with the last ten minutes. While the host cannot be read, the page adds stale
  // samples of its own (a gap that keeps the axis moving); the host's real ones replace them.
  let sampling = false;
  const sample = async (): Promise<void> => {
    const t = Date.now();
    clock.setState({ now: t });
    if (locked || sampling || (document.hidden && samples.getState().samples.length > 0)) return;
    sampling = true;
    try {
      const mine = samples.getState().samples;
      const since = mine.findLast((x) => !x.stale)?.t ?? 0;
      try {
        const theirs = unpackSamples(await client.api.samples(since));
        samples.setState({ samples: mergeSamples(mine, theirs) });
      } catch {
        if (store.getState().load.state !== 'ready' || mine.length === 0) return;
        const gap: Sample = { t, fleet: [0, 0], regions: {}, launches: null, failed: null, stale: true };
        samples.setState({ samples: appendSample(mine, gap) });
      }
    } finally {
      sampling = false;
    }
    if (document.hidden) return;
    if (eventLogStore.getState().open) await activity.poll();
    else await activity.peek();
  };

  // A region picked anywhere (list, tile, palette) is a step in the history, on the same tab.
  const select = (code: string | null): void => {
    nav.showPage({ region: code, tab: code === null ? 'machines' : nav.store.getState().page.tab });
  };

  const resetFlow = createResetFlow({
    reset: () => client.api.reset(),
    // The store's `reset` event resyncs too; this covers a page whose stream is down.
    after: async () => {
      await actions.resync();
      await pollStatus();
    },
    now: () => Date.now(),
  });

  const timers: ReturnType<typeof setInterval>[] = [];
  const refuse = (message: string): void => {
    if (locked) return;
    locked = true;
    actions.refuseAuth(message);
    stream?.close();
    stream = null;
    for (const t of timers) clearInterval(t);
  };
  const runtime: Runtime = {
    client,
    dashboard,
    history: samples,
    activity,
    clock,
    beat: beat.store,
    motion: motion.store,
    resetFlow,
    reconnect: connect,
    select,
    vms,
    ops,
    nav,
    feed,
  };
  client.onUnauthorized(refuse);
  // Every read says whether it may be stale, the status poll's every 2 s among them.
  client.onStale(actions.setStale);
  if (signInProblem) {
    refuse(signInProblem);
    return runtime;
  }

  // An unknown region in the URL stays in it: the page says there is no such region.
  void actions.start(nav.store.getState().page.region);
  connect();
  void pollStatus();
  timers.push(setInterval(() => void pollStatus(), STATUS_EVERY_MS));
  void sample();
  // Opening the log fetches the host's history at once, not at the next second.
  eventLogStore.subscribe((s, prev) => {
    if (s.open && !prev.open && !locked) void activity.poll();
  });
  timers.push(setInterval(() => void sample(), SAMPLE_EVERY_MS));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void pollStatus();
  });

  return runtime;
}
