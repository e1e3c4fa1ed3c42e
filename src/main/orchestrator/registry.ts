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

export interface MachineEntry {
  /** The store's record at start (capacity and placement never change while running). */
  record: Machine;
  capacity: Capacity;
  machined: MachineCell;
  flyd: FlydCell;
  /** What its MachineD last reported holding (kept here so a schedulability change can re-index). */
  allocation?: Allocation;
}

export function regionKey(code: string): string {
  return code.trim().toUpperCase();
}

export class Registry {
  private readonly byId = new Map<string, MachineEntry>();
  private readonly byRegion = new Map<string, MachineEntry[]>();
  private readonly free = new Map<string, FreeIndex<MachineEntry>>();

  add(entry: MachineEntry): void {
    if (this.byId.has(entry.record.id)) throw new Error(`machine ${entry.record.id} is registered twice`);
    this.byId.set(entry.record.id, entry);
    const key = regionKey(entry.record.region);
    const list = this.byRegion.get(key);
    if (list) list.push(entry);
    else this.byRegion.set(key, [entry]);
  }

  /**
   * MachineD's allocation changed (or it started): the free-capacity index follows at once.
   * Called before add() for a machine's first state, so it does not require registration.
   */
  allocated(entry: MachineEntry, a: Allocation): void {
    entry.allocation = a;
    this.reindex(entry);
  }

  /** Places the machine in its region's free index again (its schedulability may have changed). */
  reindex(entry: MachineEntry): void {
    const a = entry.allocation;
    if (!a) return;
    const key = regionKey(entry.record.region);
    let index = this.free.get(key);
    if (!index) {
      index = new FreeIndex<MachineEntry>(entryId);
      this.free.set(key, index);
    }
    const c = entry.capacity;
    index.set(
      entry,
      c.schedulable
        ? { cores: c.cores_total - a.cores_allocated, memory: c.memory_total_gb - a.memory_allocated_gb }
        : null,
    );
  }

  /** The free-capacity index of one region (any case); empty for a region with no machines here. */
  freeIn(code: string): FreeIndex<MachineEntry> {
    return this.free.get(regionKey(code)) ?? EMPTY_INDEX;
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
const EMPTY_INDEX = new FreeIndex<MachineEntry>(entryId);
