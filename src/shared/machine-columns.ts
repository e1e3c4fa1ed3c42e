// The whole fleet as the store hands it to the orchestrator at start: one column per field
// instead of one object per machine. 100,000 Machine objects cost the store seconds to
// structured-clone into a message and the orchestrator as long to rebuild, with a garbage
// collector tracing every one of them; typed arrays and a few strings cross as flat copies.

import type { Machine, MachineStatus } from './types';

export interface MachineColumns {
  /** Every machine id, in order, joined by newlines (ids never hold one). */
  ids: string;
  /** Distinct values, and per machine the index of its value. */
  regions: string[];
  region: Uint16Array;
  datacenters: string[];
  datacenter: Uint16Array;
  statuses: MachineStatus[];
  status: Uint8Array;
  cores_total: Int32Array;
  memory_total_gb: Int32Array;
  cores_allocated: Int32Array;
  memory_allocated_gb: Int32Array;
  vm_count: Int32Array;
  /** The FlyD version each machine's record is at. */
  version: Float64Array;
  /** Distinct update stamps (most machines share a few), and per machine the index of its one. */
  stamps: string[];
  stamp: Uint32Array;
}

export interface ColumnSource extends Machine {
  version: number;
}

/** Interns a column's values: the index of each distinct value, in order of first use. */
class Interned<T> {
  readonly values: T[] = [];
  private readonly at = new Map<T, number>();
  of(value: T): number {
    let i = this.at.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.at.set(value, i);
    }
    return i;
  }
}

export function toColumns(machines: readonly ColumnSource[]): MachineColumns {
  const n = machines.length;
  const regions = new Interned<string>();
  const datacenters = new Interned<string>();
  const statuses = new Interned<MachineStatus>();
  const stamps = new Interned<string>();
  const c: MachineColumns = {
    ids: '',
    regions: regions.values,
    region: new Uint16Array(n),
    datacenters: datacenters.values,
    datacenter: new Uint16Array(n),
    statuses: statuses.values,
    status: new Uint8Array(n),
    cores_total: new Int32Array(n),
    memory_total_gb: new Int32Array(n),
    cores_allocated: new Int32Array(n),
    memory_allocated_gb: new Int32Array(n),
    vm_count: new Int32Array(n),
    version: new Float64Array(n),
    stamps: stamps.values,
    stamp: new Uint32Array(n),
  };
  const ids: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const m = machines[i];
    ids[i] = m.id;
    c.region[i] = regions.of(m.region);
    c.datacenter[i] = datacenters.of(m.datacenter);
    c.status[i] = statuses.of(m.status);
    c.cores_total[i] = m.cores_total;
    c.memory_total_gb[i] = m.memory_total_gb;
    c.cores_allocated[i] = m.cores_allocated;
    c.memory_allocated_gb[i] = m.memory_allocated_gb;
    c.vm_count[i] = m.vm_count;
    c.version[i] = m.version;
    c.stamp[i] = stamps.of(m.updated_at);
  }
  c.ids = ids.join('\n');
  return c;
}

/** How many machines the columns hold. */
export function columnLength(c: MachineColumns): number {
  return c.cores_total.length;
}

/** The machines back as objects, and the versions that are not 0 (a fresh fleet has none). */
export function fromColumns(c: MachineColumns): { machines: Machine[]; versions: Record<string, number> } {
  const n = columnLength(c);
  const ids = n === 0 ? [] : c.ids.split('\n');
  if (ids.length !== n) throw new Error(`machine columns disagree: ${ids.length} ids for ${n} machines`);
  const machines: Machine[] = new Array(n);
  const versions: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    machines[i] = {
      id: ids[i],
      region: c.regions[c.region[i]],
      datacenter: c.datacenters[c.datacenter[i]],
      status: c.statuses[c.status[i]],
      cores_total: c.cores_total[i],
      cores_allocated: c.cores_allocated[i],
      memory_total_gb: c.memory_total_gb[i],
      memory_allocated_gb: c.memory_allocated_gb[i],
      vm_count: c.vm_count[i],
      updated_at: c.stamps[c.stamp[i]],
    };
    if (c.version[i] !== 0) versions[ids[i]] = c.version[i];
  }
  return { machines, versions };
}
