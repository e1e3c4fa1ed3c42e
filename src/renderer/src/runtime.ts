// Wires the page together once: picks the adapter, creates the dashboard store, keeps the
// event stream, the status poll and the chart sampler running, and follows the URL's region.
// When the API refuses this page's key (401) it stops all of that at once: every further call
// would be refused too, and wrong credentials count against this address.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EventSubscription } from '../../shared/api';
import { type AppClient, browserClient, electronClient } from './api/client';
import { createNavigation, type Navigation } from './nav/navigation';
import { browserSessionStore } from './state/auth';
import { frameSchedule } from './state/batcher';
import { createDashboard, type Dashboard } from './state/dashboard';
import { appendSample, LaunchRate, type Sample, takeSample } from './state/history';
import { createResetFlow, type ResetFlow } from './state/reset';
import { createVmFeed, type VmFeed } from './state/vm-feed';

export interface Runtime {
  client: AppClient;
  dashboard: Dashboard;
  history: StoreApi<{ samples: Sample[] }>;
  /** Wall clock for "12 s ago" labels, ticking once a second. */
  clock: StoreApi<{ now: number }>;
  /** "Reset fleet" behind its confirm dialog. */
  resetFlow: ResetFlow;
  /** Closes and reopens the event stream now (the user's "Reconnect"). */
  reconnect(): void;
  select(code: string | null): void;
  /** The page, the drawer and the history entries behind them (nav/navigation.ts). */
  nav: Navigation;
  /** VM transitions and machine changes as they arrive, for the VM list and the drawers. */
  feed: VmFeed;
}

const STATUS_EVERY_MS = 2000;
const SAMPLE_EVERY_MS = 1000;

/** `signInProblem`: why the `?token=` link did not sign this page in (state/auth.ts); the page then asks for the key. */
export function startRuntime(signInProblem: string | null = null): Runtime {
  const client = window.flylight
    ? electronClient(window.flylight)
    : browserClient(location.origin, browserSessionStore());
  const dashboard = createDashboard({
    api: client.api,
    schedule: frameSchedule(
      (cb) => requestAnimationFrame(cb),
      (id) => cancelAnimationFrame(id),
      () => document.hidden,
    ),
    now: () => Date.now(),
  });
  const { actions, store } = dashboard;
  const samples = createStore<{ samples: Sample[] }>(() => ({ samples: [] }));
  const clock = createStore<{ now: number }>(() => ({ now: Date.now() }));
  const rate = new LaunchRate();
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
        feed.receive(e);
      },
      (state, detail) => {
        if (current) actions.setConnection(state, detail);
      },
    );
    stream = {
      close() {
        current = false;
        sub.close();
      },
    };
  };

  const pollStatus = async (): Promise<void> => {
    if (document.hidden || locked) return;
    const st = await actions.refreshStatus();
    if (st) rate.observe(Date.now(), st.requests.launches_ok, st.requests.launches_failed);
    else rate.lost();
  };

  const sample = (): void => {
    const t = Date.now();
    clock.setState({ now: t });
    const st = store.getState();
    if (st.load.state !== 'ready') return;
    const s = takeSample(t, st.regions, rate.current(), st.connection.state !== 'open');
    samples.setState({ samples: appendSample(samples.getState().samples, s) });
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
  client.onUnauthorized(refuse);
  if (signInProblem) {
    refuse(signInProblem);
    return { client, dashboard, history: samples, clock, resetFlow, reconnect: connect, select, nav, feed };
  }

  // An unknown region in the URL stays in it: the page says there is no such region.
  void actions.start(nav.store.getState().page.region);
  connect();
  void pollStatus();
  timers.push(setInterval(() => void pollStatus(), STATUS_EVERY_MS));
  timers.push(setInterval(sample, SAMPLE_EVERY_MS));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void pollStatus();
  });

  return { client, dashboard, history: samples, clock, resetFlow, reconnect: connect, select, nav, feed };
}
