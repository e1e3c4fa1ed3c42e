// The dashboard's state: regions with totals, the selected region's machines, the connection
// and the host's status. Change events patch it in place (no refetch per event), a burst is
// applied once per tick (see batcher.ts), and after a drop the page resynchronises from a
// snapshot without losing events that arrive while the snapshot is in flight.
//
// No DOM here: the API, the frame scheduler and the clock are injected, so the logic runs in
// unit tests as it runs in the page.

import { createStore } from 'zustand/vanilla';
import type { Machine, Region, StoreEvent } from '../../../shared/types';
import { createEventBatcher } from './batcher';
import { clusterActions, NO_CLUSTER } from './cluster';
import type {
  Dashboard,
  DashboardActions,
  DashboardDeps,
  DashboardState,
  LoadState,
  MachinesView,
} from './dashboard-types';
import { createResyncQueue } from './resync-queue';
import { toUiError } from './ui-error';

export type * from './dashboard-types';

/**
 * The first page of a big region: enough cards for a large screen (the grid renders about a
 * screenful plus a few rows), small enough that the store encodes it in well under a millisecond.
 */
export const FIRST_PAGE = 120;
/** Smaller regions come whole in one quick answer: a first page would only add a request. */
export const FIRST_PAGE_FROM = 1000;

/** A mark on the page's performance timeline (the benchmark reads them); nothing without one. */
const mark = (name: string): void => {
  globalThis.performance?.mark?.(name);
};

/** Ids in order (the store sends them so): sorting 10,000 again before the first paint is waste. */
function sortedIds(list: readonly Machine[]): string[] {
  const ids = list.map((m) => m.id);
  for (let i = 1; i < ids.length; i++) if (ids[i - 1] > ids[i]) return ids.sort();
  return ids;
}

const emptyMachines = (region: string | null, state: LoadState): MachinesView => {
  return { region, state, ids: [], byId: {}, changes: {}, changedAt: {}, version: 0 };
};

export function createDashboard(deps: DashboardDeps): Dashboard {
  const { api, now } = deps;
  const firstPage = deps.firstPage ?? FIRST_PAGE;
  const firstPageFrom = deps.firstPageFrom ?? FIRST_PAGE_FROM;
  const afterPaint = deps.afterPaint ?? (() => Promise.resolve());

  const store = createStore<DashboardState>(() => ({
    connection: { state: 'connecting', since: now(), drops: 0 },
    load: { state: 'idle' },
    regions: {},
    regionCodes: [],
    selected: null,
    machines: emptyMachines(null, 'idle'),
    status: null,
    statusFailedAt: null,
    eventsApplied: 0,
    lastEventAt: null,
    authRefused: null,
    cluster: NO_CLUSTER,
    stale: null,
  }));

  // Newest event seen per machine and per region, numbered by arrival, while a snapshot is in
  // flight. A snapshot requested at arrival number N is patched with everything newer than N
  // before it is shown: events are absolute, so the newest one per machine is that machine's
  // truth. Kept only while some snapshot is asked for, so a page under a stream does not keep a
  // record of every machine that ever changed.
  let arrivals = 0;
  let inFlight = 0;
  const asking = (): void => void inFlight++;
  const answered = (): void => {
    if (--inFlight > 0) return;
    seenMachine.clear();
    seenRegion.clear();
  };
  const seenMachine = new Map<string, { n: number; machine: Machine }>();
  const seenRegion = new Map<string, { n: number; region: Region }>();
  // Counts the region snapshots asked for: a resync skips the selected region's when one was
  // asked after the resync began (a click while it ran), since that one is newer already.
  let machineAsks = 0;
  let lastAsk = { code: '', n: 0 };
  let lastSeq: number | null = null;
  let disposed = false;
  let locked = false;

  const applyBatch = (batch: StoreEvent[]): void => {
    const s = store.getState();
    const view = s.machines;
    let regions: Record<string, Region> | null = null;
    let ids: string[] | null = null;
    let preview: Machine[] | null = null;
    let changed = false;
    const at = now();
    for (const e of batch) {
      if (e.type !== 'machine' && e.type !== 'region') continue; // reset: a resync is on its way
      const code = e.region.code;
      if (s.regions[code] || regions?.[code]) {
        regions ??= { ...s.regions };
        regions[code] = e.region;
      }
      if (e.type !== 'machine' || view.region !== code) continue;
      if (view.state === 'loading') {
        // The snapshot on its way shows this change (loadMachines patches it in from
        // seenMachine) but cannot say that it was one: count it here, or the card comes up
        // already changed and never flashes.
        view.changes[e.machine.id] = (view.changes[e.machine.id] ?? 0) + 1;
        view.changedAt[e.machine.id] = at;
        const i = view.preview ? view.preview.findIndex((m) => m.id === e.machine.id) : -1;
        if (i >= 0) {
          preview ??= [...(view.preview as Machine[])];
          preview[i] = e.machine;
        }
      } else if (view.state === 'ready') {
        if (!view.byId[e.machine.id]) {
          ids ??= [...view.ids];
          ids.push(e.machine.id);
        }
        view.byId[e.machine.id] = e.machine;
        view.changes[e.machine.id] = (view.changes[e.machine.id] ?? 0) + 1;
        view.changedAt[e.machine.id] = at;
        changed = true;
      }
    }
    const patch: Partial<DashboardState> = {
      eventsApplied: s.eventsApplied + batch.length,
      lastEventAt: at,
    };
    if (regions) patch.regions = regions;
    if (changed) {
      if (ids) ids.sort();
      patch.machines = { ...view, ids: ids ?? view.ids, version: view.version + 1 };
    } else if (preview) {
      patch.machines = { ...view, preview, version: view.version + 1 };
    }
    store.setState(patch);
  };

  const batcher = createEventBatcher(applyBatch, deps.schedule);

  /** The region's first page, shown while the whole region loads (its state stays 'loading'). */
  const loadPreview = async (code: string, from: number): Promise<void> => {
    asking();
    try {
      const list = await api.machines(code, { form: 'columns', limit: firstPage });
      const view = store.getState().machines;
      if (disposed || view.region !== code || view.state !== 'loading') return;
      const preview = list.map((m) => {
        const seen = seenMachine.get(m.id);
        return seen && seen.n > from ? seen.machine : m;
      });
      store.setState({ machines: { ...view, preview, version: view.version + 1 } });
      mark('flylight:machines-first-page');
    } catch {
      // The whole region's request says what went wrong, if anything did.
    } finally {
      answered();
    }
  };

  const loadMachines = async (code: string): Promise<void> => {
    // Buffered events are older than the snapshot about to be taken: apply them now, so they
    // cannot land on top of it afterwards.
    batcher.flushNow();
    const from = arrivals;
    lastAsk = { code, n: ++machineAsks };
    asking();
    const s0 = store.getState();
    // A big region, newly selected: its first page first, and the rest once that is on screen.
    // Asked together, or before the first page was painted, the whole region's answer (parsed
    // and decoded on this thread) landed in between and held the first cards back.
    if (
      s0.machines.region === code &&
      s0.machines.state === 'loading' &&
      (s0.regions[code]?.machine_count ?? 0) >= firstPageFrom
    ) {
      await loadPreview(code, from);
      await afterPaint();
      if (disposed || store.getState().selected !== code) {
        answered();
        return;
      }
    }
    mark('flylight:machines-asked');
    try {
      // The compact form: a 10,000-machine region is ~0.35 MB instead of 2.1 MB to parse.
      const list = await api.machines(code, { form: 'columns' });
      mark('flylight:machines-decoded');
      if (disposed || store.getState().selected !== code) return;
      const byId: Record<string, Machine> = {};
      for (const m of list) {
        const seen = seenMachine.get(m.id);
        byId[m.id] = seen && seen.n > from ? seen.machine : m;
      }
      const prev = store.getState().machines;
      // Keep change counters across a resync of the same region so cards do not all flash.
      const same = prev.region === code;
      const changes = same ? prev.changes : {};
      const changedAt = same ? prev.changedAt : {};
      store.setState({
        machines: {
          region: code,
          state: 'ready',
          ids: sortedIds(list),
          byId,
          changes,
          changedAt,
          version: prev.version + 1,
        },
      });
      mark('flylight:machines-ready');
    } catch (err) {
      if (disposed || store.getState().selected !== code) return;
      const prev = store.getState().machines;
      // A failed resync keeps showing what we had (marked stale by the connection state).
      if (prev.region === code && prev.state === 'ready') return;
      store.setState({ machines: { ...emptyMachines(code, 'error'), error: toUiError(err) } });
    } finally {
      answered();
    }
  };

  const loadRegions = async (): Promise<void> => {
    const from = arrivals;
    const regions: Record<string, Region> = {};
    asking();
    try {
      for (const r of await api.regions()) {
        const seen = seenRegion.get(r.code);
        regions[r.code] = seen && seen.n > from ? seen.region : r;
      }
    } finally {
      answered();
    }
    const regionCodes = Object.keys(regions).sort();
    const s = store.getState();
    const selected = s.selected && regions[s.selected] ? s.selected : null;
    store.setState({
      regions,
      regionCodes,
      selected,
      load: { state: 'ready' },
      ...(selected ? {} : { machines: emptyMachines(null, 'idle') }),
    });
  };

  const doResync = async (): Promise<void> => {
    const since = machineAsks;
    batcher.flushNow();
    try {
      await loadRegions();
    } catch (err) {
      if (disposed) return;
      const s = store.getState();
      // Before the first successful load this is the page's error state; after it, the
      // connection badge already says what is wrong and the last data stays visible.
      if (s.load.state !== 'ready') store.setState({ load: { state: 'error', error: toUiError(err) } });
      return;
    }
    const sel = store.getState().selected;
    if (sel && !(lastAsk.code === sel && lastAsk.n > since)) await loadMachines(sel);
  };

  const resyncs = createResyncQueue({
    resync: doResync,
    allowed: () => !disposed && !locked,
    now,
    minGapMs: deps.resyncMinIntervalMs ?? 2000,
    setTimer: deps.setTimer,
  });
  const resync = resyncs.run;

  const actions: DashboardActions = {
    async start(initialRegion) {
      store.setState({ load: { state: 'loading' } });
      if (initialRegion) store.setState({ selected: initialRegion, machines: emptyMachines(initialRegion, 'loading') });
      await resync();
      if (initialRegion && store.getState().selected !== initialRegion) {
        // Unknown region in the URL: nothing selected rather than an error page.
        store.setState({ selected: null, machines: emptyMachines(null, 'idle') });
      }
    },

    async select(code) {
      if (locked) return;
      const s = store.getState();
      if (code === s.selected && s.machines.state !== 'error') return;
      if (code === null) {
        store.setState({ selected: null, machines: emptyMachines(null, 'idle') });
        return;
      }
      if (!s.regions[code]) return;
      store.setState({ selected: code, machines: emptyMachines(code, 'loading') });
      await loadMachines(code);
    },

    resync,

    receive(e) {
      if (disposed) return;
      arrivals++;
      if (lastSeq !== null && e.seq !== lastSeq + 1) resyncs.soon();
      lastSeq = e.seq;
      if (e.type === 'reset') {
        batcher.push(e);
        void resync();
        return;
      }
      // A VM's state change: its machine's figures come in their own `machine` event; an actor
      // restart is news for `watch`. Both counted above so the sequence stays whole.
      if (e.type !== 'machine' && e.type !== 'region') return;
      if (inFlight > 0) {
        if (e.type === 'machine') seenMachine.set(e.machine.id, { n: arrivals, machine: e.machine });
        seenRegion.set(e.region.code, { n: arrivals, region: e.region });
      }
      batcher.push(e);
    },

    setConnection(state, detail) {
      const prev = store.getState().connection;
      if (prev.state === state && prev.detail === detail) return;
      const drops = prev.state === 'open' && state !== 'open' ? prev.drops + 1 : prev.drops;
      store.setState({ connection: { state, detail, since: prev.state === state ? prev.since : now(), drops } });
      if (state === 'open') {
        // A new stream numbers its events afresh, and whatever happened before it opened is
        // only in a snapshot taken after it opened (a resync already running gets a rerun).
        lastSeq = null;
        if (prev.state !== 'open') void resync();
      }
    },

    async refreshStatus() {
      if (locked) return null;
      try {
        const status = await api.status();
        if (!disposed) store.setState({ status, statusFailedAt: null });
        return status;
      } catch {
        if (!disposed) store.setState({ statusFailedAt: now() });
        return null;
      }
    },

    ...clusterActions({ api, store, now, live: () => !disposed && !locked }),

    flush: () => batcher.flushNow(),

    refuseAuth(message) {
      if (locked || disposed) return;
      locked = true;
      resyncs.cancel();
      store.setState({ authRefused: message });
    },

    dispose() {
      disposed = true;
      resyncs.cancel();
      batcher.dispose();
    },
  };

  return { store, actions };
}
