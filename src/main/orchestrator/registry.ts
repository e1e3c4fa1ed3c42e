// The registry of this worker's machines: each machine's MachineD and FlyD mailboxes by machine
// id (a restarted actor keeps its mailbox, so a lookup never goes stale), plus a per-region
// index so placement never scans other regions, and per region the free-capacity index that
// lets placement find room (or learn there is none) without scanning its own region either.

import type { ActorCounts } from '../../shared/cluster';
import { FreeIndex } from '../../shared/free-index';
import type { Machine } from '../../shared/types';
import { createLogger, type Logger } from '../common/log';
import type { NOT_NOW } from './actor';
import type { FlydCell } from './flyd';
import {
  type Allocation,
  allocate,
  allocateNow,
  type Capacity,
  fitsOn,
  type MachineCell,
  observe,
  released,
  releaseNoWait,
  reserved,
  setSchedulable,
} from './machined';

/**
 * Which machines this host registers at all (every one, in practice). A shared fleet registers
 * every machine too, as the placement view, and marks the ones whose actors run here
 * (MachineEntry.owned, Registry.setOwned): which those are moves while the host runs.
 */
export type MachineFilter = (machine: Machine) => boolean;

export const ownAll: MachineFilter = () => true;

/** A machine's two actors, built the first time anything asks for them. */
export interface Cells {
  machined: MachineCell;
  flyd: FlydCell;
}

/** Builds (and starts) a machine's actors; one for every machine of the Infrastructure. */
export interface Waker {
  wake(entry: MachineEntry): Cells;
  /** The entry's allocation changed without its MachineD (asleep, or a machine another host owns). */
  allocated?(entry: MachineEntry, a: Allocation): void;
  /** A machine this host owns changed while asleep: its change waits in `unwritten` for the ticker. */
  unwritten?(entry: MachineEntry): void;
  /** Where a sleeping machine's release warns, as its MachineD would (silent when absent). */
  log?: Logger;
}

/**
 * One machine of this host. Its MachineD and FlyD sleep until first asked for: until then the
 * machine is this compact state (its record, capacity and allocation, all that placement
 * reads), and nothing can change it but its MachineD, so waking it with that allocation is
 * exactly where the MachineD would be. A 100k-machine fleet starts without 200k actors, and
 * builds them as launches, faults and chaos reach their machines; supervision, restarts and
 * kills work on a woken actor as on any other.
 */
export class MachineEntry {
  /** Its position in its region's list: the free-capacity index's slot. */
  slot = -1;
  /**
   * Whether this host owns the machine, and so may run its actors. A shared fleet's other
   * hosts own the rest: for those this entry is only the placement view (the record, kept
   * current from the store's events), reserved and released in place, never woken here; the
   * store's transaction, not this view, decides whether a VM lands (see store/etcd/allocations).
   */
  owned = true;
  /** Its owner's etcd lease is lapsing: placed on only when no other machine fits (Registry.setLapsing). */
  lapsing = false;
  /**
   * Changes made to a sleeping machine this host owns (reservations and releases, in place, as
   * its MachineD would make them) that the store has not acknowledged: the ticker writes them
   * without waking the actors (actors.ts, writeAsleep), and a wake hands them to the new FlyD.
   * A placement at 100k machines mostly lands on a sleeping machine; building its two actors
   * (and collecting them a round later) was most of placement's cost.
   */
  unwritten = 0;
  /** The ticker's write of `unwritten` in flight, if any (a wake takes the changes over). */
  writing: object | null = null;
  /** In the FlyD round's list of machines to write (flyd-round.ts). */
  queued = false;
  private cells: Cells | null = null;

  constructor(
    /** The store's record at start (capacity and placement never change while running). */
    readonly record: Machine,
    readonly capacity: Capacity,
    /** What its MachineD holds (or will start with); kept here so placement never wakes it. */
    public allocation: Allocation,
    private readonly waker: Waker,
  ) {}

  /** Whether its actors exist yet. */
  get awake(): boolean {
    return this.cells !== null;
  }

  get machined(): MachineCell {
    return (this.cells ?? this.wake()).machined;
  }

  get flyd(): FlydCell {
    return (this.cells ?? this.wake()).flyd;
  }

  /**
   * Reserves room for one VM: through its MachineD on a machine this host owns, else on the
   * placement view. True when reserved.
   */
  reserve(memory_gb: number, cores: number): Promise<boolean> {
    if (!this.owned || this.cells === null) return Promise.resolve(this.reserveHere(memory_gb, cores));
    return allocate(this.cells.machined, memory_gb, cores);
  }

  /**
   * reserve() answered in this turn when it can be (an idle MachineD, a sleeping machine, or
   * the view); else NOT_NOW.
   */
  reserveNow(memory_gb: number, cores: number): boolean | typeof NOT_NOW {
    if (!this.owned || this.cells === null) return this.reserveHere(memory_gb, cores);
    return allocateNow(this.cells.machined, memory_gb, cores);
  }

  /** Gives back what one VM held, without waiting. */
  release(memory_gb: number, cores: number): void {
    if (this.owned && this.cells !== null) {
      releaseNoWait(this.cells.machined, memory_gb, cores);
      return;
    }
    if (this.owned) {
      // Asleep: MachineD's own release (and its warning for more than it holds), made here.
      this.changed(released(this.allocation, memory_gb, cores, this.capacity.id, this.waker.log ?? SILENT));
      return;
    }
    // Another host's machine: this view follows its store record; the owner warns, not us.
    this.setAllocation(released(this.allocation, memory_gb, cores, this.capacity.id, SILENT));
  }

  /**
   * The store's committed state of the machine (a shared fleet's event): an awake MachineD
   * adopts it; a sleeping one (or another host's machine) has its record updated, not woken.
   */
  observe(a: Allocation, schedulable: boolean): void {
    const c = this.cells;
    if (c) {
      observe(c.machined, a);
      if (c.machined.current && c.machined.current.capacity.schedulable !== schedulable) {
        void setSchedulable(c.machined, schedulable).catch(() => {});
      }
      return;
    }
    this.capacity.schedulable = schedulable;
    this.setAllocation({
      cores_allocated: a.cores_allocated,
      memory_allocated_gb: a.memory_allocated_gb,
      vm_count: a.vm_count,
    });
  }

  /**
   * MachineD's check-and-reserve on the entry (a sleeping machine's state, or another host's
   * view): nothing runs between the check and the change, as in MachineD.
   */
  private reserveHere(memory_gb: number, cores: number): boolean {
    if (!fitsOn(this.capacity, this.allocation, memory_gb, cores)) return false;
    const next = reserved(this.allocation, memory_gb, cores);
    if (this.owned) this.changed(next);
    else this.setAllocation(next);
    return true;
  }

  /** A sleeping machine this host owns changed: the index follows, the ticker will write it. */
  private changed(a: Allocation): void {
    this.setAllocation(a);
    this.unwritten++;
    this.waker.unwritten?.(this);
  }

  private setAllocation(a: Allocation): void {
    this.allocation = a;
    this.waker.allocated?.(this, a);
  }

  /**
   * Puts its actors back to sleep when they hold nothing the entry does not: both running with
   * empty mailboxes, FlyD with nothing unwritten or in flight. The next ask wakes a MachineD
   * that starts from `allocation`, exactly where this one stands. False when not idle.
   */
  sleep(): boolean {
    const c = this.cells;
    if (!c) return false;
    const { machined: m, flyd: f } = c;
    if (m.state !== 'running' || f.state !== 'running' || m.backlog > 0 || f.backlog > 0) return false;
    if (!f.current?.idle) return false;
    this.cells = null;
    return true;
  }

  private wake(): Cells {
    this.cells = this.waker.wake(this);
    return this.cells;
  }

  /**
   * What the store has not acknowledged of the changes made while asleep, taken over by the
   * woken FlyD (which writes the whole state again with a newer version, superseding any write
   * of them still in flight).
   */
  takeUnwritten(): number {
    const n = this.unwritten;
    this.unwritten = 0;
    this.writing = null;
    return n;
  }
}

export function regionKey(code: string): string {
  return code.trim().toUpperCase();
}

export class Registry {
  /** Every machine, in registration order. */
  private readonly list: MachineEntry[] = [];
  /**
   * By id, built on the first lookup while machines come in id order (the store's order, so a
   * start checks each id against the one before and needs no Map): 100k Map insertions were a
   * quarter of the orchestrator's start-up. A machine out of order builds it at once.
   */
  private byIdMap: Map<string, MachineEntry> | null = null;
  private lastId = '';
  private readonly byRegion = new Map<string, MachineEntry[]>();
  private readonly free = new Map<string, FreeIndex<MachineEntry>>();
  /** Per region, the free-capacity index of the machines whose owner's lease is lapsing. */
  private readonly heldBack = new Map<string, FreeIndex<MachineEntry>>();

  /** Machines whose actors are awake: the only ones with anything to flush or count. */
  readonly awake = new Set<MachineEntry>();
  /** Actors woken since start, and of those on machines this host did not own (see actors.ts). */
  readonly wakes = { woken: 0, woken_not_owned: 0 };

  /** Registers a machine and indexes its free capacity. */
  add(entry: MachineEntry): void {
    const id = entry.record.id;
    if (this.byIdMap === null && (this.list.length === 0 || id > this.lastId)) {
      this.lastId = id;
    } else {
      const byId = this.byId();
      if (byId.has(id)) throw new Error(`machine ${id} is registered twice`);
      byId.set(id, entry);
    }
    this.list.push(entry);
    // Records carry the store's (upper-case) codes: the key is made only for a new one.
    let list = this.byRegion.get(entry.record.region);
    if (!list) {
      const key = regionKey(entry.record.region);
      list = this.byRegion.get(key) ?? [];
      this.byRegion.set(key, list);
    }
    entry.slot = list.length;
    list.push(entry);
    this.reindex(entry);
  }

  /**
   * Sleeps every awake machine that is idle, but those in `busy` (about to be flushed): the
   * actors of a machine nothing happened to since its last flush cost memory and no more.
   */
  sleepIdle(busy: { has(entry: MachineEntry): boolean }): number {
    let n = 0;
    for (const e of this.awake) {
      if (!busy.has(e) && e.sleep()) {
        this.awake.delete(e);
        n++;
      }
    }
    return n;
  }

  /**
   * Which machines this host owns (a shared fleet; null: all of them). Those it lost have their
   * actors put to sleep now when idle, else at the next FlyD round; those it gained wake when
   * first asked for. Returns how many changed hands.
   */
  setOwned(owned: ReadonlySet<string> | null): { gained: MachineEntry[]; lost: number } {
    const gained: MachineEntry[] = [];
    let lost = 0;
    for (const e of this.list) {
      const mine = owned === null || owned.has(e.record.id);
      if (mine === e.owned) continue;
      e.owned = mine;
      if (mine) gained.push(e);
      else {
        lost++;
        if (e.sleep()) this.awake.delete(e);
      }
    }
    return { gained, lost };
  }

  /** Machines whose owner's lease lapses (store/etcd/lapsing) move to the held-back index; how many changed. */
  setLapsing(machines: ReadonlySet<string>): number {
    let changed = 0;
    for (const e of this.list) {
      const lapsing = machines.has(e.record.id);
      if (lapsing === e.lapsing || e.slot < 0) continue;
      this.indexOf(e).move(e, -1, 0);
      e.lapsing = lapsing;
      this.reindex(e);
      changed++;
    }
    return changed;
  }

  /** Machines owned, actors awake (and awake on machines not owned), wakes since start. */
  actorCounts(): ActorCounts {
    let owned = 0;
    for (const e of this.list) if (e.owned) owned++;
    let foreign = 0;
    for (const e of this.awake) if (!e.owned) foreign++;
    return { owned, awake: this.awake.size - foreign, awake_not_owned: foreign, ...this.wakes };
  }

  /** MachineD's allocation changed (or it started): the free-capacity index follows at once. */
  allocated(entry: MachineEntry, a: Allocation): void {
    entry.allocation = a;
    this.reindex(entry);
  }

  /** Places the machine in its region's free index again (its schedulability may have changed). */
  reindex(entry: MachineEntry): void {
    if (entry.slot < 0) return; // not registered yet: add() indexes it
    const a = entry.allocation;
    const index = this.indexOf(entry);
    const c = entry.capacity;
    if (c.schedulable)
      index.move(entry, Math.max(0, c.cores_total - a.cores_allocated), c.memory_total_gb - a.memory_allocated_gb);
    else index.move(entry, -1, 0);
  }

  /** The index `entry` belongs in now: its region's main one, or the held-back one. */
  private indexOf(entry: MachineEntry): FreeIndex<MachineEntry> {
    const map = entry.lapsing ? this.heldBack : this.free;
    // Records carry the store's (upper-case) codes, so the first look nearly always finds it.
    let index = map.get(entry.record.region);
    if (!index) {
      const key = regionKey(entry.record.region);
      index = map.get(key) ?? new FreeIndex<MachineEntry>(entryId, entrySlot);
      map.set(key, index);
    }
    return index;
  }

  /** The free-capacity index of one region (any case); empty for a region with no machines here. */
  freeIn(code: string): FreeIndex<MachineEntry> {
    return this.free.get(code) ?? this.free.get(regionKey(code)) ?? EMPTY_INDEX;
  }

  /** The region's machines whose owner's lease is lapsing (see setLapsing); usually empty. */
  heldBackIn(code: string): FreeIndex<MachineEntry> {
    return this.heldBack.get(code) ?? this.heldBack.get(regionKey(code)) ?? EMPTY_INDEX;
  }

  get(id: string): MachineEntry | undefined {
    return this.byId().get(id);
  }

  private byId(): Map<string, MachineEntry> {
    if (this.byIdMap === null) {
      this.byIdMap = new Map();
      for (const e of this.list) this.byIdMap.set(e.record.id, e);
    }
    return this.byIdMap;
  }

  /** This host's machines of one region (any case), in registration order. */
  inRegion(code: string): readonly MachineEntry[] {
    return this.byRegion.get(regionKey(code)) ?? [];
  }

  /** Whether this host runs any machine of the region. */
  hasRegion(code: string): boolean {
    return this.byRegion.has(regionKey(code));
  }

  get size(): number {
    return this.list.length;
  }

  entries(): IterableIterator<MachineEntry> {
    return this.list.values();
  }
}

const entryId = (e: MachineEntry) => e.record.id;
const entrySlot = (e: MachineEntry) => e.slot;
const SILENT = createLogger('silent');
const EMPTY_INDEX = new FreeIndex<MachineEntry>(entryId);
