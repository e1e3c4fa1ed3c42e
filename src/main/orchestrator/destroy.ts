// Destroying a VM: delete its record in the store, then free its machine in MachineD. Destroys
// of one id run one at a time, so the machine is freed exactly once however often the caller
// retries and whatever answers the store loses.

import { ApiError, toErrorBody } from '../../shared/errors';
import type { Vm } from '../../shared/types';
import { release } from './machined';
import { checkVmId } from './request';
import type { VmDeps } from './vm-deps';

export async function destroy(deps: VmDeps, id: string): Promise<Vm> {
  const vmId = checkVmId(id);
  return deps.inOrder.run(`vm:${vmId}`, () => destroyOnce(deps, vmId));
}

async function destroyOnce(deps: VmDeps, id: string): Promise<Vm> {
  const { store, unsettled, log } = deps;
  const vm = await store.vm(id);
  const entry = deps.registry.get(vm.machine_id);
  const free = () =>
    entry &&
    release(entry.machined, vm.memory_gb, vm.cores).catch((err) =>
      log.error('release failed after destroy', {
        vm: id,
        machine: vm.machine_id,
        error: toErrorBody(err).message,
      }),
    );
  // Deleted now or already gone (an earlier delete whose answer was lost): either way the
  // machine is freed exactly once, because destroys of one id run one at a time.
  const finish = async () => {
    await store.deleteVm(id).catch((e) => {
      if (toErrorBody(e).code !== 'not_found') throw e;
    });
    unsettled.drop(`destroy:${id}`);
    await free();
  };
  try {
    await store.deleteVm(id);
  } catch (err) {
    if (toErrorBody(err).code === 'not_found') throw err;
    // Unknown outcome: the store died or timed out mid-delete. Finish it now if the store
    // answers, else on a later tick; the caller hears unavailable meanwhile.
    try {
      await finish();
    } catch {
      const later = `destroy:${id}`;
      // In line with the user's own retries; one that succeeded first has dropped this entry.
      unsettled.add(later, () =>
        deps.inOrder.run(`vm:${id}`, async () => {
          if (unsettled.has(later)) await finish();
        }),
      );
      throw new ApiError(
        'unavailable',
        `the store did not confirm the destroy (${toErrorBody(err).message}); ${id} will be destroyed when it answers again`,
        { vm_id: id },
      );
    }
    return { ...vm, state: 'destroyed' };
  }
  unsettled.drop(`destroy:${id}`);
  if (!entry) {
    log.warn('destroyed a VM on a machine this host does not run', { vm: id, machine: vm.machine_id });
  } else await free();
  return { ...vm, state: 'destroyed' };
}
