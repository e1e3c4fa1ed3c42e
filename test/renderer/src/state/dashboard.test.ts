import { describe, expect, it } from 'vitest';
import { createDashboard, type DashboardDeps } from '../../../../src/renderer/src/state/dashboard';
import { fleetTotals } from '../../../../src/renderer/src/state/fleet-totals';
import { ApiError } from '../../../../src/shared/errors';
import type { Machine, Region, StatusReport, StoreEvent } from '../../../../src/shared/types';
import { machine, region } from '../../../helpers/fixtures';
import { manualFrames } from '../../../helpers/manual-frames';

// ---- fixtures ---------------------------------------------------------------------------

let seq = 0;
function ev(m: Machine, r: Region): StoreEvent {
  seq++;
  return { type: 'machine', seq, at: '2025-01-01T00:00:01.000Z', machine: m, region: r };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake API whose answers the test controls, counting every call. */
function fakeApi() {
  const state = {
    regions: [region('SIN'), region('AMS'), region('ORD')],
    machines: {
      SIN: [machine('sin-1', 'SIN'), machine('sin-2', 'SIN')],
      AMS: [machine('ams-1', 'AMS'), machine('ams-2', 'AMS')],
      ORD: [machine('ord-1', 'ORD'), machine('ord-2', 'ORD')],
    } as Record<string, Machine[]>,
    calls: { regions: 0, machines: [] as string[], status: 0 },
    /** When set, the next machines() call waits for the test. */
    hold: null as Deferred<Machine[]> | null,
    failRegions: null as Error | null,
  };
  const api: DashboardDeps['api'] = {
    async regions() {
      state.calls.regions++;
      if (state.failRegions) throw state.failRegions;
      return state.regions.map((r) => ({ ...r }));
    },
    async machines(code) {
      state.calls.machines.push(code);
      if (state.hold) {
        const h = state.hold;
        state.hold = null;
        return h.promise;
      }
      const list = state.machines[code];
      if (!list) throw new ApiError('unknown_region', `unknown region ${code}`);
      return list.map((m) => ({ ...m }));
    },
    async status() {
      state.calls.status++;
      return { fleet: { vms: 3 } } as StatusReport;
    },
    // A host with its own store (test/renderer/src/state/cluster.test.ts covers a shared one).
    async cluster() {
      throw new ApiError('not_found', "this host's fleet is not shared");
    },
  };
  return { state, api };
}

/** A scheduler run by hand: nothing is applied until the test says a frame passed. */
function manualTimers() {
  const timers: { at: number; cb: () => void }[] = [];
  return {
    set(cb: () => void, ms: number) {
      const t = { at: ms, cb };
      timers.push(t);
      return () => {
        const i = timers.indexOf(t);
        if (i >= 0) timers.splice(i, 1);
      };
    },
    runAll() {
      const all = timers.splice(0);
      for (const t of all) t.cb();
    },
    get count() {
      return timers.length;
    },
  };
}

function setup(opts: { now?: () => number } = {}) {
  const { state, api } = fakeApi();
  const frames = manualFrames();
  const timers = manualTimers();
  let clock = 1_000_000;
  const d = createDashboard({
    api,
    schedule: frames.schedule,
    now: opts.now ?? (() => clock),
    setTimer: timers.set,
    resyncMinIntervalMs: 2000,
  });
  return {
    ...d,
    state,
    frames,
    timers,
    advance(ms: number) {
      clock += ms;
    },
  };
}

const flushPromises = () => new Promise((r) => setTimeout(r, 0));

// ---- tests ------------------------------------------------------------------------------

describe('dashboard store: first load', () => {
  it('loads regions sorted by code and the selected region’s machines', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const s = t.store.getState();
    expect(s.load.state).toBe('ready');
    expect(s.regionCodes).toEqual(['AMS', 'ORD', 'SIN']);
    expect(s.selected).toBe('SIN');
    expect(s.machines.state).toBe('ready');
    expect(s.machines.ids).toEqual(['sin-1', 'sin-2']);
    expect(t.state.calls.machines).toEqual(['SIN']);
  });

  it('drops an unknown region from the URL instead of failing', async () => {
    const t = setup();
    await t.actions.start('XXX');
    const s = t.store.getState();
    expect(s.load.state).toBe('ready');
    expect(s.selected).toBeNull();
    expect(s.machines.state).toBe('idle');
    expect(t.state.calls.machines).toEqual([]);
  });

  it('shows the error of a first load that fails, with its code', async () => {
    const t = setup();
    t.state.failRegions = new ApiError('unauthorized', 'a token is needed');
    await t.actions.start(null);
    expect(t.store.getState().load).toEqual({
      state: 'error',
      error: { code: 'unauthorized', message: 'a token is needed' },
    });
  });

  it('recovers from a failed first load when the stream opens', async () => {
    const t = setup();
    t.state.failRegions = new ApiError('unavailable', 'down');
    await t.actions.start(null);
    expect(t.store.getState().load.state).toBe('error');
    t.state.failRegions = null;
    t.actions.setConnection('open');
    await flushPromises();
    expect(t.store.getState().load.state).toBe('ready');
    expect(t.store.getState().regionCodes).toHaveLength(3);
  });
});

describe('dashboard store: live events', () => {
  it('patches the machine and its region on the next frame, without refetching', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const calls = { regions: t.state.calls.regions, machines: t.state.calls.machines.length };
    const m = machine('sin-1', 'SIN', { cores_allocated: 4, memory_allocated_gb: 8, vm_count: 1, status: 'allocated' });
    const r = region('SIN', { cores_allocated: 4, memory_allocated_gb: 8 });
    t.actions.receive(ev(m, r));

    // Not applied before the frame.
    expect(t.store.getState().machines.byId['sin-1'].cores_allocated).toBe(0);
    expect(t.frames.pending).toBe(1);
    t.frames.frame();

    const s = t.store.getState();
    expect(s.machines.byId['sin-1']).toEqual(m);
    expect(s.regions.SIN.cores_allocated).toBe(4);
    expect(s.machines.changes['sin-1']).toBe(1);
    expect(s.machines.changes['sin-2']).toBeUndefined();
    expect(s.machines.changedAt['sin-1']).toBe(1_000_000);
    expect(t.state.calls.regions).toBe(calls.regions);
    expect(t.state.calls.machines.length).toBe(calls.machines);
  });

  it('applies a burst of events in one state update per frame', async () => {
    const t = setup();
    await t.actions.start('SIN');
    let updates = 0;
    t.store.subscribe(() => updates++);
    for (let i = 1; i <= 500; i++) {
      const which = i % 2 ? 'sin-1' : 'sin-2';
      t.actions.receive(ev(machine(which, 'SIN', { cores_allocated: i % 32 }), region('SIN', { cores_allocated: i })));
    }
    expect(t.frames.pending).toBe(1);
    t.frames.frame();
    expect(updates).toBe(1);
    const s = t.store.getState();
    // The newest event per machine wins.
    expect(s.machines.byId['sin-1'].cores_allocated).toBe(499 % 32);
    expect(s.machines.byId['sin-2'].cores_allocated).toBe(500 % 32);
    expect(s.regions.SIN.cores_allocated).toBe(500);
    expect(s.eventsApplied).toBe(2); // conflated to one per machine
  });

  it('updates only region totals for a region that is not selected', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const before = t.store.getState().machines;
    t.actions.receive(ev(machine('ams-1', 'AMS', { cores_allocated: 2 }), region('AMS', { cores_allocated: 2 })));
    t.frames.frame();
    const s = t.store.getState();
    expect(s.regions.AMS.cores_allocated).toBe(2);
    expect(s.machines).toBe(before);
    expect(s.machines.byId['ams-1']).toBeUndefined();
  });

  it('keeps unchanged machine objects identical, so their cards do not re-render', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const before = t.store.getState().machines;
    const sin1 = before.byId['sin-1'];
    const sin2 = before.byId['sin-2'];
    t.actions.receive(ev(machine('sin-1', 'SIN', { cores_allocated: 1 }), region('SIN')));
    t.frames.frame();
    const after = t.store.getState().machines;
    expect(after.byId['sin-2']).toBe(sin2);
    // The changed one is a new record, and the view says it moved (what lists the machines
    // keys on the version: the records are updated in place, not copied per batch).
    expect(after.byId['sin-1']).not.toBe(sin1);
    expect(after).not.toBe(before);
    expect(after.version).toBe(before.version + 1);
  });

  it('adds a machine it has not seen to the selected region, in id order', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.actions.receive(ev(machine('sin-0', 'SIN'), region('SIN', { machine_count: 3 })));
    t.frames.frame();
    expect(t.store.getState().machines.ids).toEqual(['sin-0', 'sin-1', 'sin-2']);
  });

  it('ignores events for regions it does not know yet', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.actions.receive(ev(machine('new-1', 'NEW'), region('NEW')));
    t.frames.frame();
    expect(t.store.getState().regions.NEW).toBeUndefined();
  });

  it('fleet totals add up the regions', () => {
    const t = fleetTotals({
      A: region('A', { cores_allocated: 3, memory_allocated_gb: 10, machine_count: 2, vm_count: 2 }),
      B: region('B', { cores_allocated: 5, memory_allocated_gb: 20, machine_count: 4, vm_count: 3 }),
    });
    expect(t).toEqual({
      regions: 2,
      machines: 6,
      vms: 5,
      cores_total: 128,
      cores_allocated: 8,
      memory_total_gb: 1024,
      memory_allocated_gb: 30,
    });
  });
});

describe('dashboard store: selection', () => {
  it('ignores a slow answer for a region that is no longer selected', async () => {
    const t = setup();
    await t.actions.start(null);
    const slow = deferred<Machine[]>();
    t.state.hold = slow;
    const first = t.actions.select('SIN');
    await t.actions.select('AMS');
    slow.resolve([machine('sin-1', 'SIN')]);
    await first;
    const s = t.store.getState();
    expect(s.selected).toBe('AMS');
    expect(s.machines.region).toBe('AMS');
    expect(s.machines.ids).toEqual(['ams-1', 'ams-2']);
  });

  it('never lets an event older than a fresh snapshot land on top of it', async () => {
    const t = setup();
    await t.actions.start('SIN');
    // An AMS event waits for the next frame while the server has already moved on.
    t.actions.receive(ev(machine('ams-1', 'AMS', { cores_allocated: 2 }), region('AMS', { cores_allocated: 2 })));
    t.state.machines.AMS = [machine('ams-1', 'AMS', { cores_allocated: 6 }), machine('ams-2', 'AMS')];
    await t.actions.select('AMS');
    t.frames.frame();
    expect(t.store.getState().machines.byId['ams-1'].cores_allocated).toBe(6);
  });

  it('counts a change that lands while the machines load, so its card flashes when shown', async () => {
    const t = setup();
    await t.actions.start(null);
    const slow = deferred<Machine[]>();
    t.state.hold = slow;
    const p = t.actions.select('SIN');
    const moved = machine('sin-1', 'SIN', { cores_allocated: 4, vm_count: 1 });
    t.actions.receive(ev(moved, region('SIN', { cores_allocated: 4 })));
    t.frames.frame(); // applied while the view is still loading
    expect(t.store.getState().machines.state).toBe('loading');
    slow.resolve([machine('sin-1', 'SIN'), machine('sin-2', 'SIN')]); // taken before the change
    await p;
    const view = t.store.getState().machines;
    expect(view.byId['sin-1']).toEqual(moved);
    expect(view.changes['sin-1']).toBe(1);
    expect(view.changes['sin-2']).toBeUndefined();
    // When it came, so the card shown now knows the change is recent (MachineCard's mark).
    expect(view.changedAt['sin-1']).toBe(1_000_000);
    expect(view.changedAt['sin-2']).toBeUndefined();
    // A change for another region while loading counts nowhere.
    t.actions.receive(ev(machine('ams-1', 'AMS', { cores_allocated: 2 }), region('AMS', { cores_allocated: 2 })));
    t.frames.frame();
    expect(t.store.getState().machines.changes['ams-1']).toBeUndefined();
  });

  it('shows a big region’s first page while the rest loads, patched by events, then the whole region', async () => {
    const { api } = fakeApi();
    const whole = deferred<Machine[]>();
    const asked: (number | undefined)[] = [];
    const frames = manualFrames();
    const regions = [region('SIN', { machine_count: 3 })];
    const d = createDashboard({
      api: {
        ...api,
        regions: async () => regions,
        machines: async (_code, options) => {
          asked.push(options?.limit);
          const all = [machine('sin-1', 'SIN'), machine('sin-2', 'SIN'), machine('sin-3', 'SIN')];
          return options?.limit ? all.slice(0, options.limit) : whole.promise;
        },
      },
      schedule: frames.schedule,
      now: () => 0,
      firstPage: 2,
      firstPageFrom: 3,
    });
    await d.actions.start(null);
    const p = d.actions.select('SIN');
    // The first page alone first; the whole region once the first page is in the store.
    expect(asked).toEqual([2]);
    await flushPromises();
    expect(asked).toEqual([2, undefined]);
    let view = d.store.getState().machines;
    expect(view.state).toBe('loading');
    expect(view.preview?.map((m) => m.id)).toEqual(['sin-1', 'sin-2']);
    const moved = machine('sin-2', 'SIN', { cores_allocated: 8, vm_count: 1 });
    d.actions.receive(ev(moved, region('SIN', { machine_count: 3, cores_allocated: 8 })));
    frames.frame();
    view = d.store.getState().machines;
    expect(view.preview?.[1]).toEqual(moved);
    expect(view.changes['sin-2']).toBe(1);
    // The whole region was read before the change: the change wins, and is counted once.
    whole.resolve([machine('sin-1', 'SIN'), machine('sin-2', 'SIN'), machine('sin-3', 'SIN')]);
    await p;
    view = d.store.getState().machines;
    expect(view.state).toBe('ready');
    expect(view.ids).toEqual(['sin-1', 'sin-2', 'sin-3']);
    expect(view.byId['sin-2']).toEqual(moved);
    expect(view.changes['sin-2']).toBe(1);
    // A resync of the shown region asks for the whole region only.
    await d.actions.resync();
    expect(asked).toEqual([2, undefined, undefined]);
  });

  it('sorts the ids only when the host did not send them in order', async () => {
    const t = setup();
    t.state.machines.SIN = [machine('sin-2', 'SIN'), machine('sin-1', 'SIN'), machine('sin-10', 'SIN')];
    await t.actions.start('SIN');
    expect(t.store.getState().machines.ids).toEqual(['sin-1', 'sin-10', 'sin-2']);
  });

  it('shows loading, then the machines; an unknown region is not selected', async () => {
    const t = setup();
    await t.actions.start(null);
    const p = t.actions.select('ORD');
    expect(t.store.getState().machines.state).toBe('loading');
    await p;
    expect(t.store.getState().machines.state).toBe('ready');
    await t.actions.select('NOPE');
    expect(t.store.getState().selected).toBe('ORD');
  });

  it('reports a failed machines load as an error of that region', async () => {
    const t = setup();
    await t.actions.start(null);
    t.state.machines.SIN = undefined as unknown as Machine[];
    await t.actions.select('SIN');
    const m = t.store.getState().machines;
    expect(m.state).toBe('error');
    expect(m.error?.code).toBe('unknown_region');
  });
});

describe('dashboard store: drops and resync', () => {
  it('says when the stream drops, counts the drop and resyncs from a snapshot on reopen', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.actions.setConnection('open');
    await flushPromises();
    const callsBefore = t.state.calls.regions;

    t.actions.setConnection('connecting', 'the connection dropped; retrying in 1 s');
    let s = t.store.getState();
    expect(s.connection.state).toBe('connecting');
    expect(s.connection.detail).toContain('retrying');
    expect(s.connection.drops).toBe(1);

    // While away, the fleet changed.
    t.state.regions = [region('SIN', { cores_allocated: 16 }), region('AMS'), region('ORD')];
    t.state.machines.SIN = [machine('sin-1', 'SIN', { cores_allocated: 16, vm_count: 2 }), machine('sin-2', 'SIN')];

    t.actions.setConnection('open');
    await flushPromises();
    s = t.store.getState();
    expect(t.state.calls.regions).toBe(callsBefore + 1);
    expect(s.connection.state).toBe('open');
    expect(s.regions.SIN.cores_allocated).toBe(16);
    expect(s.machines.byId['sin-1'].cores_allocated).toBe(16);
    expect(s.machines.byId['sin-1'].vm_count).toBe(2);
  });

  it('keeps the last known state when a resync fails', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.state.failRegions = new ApiError('unavailable', 'nothing answers');
    await t.actions.resync();
    const s = t.store.getState();
    expect(s.load.state).toBe('ready');
    expect(s.machines.ids).toEqual(['sin-1', 'sin-2']);
  });

  it('does not lose events that arrive while the snapshot is in flight', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const slow = deferred<Machine[]>();
    t.state.hold = slow;
    const resync = t.actions.resync();
    await flushPromises(); // regions answered; machines pending

    // An event newer than the snapshot the server is about to send.
    const fresh = machine('sin-1', 'SIN', { cores_allocated: 8, vm_count: 1, updated_at: '2025-01-01T00:00:09.000Z' });
    t.actions.receive(ev(fresh, region('SIN', { cores_allocated: 8 })));
    slow.resolve([machine('sin-1', 'SIN'), machine('sin-2', 'SIN')]); // older view of sin-1
    await resync;

    expect(t.store.getState().machines.byId['sin-1']).toEqual(fresh);
    t.frames.frame();
    expect(t.store.getState().machines.byId['sin-1']).toEqual(fresh);
  });

  it('resyncs after a gap in event numbers, at most once per interval', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.actions.setConnection('open');
    await flushPromises();
    const before = t.state.calls.regions;
    t.advance(5000);
    const r = region('SIN');
    t.actions.receive({ type: 'machine', seq: 10, at: '', machine: machine('sin-1', 'SIN'), region: r });
    t.actions.receive({ type: 'machine', seq: 11, at: '', machine: machine('sin-1', 'SIN'), region: r });
    expect(t.state.calls.regions).toBe(before); // in order: no resync
    t.actions.receive({ type: 'machine', seq: 15, at: '', machine: machine('sin-1', 'SIN'), region: r });
    await flushPromises();
    expect(t.state.calls.regions).toBe(before + 1);

    // Another gap right after: delayed to the interval, not fired at once.
    t.actions.receive({ type: 'machine', seq: 30, at: '', machine: machine('sin-1', 'SIN'), region: r });
    await flushPromises();
    expect(t.state.calls.regions).toBe(before + 1);
    expect(t.timers.count).toBe(1);
    t.timers.runAll();
    await flushPromises();
    expect(t.state.calls.regions).toBe(before + 2);
  });

  it('resyncs when the store was reset', async () => {
    const t = setup();
    await t.actions.start('SIN');
    t.actions.receive(ev(machine('sin-1', 'SIN', { cores_allocated: 4 }), region('SIN', { cores_allocated: 4 })));
    t.frames.frame();
    expect(t.store.getState().machines.byId['sin-1'].cores_allocated).toBe(4);
    const before = t.state.calls.regions;
    seq++;
    t.actions.receive({ type: 'reset', seq, at: '' });
    await flushPromises();
    expect(t.state.calls.regions).toBe(before + 1);
    expect(t.store.getState().machines.byId['sin-1'].cores_allocated).toBe(0);
  });

  it('runs overlapping resync requests as one more run, not one each', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const before = t.state.calls.regions;
    const a = t.actions.resync();
    const b = t.actions.resync();
    const c = t.actions.resync();
    await Promise.all([a, b, c]);
    expect(t.state.calls.regions).toBe(before + 2);
  });

  it('does not ask again for a region picked while the resync ran: that answer is newer', async () => {
    const t = setup();
    await t.actions.start();
    // The stream opens (a resync starts) and the region is picked before its regions answer.
    const resync = t.actions.resync();
    const select = t.actions.select('AMS');
    await Promise.all([resync, select]);
    expect(t.state.calls.machines).toEqual(['AMS']);
    expect(t.store.getState().machines.ids).toEqual(['ams-1', 'ams-2']);
    // Picked before the resync began, it is asked again: events may be missing from it.
    await t.actions.resync();
    expect(t.state.calls.machines).toEqual(['AMS', 'AMS']);
  });

  it('keeps the host status and notes when it cannot be read', async () => {
    const t = setup();
    const st = await t.actions.refreshStatus();
    expect(st?.fleet.vms).toBe(3);
    expect(t.store.getState().status?.fleet.vms).toBe(3);
  });
});

describe('dashboard store: a refused key', () => {
  it('stops asking once the key is refused: no resync, status, selection or delayed resync', async () => {
    const t = setup();
    await t.actions.start('SIN');
    const regions = t.state.calls.regions;
    const machines = t.state.calls.machines.length;
    const status = t.state.calls.status;
    t.actions.refuseAuth('the API token is not valid');
    expect(t.store.getState().authRefused).toBe('the API token is not valid');

    await t.actions.resync();
    expect(await t.actions.refreshStatus()).toBeNull();
    await t.actions.select('AMS');
    seq += 5; // a gap in the numbering would schedule a resync
    t.actions.receive({ type: 'reset', seq, at: '' });
    t.timers.runAll();
    await flushPromises();

    expect(t.state.calls.regions).toBe(regions);
    expect(t.state.calls.machines).toHaveLength(machines);
    expect(t.state.calls.status).toBe(status);
    // The first reason stays: later refusals are echoes of it.
    t.actions.refuseAuth('another reason');
    expect(t.store.getState().authRefused).toBe('the API token is not valid');
  });
});
