// How the lifecycle engine reads what happened: a store error that may hide a landed write, and
// a VM resting where a wait can never be met.

import { ApiError } from '../../shared/errors';
import { isTransient, type LifecycleState } from '../../shared/lifecycle';

/** A write that may have landed although its caller heard an error. */
export function isUnknownOutcome(err: unknown): boolean {
  const code = (err as ApiError)?.code;
  return code === 'unavailable' || code === 'timeout';
}

/** An error when the VM rests somewhere it cannot leave on its own towards the target. */
export function deadEnd(vm: { id: string; state: LifecycleState; reason?: string }, target: string): ApiError | null {
  if (isTransient(vm.state)) return null;
  // A persistent state only moves when asked (or by a fault); waiting for another state from
  // failed or destroyed will never end, so say so now rather than at the timeout.
  if (vm.state !== 'failed' && vm.state !== 'destroyed') return null;
  const why = vm.reason ? ` (${vm.reason})` : '';
  return new ApiError('invalid_state', `${vm.id} is ${vm.state}${why}; it will not become ${target}`, {
    vm_id: vm.id,
    state: vm.state,
    reason: vm.reason,
  });
}
