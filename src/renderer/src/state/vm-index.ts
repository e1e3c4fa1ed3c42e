// The VMs of the machines whose cards are on screen, indexed by machine and kept current by the
// `vm` events of the stream. It holds only what the page shows: a card asks for its machine
// (watch) and lets go when it leaves the screen; a machine let go is kept a little while
// (KEEP_RELEASED, so scrolling back does not ask again) and then forgotten. Events for VMs on
// machines it does not hold are dropped, and no VM id is remembered beyond that (apart from the
// last RECENT_IDS live ones, for the console's completion): a page left open under a stream of
// launches keeps a flat heap.
//
// A held machine's VMs come from one request (GET /v1/vms?machine=…, at most MAX_LOADS at a
// time); events that arrive while it is in flight are newer than its answer and win, as in
// dashboard.ts. A batch of events replaces the records of the machines it touched and nothing
// else, so a card (which selects its own machine's record) re-renders only when one of its own
// VMs changed.
//
// No DOM here: the API, the frame scheduler and the timer are injected, so it runs in unit
// tests as it runs in the page.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FlylightApi } from '../../../shared/api';
import type { StoreEvent, Vm } from '../../../shared/types';
import { VM_PAGE_MAX } from '../../../shared/vm-query';
import type { Schedule } from './batcher';
import { setTimer as realTimer, type SetTimer } from './timer';

/** One machine's VMs, by id. Replaced (never mutated) when one of them changes. */
export type MachineVms = Readonly<Record<string, Vm>>;

export interface VmIndexState {
  byMachine: Readonly<Record<string, MachineVms>>;
  /** How many VMs the index holds (those of the machines it holds). */
  size: number;
}

export interface VmIndex {
  store: StoreApi<VmIndexState>;
  /** One event from the stream (buffered; applied on the next tick with the others). */
  receive(e: StoreEvent): void;
  /** A card shows this machine: hold its VMs (asked for when not held) until the returned release. */
  watch(machine: string): () => void;
  /** Events may have been missed (the stream reopened): ask again for the machines on screen. */
  refresh(): void;
  /** Applies buffered events and answers now. */
  flush(): void;
  /** VM ids for completion: those held and the last live ones seen. */
  ids(): string[];
  vm(id: string): Vm | undefined;
  /** Machines held (with their VMs or none), for tests and the heap's bound. */
  heldCount(): number;
  dispose(): void;
}

export interface VmIndexDeps {
  api: Pick<FlylightApi, 'vmPage'>;
  schedule: Schedule;
  /** Retry timer for a failed or gap-triggered request; defaults to setTimeout. */
  setTimer?: SetTimer;
}

/** Machines let go of but kept, newest last: a windowed grid unmounts cards as it scrolls. */
export const KEEP_RELEASED = 120;
/** Live VM ids remembered for completion beyond those held. */
export const RECENT_IDS = 500;
/** Requests for machines' VMs in flight at once. */
export const MAX_LOADS = 4;
const RETRY_MS = 2000;

const EMPTY: MachineVms = Object.freeze({});

interface Pending {
  n: number;
  vm: Vm | null;
}

export function createVmIndex(deps: VmIndexDeps): VmIndex {
  const setTimer = deps.setTimer ?? realTimer;
  const store = createStore<VmIndexState>(() => ({ byMachine: {}, size: 0 }));
  // vm id → its machine, for the VMs held, so a VM is found without scanning every machine.
  const where = new Map<string, string>();
  // machine → how many cards watch it.
  const watchers = new Map<string, number>();
  // machine → the arrival number its answer was asked at: events older than that lose to it.
  const held = new Map<string, number>();
  // Held, no longer watched, oldest first.
  const released = new Map<string, true>();
  // machine → arrival number at the request, for requests in flight.
  const loading = new Map<string, number>();
  const queue = new Set<string>();
  // Asked again while in flight (a refresh): ask once more when it lands.
  const again = new Set<string>();
  // Newest VM record per id that arrived while a request was in flight (null: destroyed).
  const newer = new Map<string, Pending>();
  // Events and answers waiting for the tick.
  let events = new Map<string, Pending>();
  let answers: { machine: string; from: number; vms: Vm[] }[] = [];
  let evict: string[] = [];
  const recent = new Map<string, true>();
  let arrivals = 0;
  let generation = 0;
  let lastSeq: number | null = null;
  let cancelTick: (() => void) | null = null;
  let cancelRetry: (() => void) | null = null;
  let cancelGap: (() => void) | null = null;
  let disposed = false;

  /** A VM record (or its removal: `null`) applied to copies of the machines it touches. */
  const patch = (id: string, vm: Vm | null, copyOf: (m: string) => Record<string, Vm>): void => {
    const was = where.get(id);
    if (was !== undefined && (vm === null || vm.machine_id !== was)) {
      delete copyOf(was)[id];
      where.delete(id);
    }
    if (vm && held.has(vm.machine_id)) {
      copyOf(vm.machine_id)[id] = vm;
      where.set(id, vm.machine_id);
    }
  };

  /** A held machine no card watches is kept among the released, and the oldest of those forgotten. */
  const settle = (machine: string): void => {
    if (watchers.has(machine) || !held.has(machine)) return;
    released.delete(machine);
    released.set(machine, true);
    if (released.size > KEEP_RELEASED) {
      const oldest = released.keys().next().value as string;
      released.delete(oldest);
      evict.push(oldest);
      arm();
    }
  };

  const tick = (): void => {
    cancelTick = null;
    if (disposed) return;
    const s = store.getState();
    const touched = new Map<string, Record<string, Vm>>();
    const copyOf = (machine: string): Record<string, Vm> => {
      let m = touched.get(machine);
      if (!m) {
        m = { ...(s.byMachine[machine] ?? EMPTY) };
        touched.set(machine, m);
      }
      return m;
    };
    for (const machine of evict) {
      if (watchers.has(machine) || !held.has(machine) || released.has(machine)) continue;
      held.delete(machine);
      for (const id of Object.keys(s.byMachine[machine] ?? EMPTY)) where.delete(id);
      touched.set(machine, {});
    }
    evict = [];
    for (const a of answers) {
      held.set(a.machine, a.from);
      const vms = copyOf(a.machine);
      for (const id of Object.keys(vms)) {
        delete vms[id];
        where.delete(id);
      }
      for (const vm of a.vms) {
        const late = newer.get(vm.id);
        if (late && late.n > a.from) continue; // a newer record (below) or its removal
        const was = where.get(vm.id);
        if (was !== undefined && was !== a.machine) delete copyOf(was)[vm.id];
        vms[vm.id] = vm;
        where.set(vm.id, a.machine);
      }
      for (const [id, late] of newer) {
        if (late.n > a.from && late.vm?.machine_id === a.machine) patch(id, late.vm, copyOf);
      }
    }
    const settled = answers.map((a) => a.machine);
    answers = [];
    if (settled.length > 0) prune();
    for (const [id, p] of events) {
      const target = p.vm?.machine_id;
      // An event older than its machine's answer is already in it.
      if (target !== undefined && p.n <= (held.get(target) ?? Number.NEGATIVE_INFINITY)) continue;
      patch(id, p.vm, copyOf);
    }
    events = new Map();
    for (const m of settled) settle(m);
    if (touched.size === 0) return;
    const byMachine = { ...s.byMachine };
    // A card that came into view with no VMs changes nothing: no update for its answer.
    let changed = false;
    for (const [machine, vms] of touched) {
      if (Object.keys(vms).length > 0 && held.has(machine)) {
        byMachine[machine] = vms;
        changed = true;
      } else if (machine in byMachine) {
        delete byMachine[machine];
        changed = true;
      }
    }
    if (changed) store.setState({ byMachine, size: where.size });
  };

  const arm = (): void => {
    if (!cancelTick && !disposed) cancelTick = deps.schedule(tick);
  };

  /** Records that arrived while a request was in flight are kept until no answer needs them. */
  const prune = (): void => {
    if (loading.size === 0 && answers.length === 0) {
      newer.clear();
      return;
    }
    const oldest = Math.min(...loading.values(), ...answers.map((a) => a.from));
    for (const [id, p] of newer) if (p.n <= oldest) newer.delete(id);
  };

  const pump = (): void => {
    for (const machine of queue) {
      if (loading.size >= MAX_LOADS) return;
      queue.delete(machine);
      // A card that scrolled past before its turn came does not need its VMs.
      if (!watchers.has(machine)) continue;
      void load(machine);
    }
  };

  const load = async (machine: string): Promise<void> => {
    const from = arrivals;
    const gen = generation;
    loading.set(machine, from);
    let vms: Vm[] | null = null;
    try {
      const page = await deps.api.vmPage({ machine, limit: VM_PAGE_MAX, sort: 'created_at', order: 'asc' });
      vms = page.vms;
    } catch {
      // Not held: the card shows no chips until a retry (or the next refresh) answers.
      if (!disposed && gen === generation) {
        cancelRetry ??= setTimer(() => {
          cancelRetry = null;
          for (const m of watchers.keys()) if (!held.has(m) && !loading.has(m)) queue.add(m);
          pump();
        }, RETRY_MS);
      }
    }
    if (disposed) return;
    if (gen === generation) {
      loading.delete(machine);
      if (vms) {
        answers.push({ machine, from, vms });
        arm();
      }
      if (again.delete(machine)) queue.add(machine);
    }
    prune();
    pump();
  };

  const reset = (): void => {
    // Every VM is gone: the machines held hold none, the answers in flight describe the old fleet.
    generation++;
    events = new Map();
    answers = [];
    newer.clear();
    again.clear();
    recent.clear();
    where.clear();
    for (const m of loading.keys()) held.set(m, arrivals);
    loading.clear();
    for (const m of held.keys()) held.set(m, arrivals);
    for (const m of [...held.keys()]) settle(m);
    store.setState({ byMachine: {}, size: 0 });
    pump();
  };

  const refresh = (): void => {
    if (disposed) return;
    for (const m of released.keys()) evict.push(m);
    released.clear();
    for (const m of watchers.keys()) {
      if (loading.has(m)) again.add(m);
      else queue.add(m);
    }
    arm();
    pump();
  };

  return {
    store,
    receive(e) {
      if (disposed) return;
      arrivals++;
      const gap = lastSeq !== null && e.seq !== lastSeq + 1;
      lastSeq = e.seq;
      if (e.type === 'reset') {
        reset();
        return;
      }
      // Events were missed: ask again for what is on screen, at most every RETRY_MS.
      if (gap && !cancelGap) {
        cancelGap = setTimer(() => {
          cancelGap = null;
          refresh();
        }, RETRY_MS);
      }
      if (e.type !== 'vm') return;
      const vm = e.to === 'destroyed' ? null : { ...e.vm, state: e.to, reason: e.reason ?? e.vm.reason };
      const p: Pending = { n: arrivals, vm };
      if (loading.size > 0 || answers.length > 0) newer.set(e.vm.id, p);
      events.delete(e.vm.id);
      events.set(e.vm.id, p);
      recent.delete(e.vm.id);
      if (vm) {
        recent.set(e.vm.id, true);
        if (recent.size > RECENT_IDS) recent.delete(recent.keys().next().value as string);
      }
      arm();
    },
    watch(machine) {
      watchers.set(machine, (watchers.get(machine) ?? 0) + 1);
      released.delete(machine);
      if (!held.has(machine) && !loading.has(machine)) {
        queue.add(machine);
        pump();
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const left = (watchers.get(machine) ?? 1) - 1;
        if (left > 0) {
          watchers.set(machine, left);
          return;
        }
        watchers.delete(machine);
        queue.delete(machine);
        settle(machine);
      };
    },
    refresh() {
      lastSeq = null;
      refresh();
    },
    flush() {
      cancelTick?.();
      tick();
    },
    ids: () => [...new Set([...where.keys(), ...recent.keys()])],
    vm(id) {
      const machine = where.get(id);
      return machine === undefined ? undefined : store.getState().byMachine[machine]?.[id];
    },
    heldCount: () => held.size,
    dispose() {
      disposed = true;
      cancelTick?.();
      cancelRetry?.();
      cancelGap?.();
    },
  };
}
