// A VM record as the store accepts it: every field checked against the machine it names, then
// rebuilt from known fields only, so nothing a caller adds is ever stored.

import { ApiError } from '../../shared/errors';
import { timeMs } from '../../shared/iso-time';
import { isLifecycleState, LIFECYCLE_STATES, TERMINAL_STATE } from '../../shared/lifecycle';
import type { Vm } from '../../shared/types';
import { VM_ID_PATTERN, VM_ID_RULE } from '../../shared/validation';
import type { MachineRecord } from './machine-record';
import { cmp, known, show } from './values';

/** The VM as it will be stored; throws bad_request or not_found on the first field that is wrong. */
export function checkVm(vm: Vm, machineOf: (id: string) => MachineRecord | undefined): Vm {
  if (typeof vm !== 'object' || vm === null) throw new ApiError('bad_request', 'a VM must be an object');
  if (typeof vm.id !== 'string' || !VM_ID_PATTERN.test(vm.id)) {
    throw new ApiError('bad_request', `VM id ${show(vm.id)} is not valid (${VM_ID_RULE})`);
  }
  const m = machineOf(vm.machine_id);
  if (!m) throw new ApiError('not_found', `VM ${vm.id} names machine ${show(vm.machine_id)}, which does not exist`);
  if (typeof vm.region !== 'string' || vm.region.toUpperCase() !== m.region) {
    throw new ApiError(
      'bad_request',
      `VM ${vm.id} says region ${show(vm.region)} but machine ${m.id} is in ${m.region}`,
    );
  }
  for (const [name, v] of [
    ['memory_gb', vm.memory_gb],
    ['cores', vm.cores],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new ApiError('bad_request', `VM ${name} ${show(v)} is not valid (a whole number >= 1)`);
  }
  // Records written before the lifecycle existed say 'running': that is `started` now.
  const state = (vm.state as string) === 'running' ? 'started' : vm.state;
  if (!isLifecycleState(state) || state === TERMINAL_STATE) {
    const allowed = LIFECYCLE_STATES.filter((s) => s !== TERMINAL_STATE).join(', ');
    throw new ApiError('bad_request', `VM state ${show(vm.state)} is not valid (${allowed})`);
  }
  if (vm.reason !== undefined && (typeof vm.reason !== 'string' || !REASON.test(vm.reason))) {
    throw new ApiError('bad_request', `VM reason ${show(vm.reason)} is not valid (1 to 64 of a-z, 0-9, '_')`);
  }
  if (typeof vm.created_at !== 'string' || Number.isNaN(timeMs(vm.created_at))) {
    throw new ApiError('bad_request', `VM created_at ${show(vm.created_at)} is not an RFC 3339 time`);
  }
  if (vm.updated_at !== undefined && (typeof vm.updated_at !== 'string' || Number.isNaN(timeMs(vm.updated_at)))) {
    throw new ApiError('bad_request', `VM updated_at ${show(vm.updated_at)} is not an RFC 3339 time`);
  }
  // Shared strings where the record allows (the machine's, the state's constant, one time
  // for both stamps while they are equal): 100k VMs otherwise hold 100k copies of each.
  const out: Vm = {
    id: vm.id,
    region: m.region,
    machine_id: m.id,
    memory_gb: vm.memory_gb,
    cores: vm.cores,
    state: known(state),
    created_at: vm.created_at,
    updated_at: vm.updated_at === undefined || vm.updated_at === vm.created_at ? vm.created_at : vm.updated_at,
  };
  if (vm.reason !== undefined) out.reason = vm.reason;
  return out;
}

const REASON = /^[a-z0-9_]{1,64}$/;

export function sameVm(a: Vm, b: Vm): boolean {
  return (
    a.id === b.id &&
    a.region === b.region &&
    a.machine_id === b.machine_id &&
    a.memory_gb === b.memory_gb &&
    a.cores === b.cores &&
    a.state === b.state &&
    a.reason === b.reason &&
    a.created_at === b.created_at
  );
}

/** Oldest first; ties by id, so a listing is the same every time. */
export function byCreated(a: Vm, b: Vm): number {
  return cmp(a.created_at, b.created_at) || cmp(a.id, b.id);
}
