// The store's per-region capacity figures (reference VMs that still fit, stranded cores and
// memory), kept in step machine by machine: checked on a known fleet, and against a recount
// from scratch after a random run of allocation and status changes.

import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/main/store/backend';
import { Fleet } from '../../../src/main/store/fleet';
import type { FleetData, MachineSpec } from '../../../src/main/store/fleet-data';
import { fragmentation, takesNewVms } from '../../../src/shared/placement';
import { mulberry32 } from '../../../src/shared/random';
import type { Machine } from '../../../src/shared/types';

const spec = (
  id: string,
  region: string,
  cores: number,
  memory_gb: number,
  status: MachineSpec['status'] = 'available',
) => ({ id, region, datacenter: 'dc-1', cores, memory_gb, status }) satisfies MachineSpec;

const DATA: FleetData = {
  regions: [
    { code: 'AMS', location: 'Amsterdam, Netherlands', status: 'Operational' },
    { code: 'SIN', location: 'Singapore', status: 'Operational' },
  ],
  machines: [
    spec('ams-1', 'AMS', 8, 32),
    spec('sin-1', 'SIN', 16, 64),
    spec('sin-2', 'SIN', 8, 16),
    spec('sin-maint', 'SIN', 64, 256, 'maintenance'),
  ],
};

async function open() {
  const { fleet } = await Fleet.open(DATA, { backend: new MemoryBackend(), seed: 1 });
  return fleet;
}

let version = 1;
function allocate(fleet: Fleet, id: string, cores: number, memory_gb: number, vm_count = 1) {
  return fleet.apply({
    machine_id: id,
    version: version++,
    cores_allocated: cores,
    memory_allocated_gb: memory_gb,
    vm_count,
    changes: 1,
  });
}

function recount(machines: Machine[]) {
  return fragmentation(
    machines.map((m) => ({
      id: m.id,
      status: m.status,
      schedulable: takesNewVms(m.status),
      cores_total: m.cores_total,
      memory_total_gb: m.memory_total_gb,
      cores_free: m.cores_total - m.cores_allocated,
      memory_free_gb: m.memory_total_gb - m.memory_allocated_gb,
    })),
  );
}

describe('region capacity in reference VMs (2 cores, 4 GB)', () => {
  it('counts what fits and what is stranded on a known fleet', async () => {
    const fleet = await open();
    // Empty: sin-1 takes 8 (its cores run out first, 32 GB stay stranded), sin-2 exactly 4;
    // the maintenance machine counts nothing.
    expect(fleet.region('SIN').capacity).toEqual({
      reference_vms_free: 12,
      free_cores: 24,
      free_memory_gb: 80,
      stranded_cores: 0,
      stranded_memory_gb: 32,
    });
    // sin-1 keeps 3 cores and 40 GB: one reference VM, then 1 core and 36 GB nobody of that size can use.
    await allocate(fleet, 'sin-1', 13, 24);
    expect(fleet.region('SIN').capacity).toEqual({
      reference_vms_free: 5,
      free_cores: 11,
      free_memory_gb: 56,
      stranded_cores: 1,
      stranded_memory_gb: 36,
    });
    // The maintenance machine back in service adds its 32 reference VMs.
    await fleet.setOperatorStatus('sin-maint', 'available');
    expect(fleet.region('SIN').capacity?.reference_vms_free).toBe(37);
    expect(fleet.region('AMS').capacity?.reference_vms_free).toBe(4);
  });

  it('stays equal to a recount from scratch whatever the changes', async () => {
    const fleet = await open();
    const rng = mulberry32(3);
    const ids = DATA.machines.map((m) => m.id);
    for (let i = 0; i < 300; i++) {
      const id = ids[Math.floor(rng() * ids.length)];
      const m = fleet.machine(id);
      if (rng() < 0.2) {
        await fleet.setOperatorStatus(id, rng() < 0.5 ? 'maintenance' : null);
      } else {
        const cores = Math.floor(rng() * (m.cores_total + 1));
        const memory = Math.floor(rng() * (m.memory_total_gb + 1));
        await allocate(fleet, id, cores, memory, cores + memory > 0 ? 1 : 0);
      }
      for (const r of fleet.regions()) expect(r.capacity).toEqual(recount(fleet.machines(r.code)));
    }
  });
});
