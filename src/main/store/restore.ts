// Restore and reconcile: how the model built from the CSV takes on what the backend kept, and
// how each machine's allocation is brought back to the sum of its VMs. VMs are the durable
// truth: a kill -9 may lose FlyD updates, but never a VM whose launch was acknowledged.

import type { Vm } from '../../shared/types';
import { IDEMPOTENCY_KEY_PATTERN } from '../../shared/validation';
import type { BackendOp, BackendSnapshot } from './backend';
import { isValidState, type MachineRecord } from './machine-record';
import type { MachineTable } from './machine-table';
import type { VmLedger } from './vm-ledger';
import { checkVm } from './vm-record';

export type Warn = (msg: string, fields?: Record<string, unknown>) => void;

export interface LoadReport {
  backend: string;
  vms: number;
  /** VMs dropped because their machine is no longer in the CSV. */
  dropped_vms: number;
  /** Machines whose stored allocation did not match their VMs and was corrected. */
  reconciled: number;
}

/**
 * Lays a snapshot over a freshly built table and empty ledger: stored machine states, then
 * stored VMs (dropping those whose machine is gone or that are not valid). Returns the deletes
 * that take the dropped VMs out of the backend too.
 */
export function overlaySnapshot(
  snapshot: BackendSnapshot,
  table: MachineTable,
  ledger: VmLedger,
  warn: Warn,
): BackendOp[] {
  for (const [id, state] of snapshot.machines) {
    const m = table.get(id);
    if (!m) continue; // a machine taken out of the CSV: its state no longer matters
    if (!isValidState(state)) {
      warn('ignoring a stored machine state that is not valid', { machine: id });
      continue;
    }
    m.version = state.version;
    m.operator_status = state.operator_status;
    table.setAllocation(m, state.cores_allocated, state.memory_allocated_gb, state.vm_count, state.updated_at);
  }
  for (const [code, status] of snapshot.regions ?? []) {
    const index = table.regions.find((r) => r.spec.code === code);
    if (index && typeof status === 'string' && status.trim() !== '') index.status = status;
  }
  const dropped: BackendOp[] = [];
  for (const stored of snapshot.vms) {
    const m = stored && typeof stored === 'object' ? table.get(stored.machine_id) : undefined;
    if (!m) {
      warn('dropping a stored VM whose machine is no longer in the regions file', {
        vm: stored?.id,
        machine: stored?.machine_id,
      });
      if (typeof stored?.id === 'string') dropped.push({ t: 'vm-delete', id: stored.id });
      continue;
    }
    let vm: Vm;
    try {
      // A machine may have moved region in the CSV: the VM follows its machine.
      vm = checkVm({ ...stored, region: m.region }, (id) => table.get(id));
    } catch (err) {
      warn('dropping a stored VM that is not valid', { vm: stored.id, reason: (err as Error).message });
      if (typeof stored.id === 'string') dropped.push({ t: 'vm-delete', id: stored.id });
      continue;
    }
    const key = typeof stored.idempotency_key === 'string' ? stored.idempotency_key : undefined;
    ledger.add(vm, key !== undefined && IDEMPOTENCY_KEY_PATTERN.test(key) && !ledger.hasKey(key) ? key : undefined);
  }
  return dropped;
}

/** Says which machines hold more VMs than the regions file now gives them (kept, not dropped). */
export function warnOverCapacity(table: MachineTable, ledger: VmLedger, warn: Warn): void {
  for (const m of table.machines) {
    const sum = ledger.sum(m.id);
    if (sum.cores > m.cores_total || sum.memory_gb > m.memory_total_gb) {
      warn('a machine holds more VMs than its capacity in the regions file', {
        machine: m.id,
        cores: `${sum.cores}/${m.cores_total}`,
        memory_gb: `${sum.memory_gb}/${m.memory_total_gb}`,
      });
    }
  }
}

/** Sets every machine whose allocation differs from its VMs' sum to that sum; returns them. */
export function allocateFromVms(table: MachineTable, ledger: VmLedger, at: () => string): MachineRecord[] {
  const changed: MachineRecord[] = [];
  for (const m of table.machines) {
    const sum = ledger.sum(m.id);
    if (m.cores_allocated === sum.cores && m.memory_allocated_gb === sum.memory_gb && m.vm_count === sum.count)
      continue;
    table.setAllocation(m, sum.cores, sum.memory_gb, sum.count, at());
    changed.push(m);
  }
  return changed;
}
