// One region and its machines (ordered by id), with running totals kept on every change, and
// the candidate search over that region alone.

import {
  addFragmentation,
  type Fragmentation,
  fragmentation,
  hasRoomFor,
  NO_FRAGMENTATION,
  takesNewVms,
} from '../../shared/placement';
import type { Rng } from '../../shared/random';
import type { Region } from '../../shared/types';
import type { RegionSpec } from './fleet-data';
import type { MachineRecord } from './machine-record';

export class RegionIndex {
  readonly machines: MachineRecord[] = [];
  cores_total = 0;
  memory_total_gb = 0;
  cores_allocated = 0;
  memory_allocated_gb = 0;
  vm_count = 0;
  /** Free and stranded capacity of the region, kept in step machine by machine (see share()). */
  private capacity: Fragmentation = { ...NO_FRAGMENTATION };
  /** Each machine's part of `capacity` as last counted, so a change swaps exactly that part. */
  private readonly shares = new Map<MachineRecord, Fragmentation>();
  /** The CSV's status until an operator sets another (`flylight region status`). */
  status: string;

  constructor(readonly spec: RegionSpec) {
    this.status = spec.status;
  }

  /**
   * Counts a machine's current free capacity into the region's, in place of what was counted
   * for it before: O(1) per change, where summing the region again would cost its size on every
   * FlyD update. Call after any change of a machine's allocation or status.
   */
  share(m: MachineRecord): void {
    const old = this.shares.get(m) ?? NO_FRAGMENTATION;
    const now = fragmentation([
      {
        id: m.id,
        status: m.status,
        schedulable: takesNewVms(m.status),
        cores_total: m.cores_total,
        memory_total_gb: m.memory_total_gb,
        cores_free: m.cores_total - m.cores_allocated,
        memory_free_gb: m.memory_total_gb - m.memory_allocated_gb,
      },
    ]);
    this.shares.set(m, now);
    const c = this.capacity;
    this.capacity = {
      reference_vms_free: c.reference_vms_free - old.reference_vms_free + now.reference_vms_free,
      free_cores: c.free_cores - old.free_cores + now.free_cores,
      free_memory_gb: c.free_memory_gb - old.free_memory_gb + now.free_memory_gb,
      stranded_cores: c.stranded_cores - old.stranded_cores + now.stranded_cores,
      stranded_memory_gb: c.stranded_memory_gb - old.stranded_memory_gb + now.stranded_memory_gb,
    };
  }

  /** The region's free capacity in reference VMs and what is stranded (a copy). */
  fragmentation(): Fragmentation {
    return addFragmentation(this.capacity, NO_FRAGMENTATION);
  }

  /** The region's machines in the order the last walk left them (a permutation of `machines`). */
  private order: MachineRecord[] | null = null;

  /**
   * Up to n machines that can take memory_gb AND cores now, in random order: a Fisher–Yates walk
   * over this region only that stops at the nth fit, so a roomy region of 100k machines costs a
   * handful of steps instead of a full scan. Each step draws uniformly from the machines not yet
   * visited, so the result is a uniform random sample whatever order the last walk left.
   */
  fitting(memory_gb: number, cores: number, n: number, rng: Rng): MachineRecord[] {
    if (!this.order) this.order = [...this.machines];
    const order = this.order;
    const out: MachineRecord[] = [];
    for (let i = 0; i < order.length && out.length < n; i++) {
      const j = i + Math.floor(rng() * (order.length - i));
      const m = order[j];
      order[j] = order[i];
      order[i] = m;
      if (takesNewVms(m.status) && hasRoomFor(m, memory_gb, cores)) out.push(m);
    }
    return out;
  }

  view(): Region {
    return {
      code: this.spec.code,
      location: this.spec.location,
      status: this.status,
      machine_count: this.machines.length,
      cores_total: this.cores_total,
      cores_allocated: this.cores_allocated,
      memory_total_gb: this.memory_total_gb,
      memory_allocated_gb: this.memory_allocated_gb,
      vm_count: this.vm_count,
      capacity: this.fragmentation(),
    };
  }
}
