// What a machine's status means for how it is shown, decided once for the dashboard's cards
// and the CLI's colours. The store reports available, allocated or full for a machine in
// service; the operator's maintenance and offline come from the bootstrap CSV.

/** free: room and nothing on it; alloc: VMs on it, room left; full; maint; off (or unknown). */
export type MachineCondition = 'free' | 'alloc' | 'full' | 'maint' | 'off';

export function machineCondition(status: string): MachineCondition {
  switch (status) {
    case 'available':
      return 'free';
    case 'allocated':
      return 'alloc';
    case 'full':
      return 'full';
    case 'maintenance':
    case 'draining': // takes no new VMs, keeps its own: a warning, like maintenance
      return 'maint';
    default:
      return 'off'; // offline, or anything this version does not know
  }
}
