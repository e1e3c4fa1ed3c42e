import { memo } from 'react';
import type { Machine } from '../../../shared/types';
import { formatAgo, formatCount, formatGb } from '../format';
import { useNow } from '../hooks';
import { UsageBar } from './UsageBar';

function Ago({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {formatAgo(iso, now)}
    </time>
  );
}

/** Machine status colour: allocated in the allocation colour, trouble in amber or red. */
export function machineTone(status: string): 'free' | 'alloc' | 'full' | 'maint' | 'off' {
  switch (status) {
    case 'available':
      return 'free';
    case 'allocated':
      return 'alloc';
    case 'full':
      return 'full';
    case 'maintenance':
      return 'maint';
    default:
      return 'off'; // offline, or anything this version does not know
  }
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
  const tone = machineTone(m.status);
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
      </header>
      <div className="machine-meta">
        <span title="Datacenter">{m.datacenter}</span>
        <span className="sep">·</span>
        <span className={m.vm_count > 0 ? 'vms is-used' : 'vms'} data-testid="machine-vms">
          {formatCount(m.vm_count)} {m.vm_count === 1 ? 'VM' : 'VMs'}
        </span>
      </div>
      <UsageBar kind="cores" used={m.cores_allocated} total={m.cores_total} format={formatCount} testId="cores-bar" />
      <UsageBar
        kind="memory"
        used={m.memory_allocated_gb}
        total={m.memory_total_gb}
        format={formatGb}
        testId="memory-bar"
      />
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
