// The registry of this worker's machines: each machine's MachineD and FlyD mailboxes by machine
// id (a restarted actor keeps its mailbox, so a lookup never goes stale), plus a per-region
// index so placement never scans other regions, and per region the free-capacity index that
// lets placement find room (or learn there is none) without scanning its own region either.

import { FreeIndex } from '../../shared/free-index';
import type { Machine } from '../../shared/types';
import type { FlydCell } from './flyd';
import type { Allocation, Capacity, MachineCell } from './machined';

/**
 * Which machines this host runs. Today one host runs the whole fleet; with a shared fleet
 * (several hosts on one distributed store) each host owns some machines and runs
 * their MachineDs and FlyDs, and this filter is where that decision plugs in.
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
}

export function regionKey(code: string): string {
  return code.trim().toUpperCase();
}

export class Registry {
  private readonly byId = new Map<string, MachineEntry>();
  private readonly byRegion = new Map<string, MachineEntry[]>();
  private readonly free = new Map<string, FreeIndex<MachineEntry>>();

  /** Machines whose actors are awake: the only ones with anything to flush or count. */
  readonly awake = new Set<MachineEntry>();

  /** Registers a machine and indexes its free capacity. */
  add(entry: MachineEntry): void {
    if (this.byId.has(entry.record.id)) throw new Error(`machine ${entry.record.id} is registered twice`);
    this.byId.set(entry.record.id, entry);
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
  sleepIdle(busy: ReadonlySet<MachineEntry>): number {
    let n = 0;
    for (const e of this.awake) {
      if (!busy.has(e) && e.sleep()) {
        this.awake.delete(e);
        n++;
      }
    }
    return n;
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
    // Records carry the store's (upper-case) codes, so the first look nearly always finds it.
    let index = this.free.get(entry.record.region);
    if (!index) {
      const key = regionKey(entry.record.region);
      index = this.free.get(key) ?? new FreeIndex<MachineEntry>(entryId, entrySlot);
      this.free.set(key, index);
    }
    const c = entry.capacity;
    if (c.schedulable)
      index.move(entry, Math.max(0, c.cores_total - a.cores_allocated), c.memory_total_gb - a.memory_allocated_gb);
    else index.move(entry, -1, 0);
  }

  /** The free-capacity index of one region (any case); empty for a region with no machines here. */
  freeIn(code: string): FreeIndex<MachineEntry> {
    return this.free.get(code) ?? this.free.get(regionKey(code)) ?? EMPTY_INDEX;
  }

  get(id: string): MachineEntry | undefined {
    return this.byId.get(id);
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
    return this.byId.size;
  }

  entries(): IterableIterator<MachineEntry> {
    return this.byId.values();
  }
}

const entryId = (e: MachineEntry) => e.record.id;
const entrySlot = (e: MachineEntry) => e.slot;
const EMPTY_INDEX = new FreeIndex<MachineEntry>(entryId);
