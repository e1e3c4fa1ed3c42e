// The free capacity of one region's machines, bucketed by free cores and then by free memory.
// Placement asks it three things without scanning the region: does anything fit (one look per
// free-core count), a machine that fits chosen uniformly at random, and the largest free slots
// a `no_capacity` reports. The orchestrator keeps one per region in step with its MachineDs
// (exact: MachineD still decides every reservation), the store one in step with its records
// (for candidates).

import type { Slot } from './placement';
import type { Rng } from './random';

interface Position {
  cores: number;
  memory: number;
  /** Index in its cell's list and in `all`, for O(1) removal by swapping with the last. */
  inCell: number;
  inAll: number;
}

/** Machines with the same free cores, by free memory; `max` is the largest free memory held. */
interface Bucket<E> {
  byMemory: Map<number, E[]>;
  max: number;
}

/** Draws of the whole region before counting the cells that fit (see pick). */
const SAMPLES = 8;

export class FreeIndex<E> {
  /** By free cores; holes are free-core counts no machine has. */
  private readonly buckets: (Bucket<E> | undefined)[] = [];
  private readonly all: E[] = [];
  private readonly where = new Map<E, Position>();

  /** `idOf` names a machine in the slots a refusal reports. */
  constructor(private readonly idOf: (entry: E) => string) {}

  get size(): number {
    return this.all.length;
  }

  /** Moves a machine to its new free cores and memory; `null` takes it out (it takes nothing new). */
  set(entry: E, free: { cores: number; memory: number } | null): void {
    const at = this.where.get(entry);
    if (at && free && at.cores === free.cores && at.memory === free.memory) return;
    if (at) this.remove(entry, at);
    if (free) this.add(entry, Math.max(0, free.cores), Math.max(0, free.memory));
  }

  /** Whether any machine has `cores` and `memory` free at once: one look per free-core count. */
  fits(memory: number, cores: number): boolean {
    for (let c = cores; c < this.buckets.length; c++) {
      const b = this.buckets[c];
      if (b && b.max >= memory) return true;
    }
    return false;
  }

  /**
   * A machine with room for memory and cores, uniformly at random among all that have it, or
   * undefined. A few draws over the whole region first (each draw that fits is a uniform pick
   * among the fitting machines); if none fits, a count over the cells that fit picks exactly.
   * Both are uniform, so their mixture is too. Costs the number of cells, never the machines.
   */
  pick(memory: number, cores: number, rng: Rng): E | undefined {
    const n = this.all.length;
    if (n === 0) return undefined;
    for (let i = 0; i < SAMPLES; i++) {
      const e = this.all[Math.floor(rng() * n)];
      const at = this.where.get(e) as Position;
      if (at.cores >= cores && at.memory >= memory) return e;
    }
    const cells = this.cells(memory, cores);
    let total = 0;
    for (const list of cells) total += list.length;
    if (total === 0) return undefined;
    let k = Math.floor(rng() * total);
    for (const list of cells) {
      if (k < list.length) return list[k];
      k -= list.length;
    }
    return undefined;
  }

  /** Every machine with room for memory and cores, cell by cell (binpack and spread rank these). */
  fitting(memory: number, cores: number): E[] {
    const out: E[] = [];
    for (const list of this.cells(memory, cores)) for (const e of list) out.push(e);
    return out;
  }

  /**
   * The largest free slots that exist on one machine (the Pareto frontier of free cores ×
   * memory, most cores first), as placement's largestSlots words them; one machine is named
   * per slot, any of those that have it.
   */
  slots(max = 5): Slot[] {
    const out: Slot[] = [];
    let best = -1;
    for (let c = this.buckets.length - 1; c >= 0 && out.length < max; c--) {
      const b = this.buckets[c];
      if (!b || b.max < 0 || b.max <= best || (c === 0 && b.max === 0)) continue;
      const list = b.byMemory.get(b.max) as E[];
      out.push({ machine_id: this.idOf(list[0]), cores: c, memory_gb: b.max });
      best = b.max;
    }
    return out;
  }

  private cells(memory: number, cores: number): E[][] {
    const out: E[][] = [];
    for (let c = Math.max(0, cores); c < this.buckets.length; c++) {
      const b = this.buckets[c];
      if (!b || b.max < memory) continue;
      for (const [m, list] of b.byMemory) if (m >= memory) out.push(list);
    }
    return out;
  }

  private add(entry: E, cores: number, memory: number): void {
    let b = this.buckets[cores];
    if (!b) {
      b = { byMemory: new Map(), max: -1 };
      this.buckets[cores] = b;
    }
    let list = b.byMemory.get(memory);
    if (!list) {
      list = [];
      b.byMemory.set(memory, list);
    }
    if (memory > b.max) b.max = memory;
    this.where.set(entry, { cores, memory, inCell: list.length, inAll: this.all.length });
    list.push(entry);
    this.all.push(entry);
  }

  private remove(entry: E, at: Position): void {
    const b = this.buckets[at.cores] as Bucket<E>;
    const list = b.byMemory.get(at.memory) as E[];
    const lastInCell = list.pop() as E;
    if (lastInCell !== entry) {
      list[at.inCell] = lastInCell;
      (this.where.get(lastInCell) as Position).inCell = at.inCell;
    }
    if (list.length === 0) {
      b.byMemory.delete(at.memory);
      // Only a bucket's own keys are looked at: distinct free-memory values, not machines.
      if (at.memory === b.max) b.max = b.byMemory.size === 0 ? -1 : Math.max(...b.byMemory.keys());
    }
    const lastInAll = this.all.pop() as E;
    if (lastInAll !== entry) {
      this.all[at.inAll] = lastInAll;
      (this.where.get(lastInAll) as Position).inAll = at.inAll;
    }
    this.where.delete(entry);
  }
}
