// One region and its machines (ordered by id), with running totals kept on every change, and
// the candidate search over that region alone.

import { hasRoomFor, takesNewVms } from '../../shared/placement';
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
  /** The CSV's status until an operator sets another (`flylight region status`). */
  status: string;

  constructor(readonly spec: RegionSpec) {
    this.status = spec.status;
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
    };
  }
}
