// The registry of this worker's machines: each machine's MachineD and FlyD mailboxes by machine
// id (a restarted actor keeps its mailbox, so a lookup never goes stale), plus a per-region
// index so placement never scans other regions.

import type { Machine } from '../../shared/types';
import type { FlydCell } from './flyd';
import type { Capacity, MachineCell } from './machined';

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
}

export function regionKey(code: string): string {
  return code.trim().toUpperCase();
}

export class Registry {
  private readonly byId = new Map<string, MachineEntry>();
  private readonly byRegion = new Map<string, MachineEntry[]>();

  add(entry: MachineEntry): void {
    if (this.byId.has(entry.record.id)) throw new Error(`machine ${entry.record.id} is registered twice`);
    this.byId.set(entry.record.id, entry);
    const key = regionKey(entry.record.region);
    const list = this.byRegion.get(key);
    if (list) list.push(entry);
    else this.byRegion.set(key, [entry]);
  }

  get(id: string): MachineEntry | undefined {
    return this.byId.get(id);
  }

  /** This host's machines of one region (any case), in registration order. */
  inRegion(code: string): readonly MachineEntry[] {
    return this.byRegion.get(regionKey(code)) ?? [];
  }

  get size(): number {
    return this.byId.size;
  }

  entries(): IterableIterator<MachineEntry> {
    return this.byId.values();
  }
}
