// Machine faults: drain (no new VMs, its VMs keep running), offline (its VMs fail with reason
// host_offline and release what they held; with evacuate, each is replaced through the normal
// placement path) and online (back in service; failed VMs stay failed). MachineD's schedulable
// flag changes first, in line with its allocations, so no launch can slip onto a machine the
// store already calls draining or offline; then the store records the status durably.

import { ApiError } from '../../shared/errors';
import {
  type Evacuee,
  HOST_OFFLINE,
  isMachineAction,
  MACHINE_ACTIONS,
  type MachineActionReport,
  statusAfter,
} from '../../shared/faults';
import { takesNewVms } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { Vm } from '../../shared/types';
import type { Logger } from '../common/log';
import type { InOrder } from './in-order';
import { setSchedulable } from './machined';
import type { Registry } from './registry';

export interface MachineFaultDeps {
  store: Remote<StoreService>;
  registry: Registry;
  inOrder: InOrder;
  /** Fails every VM on the machine that holds resources, with `reason`; returns them failed. */
  failHolding(machineId: string, reason: string): Promise<Vm[]>;
  /** Launches a VM of the same size in the same region through normal placement. */
  relaunch(vm: Vm): Promise<Vm>;
  log: Logger;
}

export interface MachineActionOptions {
  evacuate?: boolean;
}

export async function machineAction(
  deps: MachineFaultDeps,
  id: string,
  action: string,
  options: MachineActionOptions = {},
): Promise<MachineActionReport> {
  if (!isMachineAction(action)) {
    throw new ApiError('bad_request', `machine action must be one of ${MACHINE_ACTIONS.join(', ')}`, {
      field: 'action',
    });
  }
  if (options.evacuate !== undefined && typeof options.evacuate !== 'boolean') {
    throw new ApiError('bad_request', 'evacuate must be true or false', { field: 'evacuate' });
  }
  if (options.evacuate && action !== 'offline') {
    throw new ApiError('bad_request', 'evacuate goes with offline only', { field: 'evacuate' });
  }
  const entry = typeof id === 'string' ? deps.registry.get(id) : undefined;
  if (!entry) throw new ApiError('not_found', `no machine with id ${JSON.stringify(String(id)).slice(0, 80)}`);
  // One action at a time per machine: an offline's failing and evacuating never interleave
  // with an online of the same machine.
  return deps.inOrder.run(`machine:${entry.record.id}`, async () => {
    const status = statusAfter(action);
    const before = entry.capacity.schedulable;
    const schedulable = takesNewVms(status);
    await setSchedulable(entry.machined, schedulable);
    let machine: Awaited<ReturnType<StoreService['setMachineStatus']>>;
    try {
      machine = await deps.store.setMachineStatus(entry.record.id, status);
    } catch (err) {
      // Not recorded: the machine keeps taking (or refusing) VMs as the store still says.
      await setSchedulable(entry.machined, before).catch(() => {});
      throw err;
    }
    deps.log.info(`machine ${action}`, { machine: entry.record.id, status });
    const failed = action === 'offline' ? await deps.failHolding(entry.record.id, HOST_OFFLINE) : [];
    const evacuated: Evacuee[] = [];
    if (options.evacuate) {
      // One at a time, so each replacement sees what the previous one took.
      for (const vm of failed) {
        try {
          evacuated.push({ vm_id: vm.id, replacement: await deps.relaunch(vm) });
        } catch (err) {
          evacuated.push({ vm_id: vm.id, error: (err as Error).message });
        }
      }
    }
    // The store's machine record after the VMs were failed (its allocation lags by one FlyD tick).
    return { action, machine, failed, evacuated };
  });
}
