// Which machines may take new VMs. The store's candidate index and the orchestrator's MachineDs
// both decide it, so the rule lives here once.

import type { MachineStatus } from './types';

/**
 * Statuses that take new VMs: the machine is in service, whatever its current fill ('full'
 * frees up when a VM is destroyed). The rest ('maintenance', 'offline', …) are an operator's word.
 */
export function takesNewVms(status: MachineStatus): boolean {
  return status === 'available' || status === 'allocated' || status === 'full';
}

/** A machine's size and what it has handed out, as both the store and MachineD keep them. */
export interface Fill {
  readonly cores_total: number;
  readonly memory_total_gb: number;
  readonly cores_allocated: number;
  readonly memory_allocated_gb: number;
}

/** Whether memory_gb and cores are free on the machine now. */
export function hasRoomFor(m: Fill, memory_gb: number, cores: number): boolean {
  return m.memory_total_gb - m.memory_allocated_gb >= memory_gb && m.cores_total - m.cores_allocated >= cores;
}
