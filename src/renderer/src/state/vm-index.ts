// The VMs the dashboard knows of, indexed by machine, kept current by the `vm` events of the
// stream. A region can hold thousands of VMs: a batch of events replaces the records of the
// machines it touched and nothing else, so a card (which selects its own machine's record)
// re-renders only when one of its own VMs changed.
//
// A snapshot (GET /v1/vms?region=R) is taken whenever the dashboard takes its machines'; events
// that arrive while it is in flight are newer than it and win, as in dashboard.ts.
//
// No DOM here: the API and the frame scheduler are injected, so it runs in unit tests as it
// runs in the page.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FlylightApi } from '../../../shared/api';
import type { StoreEvent, Vm } from '../../../shared/types';
import { createEventBatcher, type Schedule } from './batcher';

/** One machine's VMs, by id. Replaced (never mutated) when one of them changes. */
export type MachineVms = Readonly<Record<string, Vm>>;

export interface VmIndexState {
  byMachine: Readonly<Record<string, MachineVms>>;
  /** How many VMs the index holds (every region seen, not only the selected one). */
  size: number;
}

export interface VmIndex {
  store: StoreApi<VmIndexState>;
  /** One event from the stream (buffered; applied on the next frame with the others). */
  receive(e: StoreEvent): void;
  /** Takes a snapshot of a region's VMs; failures keep what is there (the stream still patches it). */
  load(region: string): Promise<void>;
  /** Applies buffered events now. */
  flush(): void;
  /** Every VM id known, for completion. */
  ids(): string[];
  vm(id: string): Vm | undefined;
  dispose(): void;
}

export interface VmIndexDeps {
  api: Pick<FlylightApi, 'vms'>;
  schedule: Schedule;
}

const EMPTY: MachineVms = Object.freeze({});

export function createVmIndex(deps: VmIndexDeps): VmIndex {
  const store = createStore<VmIndexState>(() => ({ byMachine: {}, size: 0 }));
  // vm id → its machine, so a VM is found without scanning every machine.
  const where = new Map<string, string>();
  // vm id → arrival number of its newest event: a snapshot asked for before it loses to it.
  const seen = new Map<string, number>();
  let arrivals = 0;
  let disposed = false;

  /** Applies VM records (or removals: `null`) to copies of the machines they touch. */
  const patch = (changes: Iterable<[string, Vm | null]>): void => {
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
    for (const [id, vm] of changes) {
      const was = where.get(id);
      if (was !== undefined && (vm === null || vm.machine_id !== was)) {
        delete copyOf(was)[id];
        where.delete(id);
      }
      if (vm) {
        copyOf(vm.machine_id)[id] = vm;
        where.set(id, vm.machine_id);
      }
    }
    if (touched.size === 0) return;
    const byMachine = { ...s.byMachine };
    for (const [machine, vms] of touched) {
      if (Object.keys(vms).length === 0) delete byMachine[machine];
      else byMachine[machine] = vms;
    }
    store.setState({ byMachine, size: where.size });
  };

  const applyBatch = (batch: StoreEvent[]): void => {
    if (disposed) return;
    const changes: [string, Vm | null][] = [];
    for (const e of batch) {
      if (e.type === 'reset') {
        // Every VM is gone; the changes before it in this batch described the old fleet.
        where.clear();
        changes.length = 0;
        store.setState({ byMachine: {}, size: 0 });
        continue;
      }
      if (e.type !== 'vm') continue;
      changes.push([e.vm.id, e.to === 'destroyed' ? null : { ...e.vm, state: e.to, reason: e.reason ?? e.vm.reason }]);
    }
    patch(changes);
  };

  const batcher = createEventBatcher(applyBatch, deps.schedule);

  return {
    store,
    receive(e) {
      if (disposed) return;
      arrivals++;
      if (e.type === 'vm') seen.set(e.vm.id, arrivals);
      if (e.type === 'reset') seen.clear();
      if (e.type === 'vm' || e.type === 'reset') batcher.push(e);
    },
    async load(region) {
      // Buffered events are older than the snapshot about to be taken: apply them first.
      batcher.flushNow();
      const from = arrivals;
      let list: Vm[];
      try {
        list = await deps.api.vms(region);
      } catch {
        return;
      }
      if (disposed) return;
      batcher.flushNow();
      const newer = (id: string) => (seen.get(id) ?? 0) > from;
      const changes: [string, Vm | null][] = [];
      const inSnapshot = new Set<string>();
      for (const vm of list) {
        inSnapshot.add(vm.id);
        if (!newer(vm.id)) changes.push([vm.id, vm]);
      }
      // VMs of this region the snapshot no longer has were destroyed while we were not looking.
      const s = store.getState();
      for (const [id, machine] of where) {
        const vm = s.byMachine[machine]?.[id];
        if (vm && vm.region === region && !inSnapshot.has(id) && !newer(id)) changes.push([id, null]);
      }
      patch(changes);
    },
    flush: () => batcher.flushNow(),
    ids: () => [...where.keys()],
    vm(id) {
      const machine = where.get(id);
      return machine === undefined ? undefined : store.getState().byMachine[machine]?.[id];
    },
    dispose() {
      disposed = true;
      batcher.dispose();
    },
  };
}
