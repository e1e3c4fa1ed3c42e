// What of the store's events crosses to the orchestrator of a shared fleet: it follows machines
// (MachineD adopts the allocation the store committed, whoever made it), region statuses and
// resets, not VMs (those it hears on REMOTE_VMS). A machine event goes without its region's
// figures, which the orchestrator never reads: they were half of what each machine event cloned
// across, for every change any host makes.

import type { OrchestratorStoreEvent, StoreEvent } from '../../shared/types';

/** The orchestrator's share of one turn's events, in order. */
export function orchestratorEvents(events: readonly StoreEvent[]): OrchestratorStoreEvent[] {
  const out: OrchestratorStoreEvent[] = [];
  for (const e of events) {
    if (e.type === 'vm') continue;
    if (e.type === 'machine') out.push({ type: 'machine', seq: e.seq, at: e.at, machine: e.machine });
    else out.push(e);
  }
  return out;
}
