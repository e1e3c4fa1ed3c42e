// What the VM list and the drawers need of the live event stream that the region view does
// not keep: every VM transition (a drawer's state and timeline move with it; the list refreshes
// its rows), and the changes of the machines whose drawer is open (its allocation chart and
// status history, after the host's record of the last ten minutes). Only those: a page left
// open under a stream keeps no machine's points unless a drawer shows it, and at most
// MACHINE_POINTS of those. No DOM: the clock is injected and the unit tests feed it events.

import type { Machine, StoreEvent, Vm } from '../../../shared/types';

export const MACHINE_POINTS = 600;

export interface MachinePoint {
  t: number;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  status: string;
}

export type VmChange = { vm: Vm; from: string | null; to: string; at: string; reason?: string };

export interface VmFeed {
  receive(e: StoreEvent): void;
  /** Calls `cb` for every VM transition; returns the unsubscriber. */
  onVm(cb: (c: VmChange) => void): () => void;
  /** Calls `cb` for every change of any machine, and once for a reset. */
  onMachine(cb: (m: Machine | null) => void): () => void;
  /** Keeps the machine's changes from now on (a drawer opened), until the returned release. */
  watch(id: string): () => void;
  /** The watched machine's points since it was watched (oldest first). */
  series(id: string): MachinePoint[];
  /** Records the machine as it is now (a drawer opening), so its chart starts with a point. */
  observe(m: Machine): void;
}

export function createVmFeed(now: () => number): VmFeed {
  const vmSubs = new Set<(c: VmChange) => void>();
  const machineSubs = new Set<(m: Machine | null) => void>();
  const points = new Map<string, MachinePoint[]>();
  const watchers = new Map<string, number>();

  const add = (m: Machine, t: number) => {
    const list = points.get(m.id);
    if (!list) return;
    const p: MachinePoint = {
      t,
      cores_allocated: m.cores_allocated,
      memory_allocated_gb: m.memory_allocated_gb,
      vm_count: m.vm_count,
      status: m.status,
    };
    const last = list[list.length - 1];
    if (last && last.t === t) list[list.length - 1] = p;
    else list.push(p);
    if (list.length > MACHINE_POINTS) list.splice(0, list.length - MACHINE_POINTS);
  };

  return {
    receive(e) {
      if (e.type === 'vm') {
        const change: VmChange = { vm: e.vm, from: e.from, to: e.to, at: e.at };
        if (e.reason) change.reason = e.reason;
        for (const cb of vmSubs) cb(change);
      } else if (e.type === 'machine') {
        const t = Date.parse(e.at);
        add(e.machine, Number.isFinite(t) ? t : now());
        for (const cb of machineSubs) cb(e.machine);
      } else if (e.type === 'reset') {
        for (const list of points.values()) list.length = 0;
        for (const cb of machineSubs) cb(null);
      }
    },
    onVm(cb) {
      vmSubs.add(cb);
      return () => vmSubs.delete(cb);
    },
    onMachine(cb) {
      machineSubs.add(cb);
      return () => machineSubs.delete(cb);
    },
    watch(id) {
      watchers.set(id, (watchers.get(id) ?? 0) + 1);
      if (!points.has(id)) points.set(id, []);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const left = (watchers.get(id) ?? 1) - 1;
        if (left > 0) watchers.set(id, left);
        else {
          watchers.delete(id);
          points.delete(id);
        }
      };
    },
    series: (id) => [...(points.get(id) ?? [])],
    observe(m) {
      const list = points.get(m.id);
      if (!list || list.length === 0) add(m, now());
    },
  };
}
