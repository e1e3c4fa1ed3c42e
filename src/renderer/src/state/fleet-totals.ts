import { EMPTY_FLEET, type FleetTotals, type Region } from '../../../shared/types';

/** Fleet totals from the region records (always current: every event carries its region). */
export function fleetTotals(regions: Record<string, Region>): FleetTotals {
  const t = { ...EMPTY_FLEET };
  for (const r of Object.values(regions)) {
    t.regions++;
    t.machines += r.machine_count;
    t.vms += r.vm_count;
    t.cores_total += r.cores_total;
    t.cores_allocated += r.cores_allocated;
    t.memory_total_gb += r.memory_total_gb;
    t.memory_allocated_gb += r.memory_allocated_gb;
  }
  return t;
}
