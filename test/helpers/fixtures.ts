import type { Machine, Region } from '../../src/shared/types';

/** A physical machine as the wire shows it: 32 cores and 64 GB, empty, unless `over` says otherwise. */
export function machine(id: string, region: string, over: Partial<Machine> = {}): Machine {
  return {
    id,
    region,
    datacenter: 'dc-1',
    status: 'available',
    cores_total: 32,
    cores_allocated: 0,
    memory_total_gb: 64,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A region as the wire shows it: two machines, 64 cores and 512 GB, empty, unless `over` says otherwise. */
export function region(code: string, over: Partial<Region> = {}): Region {
  return {
    code,
    location: `${code} city`,
    status: 'Operational',
    machine_count: 2,
    vm_count: 0,
    cores_total: 64,
    cores_allocated: 0,
    memory_total_gb: 512,
    memory_allocated_gb: 0,
    ...over,
  };
}
