import { memo } from 'react';
import { machineCondition } from '../../../shared/machine-status';
import type { Machine } from '../../../shared/types';
import { formatAgo, formatCount } from '../format';
import { useNow } from '../hooks';
import { MachineMenu } from './machine-menu';
import { AllocationBars } from './UsageBar';
import { VmChips } from './vm-chips';

function Ago({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {formatAgo(iso, now)}
    </time>
  );
}

/**
 * One machine. `change` counts the events that moved it: the flash overlay is keyed by it, so
 * each change restarts the animation without timers. `focused` marks the machine the palette
 * went to (a VM id when it went there for that VM).
 */
export const MachineCard = memo(function MachineCard({
  machine: m,
  change,
  focused = false,
}: {
  machine: Machine;
  change: number;
  focused?: boolean | string;
}) {
  const allocated = m.cores_allocated > 0 || m.memory_allocated_gb > 0 || m.vm_count > 0;
  const tone = machineCondition(m.status);
  return (
    <article
      className={`machine tone-${tone}${allocated ? ' is-allocated' : ''}${focused ? ' is-focused' : ''}`}
      data-focused={focused ? 'true' : undefined}
      data-testid="machine-card"
      data-machine-id={m.id}
      data-status={m.status}
      data-cores-allocated={m.cores_allocated}
      data-memory-allocated={m.memory_allocated_gb}
      data-vms={m.vm_count}
      data-changes={change}
      aria-label={`Machine ${m.id}`}
    >
      {change > 0 && <span key={change} className="flash" aria-hidden="true" />}
      <header className="machine-head">
        <span className="machine-id mono" title={m.id}>
          {m.id}
        </span>
        <span className={`pill pill-${tone}`} data-testid="machine-status">
          {m.status}
        </span>
        <MachineMenu machine={m} />
      </header>
      <div className="machine-meta">
        <span title="Datacenter">{m.datacenter}</span>
        <span className="sep">·</span>
        <span className={m.vm_count > 0 ? 'vms is-used' : 'vms'} data-testid="machine-vms">
          {formatCount(m.vm_count)} {m.vm_count === 1 ? 'VM' : 'VMs'}
        </span>
      </div>
      <AllocationBars of={m} />
      <VmChips machineId={m.id} />
      {typeof focused === 'string' && (
        <div className="machine-focus-vm" data-testid="machine-focus-vm">
          runs <span className="mono">{focused}</span>
        </div>
      )}
      <footer className="machine-foot">
        updated <Ago iso={m.updated_at} />
      </footer>
    </article>
  );
});
