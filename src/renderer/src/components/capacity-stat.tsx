// A region's free capacity as placement sees it: how many reference VMs (2 cores, 4 GB) still
// fit, machine by machine, and the free cores and memory stranded in slots too small for one —
// the fragmentation a strategy leaves behind, comparable across strategies on the same load.

import { REFERENCE_VM } from '../../../shared/placement';
import type { Region } from '../../../shared/types';
import { formatCount } from '../format';

export function CapacityStat({ region }: { region: Region }) {
  const c = region.capacity;
  if (!c) return null;
  const strandedShare = c.free_cores === 0 ? 0 : c.stranded_cores / c.free_cores;
  const ref = `${REFERENCE_VM.cores} cores, ${REFERENCE_VM.memory_gb} GB`;
  return (
    <div
      className="stat capacity-stat"
      data-testid="region-capacity"
      data-reference-vms={c.reference_vms_free}
      data-stranded-cores={c.stranded_cores}
      data-stranded-memory={c.stranded_memory_gb}
      title={`Reference VM: ${ref}. Counted on machines that take new VMs. Stranded: free resources on machines where no reference VM fits any more.`}
    >
      <span className="stat-label">Fits ({ref})</span>
      <span className="stat-value">
        {formatCount(c.reference_vms_free)} <span className="stat-unit">VMs</span>
        <span className={`stat-sub${strandedShare > 0.25 ? ' is-warn' : ''}`}>
          {formatCount(c.stranded_cores)} cores · {formatCount(c.stranded_memory_gb)} GB stranded
        </span>
      </span>
    </div>
  );
}
