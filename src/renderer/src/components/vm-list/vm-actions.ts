// The VM operations as the list and the drawer offer them: which a state allows (the
// lifecycle's own rule), which ask first (destroy; a started VM needs force, as
// `fly machine destroy --force`), and the last outcome for the status line.

import { createStore } from 'zustand/vanilla';
import type { FlylightApi } from '../../../../shared/api';
import { allowedOperations, type LifecycleState, type Operation } from '../../../../shared/lifecycle';
import type { Vm } from '../../../../shared/types';
import { askConfirm } from '../confirm-dialog';

export const OP_LABEL: Record<Operation, string> = {
  start: 'Start',
  stop: 'Stop',
  suspend: 'Suspend',
  restart: 'Restart',
  destroy: 'Destroy',
};

/** The classes that draw an operation's icon on its button (styles/op-icons.css). */
export const opIconClass = (op: Operation): string => `op-icon op-icon-${op}`;

export interface ActionNote {
  vm: string;
  text: string;
  ok: boolean;
  at: number;
}

export const actionNotes = createStore<{ last: ActionNote | null }>(() => ({ last: null }));

export function allowed(vm: Vm): Set<Operation> {
  return new Set(allowedOperations(vm.state as LifecycleState));
}

const note = (vm: string, text: string, ok: boolean) =>
  actionNotes.setState({ last: { vm, text, ok, at: Date.now() } });

async function run(api: FlylightApi, vm: Vm, op: Operation, force: boolean): Promise<Vm> {
  try {
    const out = op === 'destroy' ? await api.destroy(vm.id, { force }) : await api.operate(vm.id, op);
    note(vm.id, `${OP_LABEL[op]}: ${vm.id} is ${out.state}`, true);
    return out;
  } catch (err) {
    note(vm.id, `${OP_LABEL[op]} ${vm.id} failed: ${(err as Error).message}`, false);
    throw err;
  }
}

/** Runs `op` on `vm`, asking first when it destroys. Failures land in actionNotes. */
export function operate(api: FlylightApi, vm: Vm, op: Operation): void {
  if (op !== 'destroy') {
    void run(api, vm, op, false).catch(() => {});
    return;
  }
  const started = vm.state === 'started';
  askConfirm({
    title: started ? `Force-destroy ${vm.id}?` : `Destroy ${vm.id}?`,
    body: started
      ? `${vm.id} is running on ${vm.machine_id}. Destroying a started VM needs force: it is stopped without a clean shutdown and removed.`
      : `${vm.id} (${vm.state}) on ${vm.machine_id} is removed.`,
    points: [
      `Its ${vm.cores} ${vm.cores === 1 ? 'core' : 'cores'} and ${vm.memory_gb} GB go back to ${vm.machine_id}.`,
      'Its id stops working; this cannot be undone.',
    ],
    confirmLabel: started ? 'Force destroy' : 'Destroy',
    danger: true,
    run: () => run(api, vm, 'destroy', started),
  });
}
