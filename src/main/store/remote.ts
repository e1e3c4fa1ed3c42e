// Changes made by other hosts of a shared fleet (and this host's own, as the shared store
// confirms them), laid over the model. They come in the shared store's commit order. Applying
// one twice changes nothing, because this host's own writes come back too: a VM already in the
// ledger is not added again, a machine row replaces the allocation rather than adding to it.

import { TERMINAL_STATE } from '../../shared/lifecycle';
import type { Vm, VmState } from '../../shared/types';
import type { MachineState, StoredVm } from './backend';
import { isValidState, type MachineRecord } from './machine-record';
import type { MachineTable } from './machine-table';
import type { RegionIndex } from './region-index';
import type { VmLedger } from './vm-ledger';
import { checkVm, sameVm } from './vm-record';

export type RemoteChange =
  | { t: 'machine'; id: string; state: MachineState | null }
  /** A region status an operator set through some host; null: back to the CSV's. */
  | { t: 'region'; code: string; status: string | null }
  | { t: 'vm'; vm: StoredVm }
  | { t: 'vm-delete'; id: string };

/** What of the Fleet this module changes (Fleet.remote()). */
export interface RemoteTarget {
  table(): MachineTable;
  ledger: VmLedger;
  /** Publishes the machine's change event. */
  changed(m: MachineRecord): void;
  /** Publishes the region's change event. */
  regionChanged(index: RegionIndex): void;
  /** Publishes a VM's change of state made through another host (`destroyed`: it is gone). */
  vmChanged(vm: Vm, from: VmState | null): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** Back to the bootstrap state here (another host reset the fleet); publishes `reset`. */
  reset(): void;
}

/**
 * Changes the shared store reports, in its commit order. A change to a VM this host is still
 * writing waits for that write, so the ledger has the outcome before the report.
 */
export async function applyRemoteChanges(target: RemoteTarget, changes: RemoteChange[]): Promise<void> {
  for (const change of changes) {
    const id = change.t === 'vm' ? change.vm?.id : change.t === 'vm-delete' ? change.id : undefined;
    const writing = id === undefined ? undefined : target.ledger.inFlight(id);
    if (writing) await writing.catch(() => {});
    applyRemote(target, change);
  }
}

/** Applies one change; returns false for one that does not concern this fleet (or is not valid). */
export function applyRemote(target: RemoteTarget, change: RemoteChange): boolean {
  const table = target.table();
  const ledger = target.ledger;
  if (change.t === 'region') {
    const index = table.regions.find((r) => r.spec.code === change.code);
    const status = change.status ?? index?.spec.status;
    if (!index || status === undefined || index.status === status) return false;
    index.status = status;
    target.regionChanged(index);
    return true;
  }
  if (change.t === 'machine') {
    const m = table.get(change.id);
    if (!m) return false;
    const s = change.state;
    if (s !== null && !isValidState(s)) {
      target.warn('ignoring a machine row from the shared store that is not valid', { machine: change.id });
      return false;
    }
    // A deleted row (a reset) is a machine with nothing on it.
    const next = s ?? { version: 0, cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0, operator_status: null };
    m.version = Math.max(m.version, next.version);
    const same =
      m.cores_allocated === next.cores_allocated &&
      m.memory_allocated_gb === next.memory_allocated_gb &&
      m.vm_count === next.vm_count &&
      m.operator_status === next.operator_status;
    if (same) return true;
    const statusChanged = m.operator_status !== next.operator_status;
    m.operator_status = next.operator_status;
    const at = s?.updated_at ?? new Date().toISOString();
    table.setAllocation(m, next.cores_allocated, next.memory_allocated_gb, next.vm_count, at);
    if (statusChanged) table.restatus(m, at);
    target.changed(m);
    return true;
  }
  if (change.t === 'vm') {
    const stored = change.vm;
    if (!stored || typeof stored !== 'object' || !table.get(stored.machine_id)) return false;
    let vm: StoredVm;
    try {
      vm = checkVm(stored, (id) => table.get(id));
    } catch (err) {
      target.warn('ignoring a VM from the shared store that is not valid', {
        vm: stored.id,
        reason: (err as Error).message,
      });
      return false;
    }
    const key = typeof stored.idempotency_key === 'string' ? stored.idempotency_key : undefined;
    const cur = ledger.get(vm.id);
    if (cur && sameVm(cur, vm)) return true;
    if (cur) ledger.drop(cur.id);
    ledger.add(vm, key !== undefined && !ledger.hasKey(key) ? key : undefined);
    // This host's own writes are in the ledger before the watch brings them back (same record):
    // what is told here is another host's change, so every event stream shows every host's.
    if (cur?.state !== vm.state) target.vmChanged(vm, cur?.state ?? null);
    return true;
  }
  const gone = ledger.get(change.id);
  if (!gone) return false;
  ledger.drop(change.id);
  target.vmChanged({ ...gone, state: TERMINAL_STATE }, gone.state);
  return true;
}

/** Replaces the model's machines and VMs with a snapshot's (after the watch lost its place). */
export async function resyncFrom(
  target: RemoteTarget,
  machines: Map<string, MachineState>,
  vms: StoredVm[],
): Promise<{ machines: number; vms: number }> {
  await target.ledger.settled();
  let changedMachines = 0;
  let changedVms = 0;
  const keep = new Set(vms.map((v) => v.id));
  for (const vm of target.ledger.all()) {
    if (!keep.has(vm.id) && applyRemote(target, { t: 'vm-delete', id: vm.id })) changedVms++;
  }
  for (const vm of vms) {
    const cur = target.ledger.get(vm.id);
    if (applyRemote(target, { t: 'vm', vm }) && (!cur || !sameVm(cur, vm))) changedVms++;
  }
  for (const m of target.table().machines) {
    const before = `${m.cores_allocated}/${m.memory_allocated_gb}/${m.vm_count}/${m.operator_status}`;
    applyRemote(target, { t: 'machine', id: m.id, state: machines.get(m.id) ?? null });
    if (`${m.cores_allocated}/${m.memory_allocated_gb}/${m.vm_count}/${m.operator_status}` !== before)
      changedMachines++;
  }
  return { machines: changedMachines, vms: changedVms };
}
