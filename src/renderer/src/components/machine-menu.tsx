// A machine card's menu: drain, offline (with or without evacuation), online. Going offline
// fails the machine's VMs, so it asks first, naming how many; the outcome is a toast.

import type { MachineAction } from '../../../shared/faults';
import type { Machine } from '../../../shared/types';
import { useRuntime } from '../hooks';
import { type MachineOp, machineActionNotice, machineConfirmation, machineOpEnabled } from '../state/ops-wording';
import { ActionMenu, type MenuItem } from './action-menu';

const LABELS: Record<MachineOp, string> = {
  drain: 'Drain',
  offline: 'Take offline…',
  evacuate: 'Take offline and evacuate…',
  online: 'Bring online',
};

const HINTS: Partial<Record<MachineOp, string>> = {
  drain: 'no new VMs',
  offline: 'VMs fail',
  evacuate: 'VMs re-placed',
};

export function MachineMenu({ machine }: { machine: Machine }) {
  const { client, ops } = useRuntime();
  const run = (op: MachineOp) => {
    const action: MachineAction = op === 'evacuate' ? 'offline' : op;
    const evacuate = op === 'evacuate';
    // The count is read when the menu is used: the card may have changed since it was drawn.
    void ops.perform(
      machineConfirmation(machine, op),
      () => client.api.machineAction(machine.id, action, evacuate ? { evacuate: true } : undefined),
      (report) => machineActionNotice(report, evacuate),
    );
  };
  const items: MenuItem[] = (['drain', 'offline', 'evacuate', 'online'] as const).map((op) => ({
    id: `machine-${op}`,
    label: LABELS[op],
    hint: HINTS[op],
    danger: op === 'offline' || op === 'evacuate',
    separated: op === 'online',
    disabled: !machineOpEnabled(machine.status, op),
    onSelect: () => run(op),
  }));
  return (
    <ActionMenu label={`Actions for machine ${machine.id}`} testId="machine-menu" items={items} heading={machine.id} />
  );
}
