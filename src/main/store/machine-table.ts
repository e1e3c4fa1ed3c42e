// Every machine of the fleet, by id and by region, with the region and fleet totals kept in
// step with each allocation change. Built from the bootstrap data alone; the Fleet lays the
// stored state over it.

import { ApiError } from '../../shared/errors';
import type { FleetData } from './fleet-data';
import { deriveStatus, type MachineRecord, newRecord } from './machine-record';
import { RegionIndex } from './region-index';
import { cmp, show } from './values';

export class MachineTable {
  /** Ordered by code. */
  readonly regions: RegionIndex[] = [];
  /** Ordered by id. */
  readonly machines: MachineRecord[] = [];
  cores_total = 0;
  memory_total_gb = 0;
  cores_allocated = 0;
  memory_allocated_gb = 0;
  private readonly indexes = new Map<string, RegionIndex>();
  /**
   * By id, built on the first lookup: a start answers its first requests (every machine, the
   * regions) without it, and 100k Map insertions were a tenth of the store's start-up.
   */
  private byIdMap: Map<string, MachineRecord> | null = null;

  /** No VMs, nothing allocated; `at` stamps every record. */
  constructor(data: FleetData, at: string) {
    for (const spec of [...data.regions].sort((a, b) => cmp(a.code, b.code))) {
      const index = new RegionIndex(spec);
      this.indexes.set(spec.code, index);
      this.regions.push(index);
    }
    // Generated and exported fleets are already in id order: sorting 100,000 ids again was a
    // fifth of the store's start-up, so a file that is in order is taken as it is.
    const ordered = inOrder(data.machines) ? data.machines : [...data.machines].sort((a, b) => cmp(a.id, b.id));
    for (const spec of ordered) {
      const index = this.indexes.get(spec.region);
      if (!index) throw new Error(`machine ${spec.id} is in unknown region ${spec.region}`);
      const m = newRecord(spec, at);
      m.slot = index.machines.length;
      index.machines.push(m);
      index.cores_total += m.cores_total;
      index.memory_total_gb += m.memory_total_gb;
      this.cores_total += m.cores_total;
      this.memory_total_gb += m.memory_total_gb;
      this.machines.push(m);
      index.share(m);
    }
  }

  get(id: string): MachineRecord | undefined {
    return this.byId().get(id);
  }

  private byId(): Map<string, MachineRecord> {
    if (!this.byIdMap) {
      this.byIdMap = new Map();
      for (const m of this.machines) this.byIdMap.set(m.id, m);
    }
    return this.byIdMap;
  }

  /** The machine with this id; throws not_found for any other value. */
  recordOrThrow(id: string): MachineRecord {
    const m = typeof id === 'string' ? this.byId().get(id) : undefined;
    if (!m) throw new ApiError('not_found', `no machine with id ${show(id)}`);
    return m;
  }

  /** The region with this code (any case); throws unknown_region for any other value. */
  indexOrThrow(code: string): RegionIndex {
    const index = typeof code === 'string' ? this.indexes.get(code.toUpperCase()) : undefined;
    if (!index) throw new ApiError('unknown_region', `unknown region ${show(code)}`);
    return index;
  }

  regionOf(m: MachineRecord): RegionIndex {
    return this.indexes.get(m.region) as RegionIndex;
  }

  /** Sets absolute allocation values, keeping region and fleet totals and status in step. */
  setAllocation(m: MachineRecord, cores: number, memory_gb: number, vm_count: number, at: string): void {
    const index = this.regionOf(m);
    const dc = cores - m.cores_allocated;
    const dm = memory_gb - m.memory_allocated_gb;
    index.cores_allocated += dc;
    index.memory_allocated_gb += dm;
    index.vm_count += vm_count - m.vm_count;
    this.cores_allocated += dc;
    this.memory_allocated_gb += dm;
    m.cores_allocated = cores;
    m.memory_allocated_gb = memory_gb;
    m.vm_count = vm_count;
    m.updated_at = at;
    m.status = deriveStatus(m);
    index.share(m);
  }

  /** Derives the status again after the operator's word changed, keeping the region's capacity in step. */
  restatus(m: MachineRecord, at: string): void {
    m.status = deriveStatus(m);
    m.updated_at = at;
    this.regionOf(m).share(m);
  }
}

function inOrder(machines: readonly { id: string }[]): boolean {
  for (let i = 1; i < machines.length; i++) if (cmp(machines[i - 1].id, machines[i].id) > 0) return false;
  return true;
}
