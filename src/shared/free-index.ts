// The free capacity of one region's machines, bucketed by free cores and then by free memory.
// Placement asks it three things without scanning the region: does anything fit (one look per
// free-core count), a machine that fits chosen uniformly at random, and the largest free slots
// a `no_capacity` reports. The orchestrator keeps one per region in step with its MachineDs
// (exact: MachineD still decides every reservation), the store one in step with its records
// (for candidates).

import type { Slot } from './placement';
import type { Rng } from './random';

/** Machines (by slot) with the same free cores, by free memory; `max` is the largest free memory held. */
interface Bucket {
  byMemory: Map<number, number[]>;
  max: number;
}

/** Draws of the whole region before counting the cells that fit (see pick). */
const SAMPLES = 8;

/** Per slot in `rec`: free cores (-1: not in the index), free memory, place in its cell, place in `all`. */
const STRIDE = 4;
const CORES = 0;
const MEMORY = 1;
const IN_CELL = 2;
const IN_ALL = 3;

/**
 * Where each machine sits, by its slot (a small whole number the owner gives each machine). The
 * index holds slots, not machines: a slot's four numbers sit side by side in one typed array and
 * the cells and the list of all machines are lists of slots, so a draw reads two small arrays and
 * no machine object, and a move swaps numbers without following a pointer to another machine
 * (at 100k machines those pointer chases were cache misses, most of a placement's cost). A move
 * allocates nothing; the garbage collector has nothing per machine to trace.
 */
export class FreeIndex<E> {
  /** By free cores; holes are free-core counts no machine has. */
  private readonly buckets: (Bucket | undefined)[] = [];
  /** The machine of each slot while it is in the index. */
  private readonly entries: (E | undefined)[] = [];
  private rec = new Int32Array(0);
  /** Slots of the machines in the index, in no order; the first `count` are live. */
  private all = new Int32Array(16);
  private count = 0;
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
    return this.count;
  }

  /** Moves a machine to its new free cores and memory; `null` takes it out (it takes nothing new). */
  set(entry: E, free: { cores: number; memory: number } | null): void {
    if (free) this.move(entry, Math.max(0, free.cores), free.memory);
    else this.move(entry, -1, 0);
  }

  /**
   * set() without an object: cores < 0 takes the machine out (callers clamp what they keep in).
   * Free room is counted in whole units (a fraction left over takes no whole VM).
   */
  move(entry: E, cores: number, memory: number): void {
    const slot = this.slotOf(entry);
    if ((slot + 1) * STRIDE > this.rec.length) this.grow(slot);
    const at = slot * STRIDE;
    const rec = this.rec;
    const was = rec[at + CORES];
    const c = cores < 0 ? -1 : Math.floor(cores);
    const m = c < 0 ? 0 : Math.max(0, Math.floor(memory));
    if (was === c && (c < 0 || rec[at + MEMORY] === m)) return;
    if (was >= 0) this.remove(slot);
    if (c >= 0) this.add(entry, slot, c, m);
  }

  /** Whether any machine has `cores` and `memory` free at once: one look per free-core count. */
  fits(memory: number, cores: number): boolean {
    const buckets = this.buckets;
    for (let c = Math.max(0, cores); c < buckets.length; c++) {
      const b = buckets[c];
      if (b !== undefined && b.max >= memory) return true;
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
    const n = this.count;
    if (n === 0) return undefined;
    const rec = this.rec;
    const all = this.all;
    for (let i = 0; i < SAMPLES; i++) {
      const slot = all[Math.floor(rng() * n)];
      const at = slot * STRIDE;
      if (rec[at + CORES] >= cores && rec[at + MEMORY] >= memory) return this.entries[slot];
      // A miss on the first draw: a request nothing fits is answered now, without more draws.
      if (i === 0 && !this.fits(memory, cores)) return undefined;
    }
    const cells = this.cells(memory, cores);
    let total = 0;
    for (const list of cells) total += list.length;
    if (total === 0) return undefined;
    let k = Math.floor(rng() * total);
    for (const list of cells) {
      if (k < list.length) return this.entries[list[k]];
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
      if (b === undefined || b.max < memory) continue;
      let at = b.max;
      if (least) for (const m of b.byMemory.keys()) if (m >= memory && m < at) at = m;
      const list = b.byMemory.get(at) as number[];
      return this.entries[list.length === 1 ? list[0] : list[Math.floor(rng() * list.length)]];
    }
    return undefined;
  }

  /** Every machine with room for memory and cores, cell by cell. */
  fitting(memory: number, cores: number): E[] {
    const out: E[] = [];
    for (const list of this.cells(memory, cores)) for (const slot of list) out.push(this.entries[slot] as E);
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
      if (b === undefined || b.max < 0 || b.max <= best || (c === 0 && b.max === 0)) continue;
      const list = b.byMemory.get(b.max) as number[];
      out.push({ machine_id: this.idOf(this.entries[list[0]] as E), cores: c, memory_gb: b.max });
      best = b.max;
    }
    return out;
  }

  private cells(memory: number, cores: number): number[][] {
    const out: number[][] = [];
    for (let c = Math.max(0, cores); c < this.buckets.length; c++) {
      const b = this.buckets[c];
      if (b === undefined || b.max < memory) continue;
      for (const [m, list] of b.byMemory) if (m >= memory) out.push(list);
    }
    return out;
  }

  /** Room for `slot` at least, doubling (a fleet is registered machine by machine). */
  private grow(slot: number): void {
    const old = this.rec;
    const slots = Math.max(slot + 1, (old.length / STRIDE) * 2, 16);
    const rec = new Int32Array(slots * STRIDE);
    rec.set(old);
    for (let at = old.length; at < rec.length; at += STRIDE) rec[at + CORES] = -1;
    this.rec = rec;
    for (let s = this.entries.length; s < slots; s++) this.entries.push(undefined);
  }

  private add(entry: E, slot: number, cores: number, memory: number): void {
    let b = this.buckets[cores];
    if (b === undefined) {
      for (let c = this.buckets.length; c < cores; c++) this.buckets.push(undefined);
      b = { byMemory: new Map(), max: -1 };
      this.buckets[cores] = b;
    }
    let list = b.byMemory.get(memory);
    if (list === undefined) {
      list = [];
      b.byMemory.set(memory, list);
    }
    if (memory > b.max) b.max = memory;
    if (this.count === this.all.length) {
      const all = new Int32Array(this.count * 2);
      all.set(this.all);
      this.all = all;
    }
    const at = slot * STRIDE;
    const rec = this.rec;
    rec[at + CORES] = cores;
    rec[at + MEMORY] = memory;
    rec[at + IN_CELL] = list.length;
    rec[at + IN_ALL] = this.count;
    list.push(slot);
    this.all[this.count++] = slot;
    this.entries[slot] = entry;
  }

  /** Takes a slot out, filling its place in its cell and in `all` with the last one of each. */
  private remove(slot: number): void {
    const rec = this.rec;
    const at = slot * STRIDE;
    const cores = rec[at + CORES];
    const memory = rec[at + MEMORY];
    const b = this.buckets[cores] as Bucket;
    const list = b.byMemory.get(memory) as number[];
    const lastInCell = list.pop() as number;
    if (lastInCell !== slot) {
      const place = rec[at + IN_CELL];
      list[place] = lastInCell;
      rec[lastInCell * STRIDE + IN_CELL] = place;
    }
    if (list.length === 0) {
      b.byMemory.delete(memory);
      // Only a bucket's own keys are looked at: distinct free-memory values, not machines.
      if (memory === b.max) {
        let max = -1;
        for (const m of b.byMemory.keys()) if (m > max) max = m;
        b.max = max;
      }
    }
    const lastInAll = this.all[--this.count];
    if (lastInAll !== slot) {
      const place = rec[at + IN_ALL];
      this.all[place] = lastInAll;
      rec[lastInAll * STRIDE + IN_ALL] = place;
    }
    rec[at + CORES] = -1;
    rec[at + MEMORY] = 0;
    this.entries[slot] = undefined;
  }
}
