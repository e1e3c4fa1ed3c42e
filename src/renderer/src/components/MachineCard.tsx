import { memo } from 'react';
import { machineCondition } from '../../../shared/machine-status';
import type { Machine } from '../../../shared/types';
import { formatAgo, formatCount } from '../format';
import { useCalm, useNow } from '../hooks';
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
 * A change counts as recent this long: a card that comes into view (scrolled to, or its region's
 * machines just arrived) within it still flashes for its change.
 */
const RECENT_MS = 3000;
/** Under a stream (calm) a changed card is outlined until the clock's first tick this long after. */
const CALM_MARK_MS = 1000;

/**
 * What shows that the card just changed. While changes come one at a time, a flash that fades
 * (keyed by the change count, so each change restarts it). While they stream in (state/motion.ts),
 * a static outline that the clock's tick takes away a second or two later: no animation frames,
 * and it goes in the frame that redraws the card's "updated … ago" anyway.
 */
function ChangeMark({ change, at }: { change: number; at: number | undefined }) {
  const calm = useCalm();
  // Re-checked once a second, so a mark goes when it is no longer recent.
  useNow();
  if (at === undefined) return null;
  const age = Date.now() - at;
  if (calm) return age < CALM_MARK_MS ? <span className="flash is-static" aria-hidden="true" /> : null;
  return age < RECENT_MS ? <span key={change} className="flash" aria-hidden="true" /> : null;
}

/**
 * One machine. `change` counts the events that moved it, `changedAt` says when the last one came
 * (ChangeMark shows it). `focused` marks the machine the palette
 * went to (a VM id when it went there for that VM).
 */
export const MachineCard = memo(function MachineCard({
  machine: m,
  change,
  changedAt,
  focused = false,
}: {
  machine: Machine;
  change: number;
  changedAt?: number;
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
      {/* Only a card that has changed watches the clock for its mark. */}
      {change > 0 && <ChangeMark change={change} at={changedAt} />}
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
