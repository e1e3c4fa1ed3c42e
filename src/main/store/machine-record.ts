// One machine as the store keeps it: its bootstrap row, the operator's word, and the allocation
// the last FlyD update reported. Also how a record is shown to callers and stored on disk.

import { ApiError } from '../../shared/errors';
import type { Machine, MachineStatus, MachineUpdate } from '../../shared/types';
import type { MachineState } from './backend';
import { isOperatorStatus, type MachineSpec, type OperatorStatus } from './fleet-data';
import { requireWhole } from './values';

/** Free memory below this counts as full: VMs are sized in whole GB. */
const MIN_FREE_MEMORY_GB = 1;

export interface MachineRecord {
  readonly id: string;
  readonly region: string;
  readonly datacenter: string;
  readonly cores_total: number;
  readonly memory_total_gb: number;
  /** The CSV's status; operator_status overrides it at runtime. */
  readonly bootstrap_status: OperatorStatus;
  operator_status: OperatorStatus | null;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  updated_at: string;
  version: number;
  status: MachineStatus;
  /** Its position in its region's list (the region's free index's slot). */
  slot: number;
  /**
   * The free cores and memory its region last counted for it (RegionIndex.share), so a change
   * swaps exactly that part; NaN when it counted nothing (it takes no VMs).
   */
  counted_cores: number;
  counted_memory_gb: number;
}

/** Status from the operator's word and the allocation, in that order. */
export function deriveStatus(m: {
  operator_status: OperatorStatus | null;
  bootstrap_status: OperatorStatus;
  cores_total: number;
  cores_allocated: number;
  memory_total_gb: number;
  memory_allocated_gb: number;
  vm_count: number;
}): MachineStatus {
  const op = m.operator_status ?? m.bootstrap_status;
  if (op !== 'available') return op;
  if (m.cores_allocated === 0 && m.memory_allocated_gb === 0 && m.vm_count === 0) return 'available';
  if (m.cores_total - m.cores_allocated <= 0 || m.memory_total_gb - m.memory_allocated_gb < MIN_FREE_MEMORY_GB)
    return 'full';
  return 'allocated';
}

export function newRecord(spec: MachineSpec, at: string): MachineRecord {
  const m: MachineRecord = {
    id: spec.id,
    region: spec.region,
    datacenter: spec.datacenter,
    cores_total: spec.cores,
    memory_total_gb: spec.memory_gb,
    bootstrap_status: spec.status,
    operator_status: null,
    cores_allocated: 0,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: at,
    version: 0,
    status: 'available',
    slot: -1,
    counted_cores: Number.NaN,
    counted_memory_gb: Number.NaN,
  };
  m.status = deriveStatus(m);
  return m;
}

/** The record as callers see it: a copy, without the store's bookkeeping. */
export function machineView(m: MachineRecord): Machine {
  return {
    id: m.id,
    region: m.region,
    datacenter: m.datacenter,
    status: m.status,
    cores_total: m.cores_total,
    cores_allocated: m.cores_allocated,
    memory_total_gb: m.memory_total_gb,
    memory_allocated_gb: m.memory_allocated_gb,
    vm_count: m.vm_count,
    updated_at: m.updated_at,
  };
}

/** What of a record the backend keeps (the rest comes from the CSV at every start). */
export function storedState(m: MachineRecord): MachineState {
  return {
    version: m.version,
    cores_allocated: m.cores_allocated,
    memory_allocated_gb: m.memory_allocated_gb,
    vm_count: m.vm_count,
    updated_at: m.updated_at,
    operator_status: m.operator_status,
  };
}

export function isValidState(s: MachineState): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const whole = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  return (
    whole(s.version) &&
    whole(s.cores_allocated) &&
    whole(s.memory_allocated_gb) &&
    whole(s.vm_count) &&
    typeof s.updated_at === 'string' &&
    (s.operator_status === null || isOperatorStatus(s.operator_status))
  );
}

/** Throws bad_request unless a FlyD update's figures are whole numbers within the machine. */
export function checkUpdateFits(update: MachineUpdate, m: MachineRecord): void {
  requireWhole('update cores_allocated', update.cores_allocated);
  requireWhole('update memory_allocated_gb', update.memory_allocated_gb);
  requireWhole('update vm_count', update.vm_count);
  if (update.cores_allocated > m.cores_total) {
    throw new ApiError(
      'bad_request',
      `update allocates ${update.cores_allocated} cores on ${m.id}, which has ${m.cores_total}`,
    );
  }
  if (update.memory_allocated_gb > m.memory_total_gb) {
    throw new ApiError(
      'bad_request',
      `update allocates ${update.memory_allocated_gb} GB on ${m.id}, which has ${m.memory_total_gb} GB`,
    );
  }
}
