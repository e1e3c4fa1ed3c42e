// The free capacity of one region's machines, bucketed by free cores and then by free memory.
// Placement asks it three things without scanning the region: does anything fit (one look per
// free-core count), a machine that fits chosen uniformly at random, and the largest free slots
// a `no_capacity` reports. The orchestrator keeps one per region in step with its MachineDs
// (exact: MachineD still decides every reservation), the store one in step with its records
// (for candidates).

import type { Slot } from './placement';
import type { Rng } from './random';

/** Machines with the same free cores, by free memory; `max` is the largest free memory held. */
interface Bucket<E> {
  byMemory: Map<number, E[]>;
  max: number;
}

/** Draws of the whole region before counting the cells that fit (see pick). */
const SAMPLES = 8;

/**
 * Where each machine sits, by its slot (a small whole number the owner gives each machine):
 * plain arrays of small integers, so a move allocates nothing and the garbage collector has
 * no per-machine objects to trace. -1 free cores: not in the index.
 */
export class FreeIndex<E> {
  /** By free cores; holes are free-core counts no machine has. */
  private readonly buckets: (Bucket<E> | undefined)[] = [];
  private readonly all: E[] = [];
  private readonly cores: number[] = [];
  private readonly memory: number[] = [];
  private readonly inCell: number[] = [];
  private readonly inAll: number[] = [];
  private readonly slotOf: (entry: E) => number;

  /**
   * `idOf` names a machine in the slots a refusal reports. `slotOf` gives each machine a
   * distinct small whole number (its position in the owner's list of the region); without it
   * the index numbers machines itself, in a Map.
   */
  constructor(
    private readonly idOf: (entry: E) => string,
    slotOf?: (entry: E) => number,
  ) {
    if (slotOf) {
      this.slotOf = slotOf;
    } else {
      const slots = new Map<E, number>();
      this.slotOf = (e) => {
        let n = slots.get(e);
        if (n === undefined) {
          n = slots.size;
          slots.set(e, n);
        }
        return n;
      };
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** Moves a machine to its new free cores and memory; `null` takes it out (it takes nothing new). */
  set(entry: E, free: { cores: number; memory: number } | null): void {
    if (free) this.move(entry, Math.max(0, free.cores), free.memory);
    else this.move(entry, -1, 0);
  }

  /** set() without an object: cores < 0 takes the machine out (callers clamp what they keep in). */
  move(entry: E, cores: number, memory: number): void {
    const slot = this.slotOf(entry);
    const was = slot < this.cores.length ? this.cores[slot] : -1;
    const c = cores < 0 ? -1 : cores;
    const m = c < 0 ? 0 : Math.max(0, memory);
    if (was === c && (c < 0 || this.memory[slot] === m)) return;
    if (slot >= this.cores.length) this.grow(slot);
    if (was >= 0) this.remove(entry, slot);
    if (c >= 0) this.add(entry, slot, c, m);
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
      const slot = this.slotOf(e);
      if (this.cores[slot] >= cores && this.memory[slot] >= memory) return e;
      // A miss on the first draw: a request nothing fits is answered now, without more draws.
      if (i === 0 && !this.fits(memory, cores)) return undefined;
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

  /**
   * binpack's and spread's machine, without a scan: of the machines with room for memory and
   * cores, one with the least free room (`least`) or the most — fewest (most) free cores, then
   * least (most) free memory — drawn uniformly among those tied on both. Costs a look per
   * free-core count and, in the one bucket, per distinct free-memory value.
   */
  ranked(memory: number, cores: number, least: boolean, rng: Rng): E | undefined {
    const from = Math.max(0, cores);
    const n = this.buckets.length;
    for (let i = 0; i < n - from; i++) {
      const c = least ? from + i : n - 1 - i;
      const b = this.buckets[c];
      if (!b || b.max < memory) continue;
      let at = b.max;
      if (least) for (const m of b.byMemory.keys()) if (m >= memory && m < at) at = m;
      const list = b.byMemory.get(at) as E[];
      return list.length === 1 ? list[0] : list[Math.floor(rng() * list.length)];
    }
    return undefined;
  }

  /** Every machine with room for memory and cores, cell by cell. */
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

  private grow(slot: number): void {
    for (let i = this.cores.length; i <= slot; i++) {
      this.cores.push(-1);
      this.memory.push(0);
      this.inCell.push(0);
      this.inAll.push(0);
    }
  }

  private add(entry: E, slot: number, cores: number, memory: number): void {
    let b = this.buckets[cores];
    if (!b) {
      for (let c = this.buckets.length; c < cores; c++) this.buckets.push(undefined);
      b = { byMemory: new Map(), max: -1 };
      this.buckets[cores] = b;
    }
    let list = b.byMemory.get(memory);
    if (!list) {
      list = [];
      b.byMemory.set(memory, list);
    }
    if (memory > b.max) b.max = memory;
    this.cores[slot] = cores;
    this.memory[slot] = memory;
    this.inCell[slot] = list.length;
    this.inAll[slot] = this.all.length;
    list.push(entry);
    this.all.push(entry);
  }

  private remove(entry: E, slot: number): void {
    const cores = this.cores[slot];
    const memory = this.memory[slot];
    const b = this.buckets[cores] as Bucket<E>;
    const list = b.byMemory.get(memory) as E[];
    const lastInCell = list.pop() as E;
    if (lastInCell !== entry) {
      list[this.inCell[slot]] = lastInCell;
      this.inCell[this.slotOf(lastInCell)] = this.inCell[slot];
    }
    if (list.length === 0) {
      b.byMemory.delete(memory);
      // Only a bucket's own keys are looked at: distinct free-memory values, not machines.
      if (memory === b.max) b.max = b.byMemory.size === 0 ? -1 : Math.max(...b.byMemory.keys());
    }
    const lastInAll = this.all.pop() as E;
    if (lastInAll !== entry) {
      this.all[this.inAll[slot]] = lastInAll;
      this.inAll[this.slotOf(lastInAll)] = this.inAll[slot];
    }
    this.cores[slot] = -1;
    this.memory[slot] = 0;
  }
}
