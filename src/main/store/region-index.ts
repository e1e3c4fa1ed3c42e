// One region and its machines (ordered by id), with running totals kept on every change, and
// the candidate search over that region alone.

import { FreeIndex } from '../../shared/free-index';
import {
  addFragmentation,
  type Fragmentation,
  hasRoomFor,
  NO_FRAGMENTATION,
  REFERENCE_VM,
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
  private readonly capacity: Fragmentation = { ...NO_FRAGMENTATION };
  /** Free cores × memory of the machines that take VMs: a search nothing can satisfy ends at once. */
  private readonly free = new FreeIndex<MachineRecord>(
    (m) => m.id,
    (m) => m.slot,
  );
  /** The CSV's status until an operator sets another (`flylight region status`). */
  status: string;

  constructor(readonly spec: RegionSpec) {
    this.status = spec.status;
  }

  /**
   * Counts a machine's current free capacity into the region's, in place of what was counted
   * for it before (kept on the record): O(1) per change and no object made, where summing the
   * region again would cost its size on every FlyD update. Call after any change of a
   * machine's allocation or status.
   */
  share(m: MachineRecord): void {
    const on = takesNewVms(m.status);
    const cores = on ? m.cores_total - m.cores_allocated : Number.NaN;
    const memory = on ? m.memory_total_gb - m.memory_allocated_gb : Number.NaN;
    if (!Number.isNaN(m.counted_cores)) this.count(m.counted_cores, m.counted_memory_gb, -1);
    if (on) this.count(cores, memory, 1);
    m.counted_cores = cores;
    m.counted_memory_gb = memory;
    if (on) this.free.move(m, Math.max(0, cores), memory);
    else this.free.move(m, -1, 0);
  }

  /** Adds (sign 1) or takes away (-1) one schedulable machine's part, as fragmentation() counts it. */
  private count(cores: number, memory: number, sign: number): void {
    const c = this.capacity;
    const n = Math.min(Math.floor(cores / REFERENCE_VM.cores), Math.floor(memory / REFERENCE_VM.memory_gb));
    c.reference_vms_free += sign * n;
    c.free_cores += sign * cores;
    c.free_memory_gb += sign * memory;
    c.stranded_cores += sign * (cores - n * REFERENCE_VM.cores);
    c.stranded_memory_gb += sign * (memory - n * REFERENCE_VM.memory_gb);
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
    // Nothing fits: known from the free index, where the walk below would visit every machine.
    if (!this.free.fits(memory_gb, cores)) return [];
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
