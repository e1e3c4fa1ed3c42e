// A machine's VMs on its card: one chip per VM in its state's colour (transient states pulse,
// failed stands out, its reason in the tooltip) and the count per state. A chip keeps its place
// as its VM changes state, and the change itself plays once (keyed by the state), so a
// transition is seen; under a stream the chips keep still (state/motion.ts), and
// prefers-reduced-motion stops all of it (base.css).

import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { isTransient } from '../../../shared/lifecycle';
import type { Vm } from '../../../shared/types';
import { useCalm, useRuntime } from '../hooks';
import { chipOrder, chipTitle, countByState } from '../state/ops-wording';

/** Chips drawn per card; more are counted as "+N". */
const MAX_CHIPS = 40;

/**
 * `calm`: changes stream in (state/motion.ts), and the chip takes its state without popping in
 * or pinging. What the chip saw while calm it does not play later either: once the stream
 * stops, every chip on screen would otherwise pop and ping at once for changes long past.
 */
const Chip = memo(function Chip({ vm, calm }: { vm: Vm; calm: boolean }) {
  const [popsIn] = useState(!calm);
  const quietState = useRef<string | null>(calm ? vm.state : null);
  if (calm) quietState.current = vm.state;
  const ping = !calm && vm.state !== quietState.current;
  return (
    <li
      className={`vm-chip s-${vm.state}${popsIn ? ' is-new' : ''}${isTransient(vm.state) ? ' is-transient' : ''}`}
      title={chipTitle(vm)}
      aria-label={chipTitle(vm)}
      data-testid="vm-chip"
      data-vm-id={vm.id}
      data-state={vm.state}
    >
      {ping && <span key={vm.state} className="vm-chip-pulse" aria-hidden="true" />}
    </li>
  );
});

export const VmChips = memo(function VmChips({ machineId }: { machineId: string }) {
  const { vms } = useRuntime();
  // The index holds the VMs of the machines on screen: this card's, while it is shown.
  useEffect(() => vms.watch(machineId), [vms, machineId]);
  const mine = useStore(vms.store, (s) => s.byMachine[machineId]);
  const calm = useCalm();
  const list = useMemo(() => (mine ? chipOrder(Object.values(mine)) : []), [mine]);
  // Failed VMs get their own line with the reasons, so they are not counted twice.
  const counts = useMemo(() => countByState(list).filter((c) => c.state !== 'failed'), [list]);
  if (list.length === 0) return null;
  const failed = list.filter((v) => v.state === 'failed');
  const reasons = [...new Set(failed.map((v) => v.reason ?? 'unknown'))];
  return (
    <div className="vm-states" data-testid="vm-states">
      <ul className="vm-chips" aria-label={`VMs on ${machineId}`}>
        {list.slice(0, MAX_CHIPS).map((vm) => (
          <Chip key={vm.id} vm={vm} calm={calm} />
        ))}
        {list.length > MAX_CHIPS && <li className="vm-chip-more">+{list.length - MAX_CHIPS}</li>}
      </ul>
      <div className="vm-counts">
        {counts.map((c) => (
          <span
            key={c.state}
            className={`vm-count s-${c.state}${c.transient ? ' is-transient' : ''}`}
            data-testid="vm-count"
            data-state={c.state}
            data-count={c.count}
          >
            <span className="vm-count-dot" aria-hidden="true" />
            {c.count} {c.state}
          </span>
        ))}
      </div>
      {failed.length > 0 && (
        <div className="vm-failed" data-testid="vm-failed" title={failed.map(chipTitle).join('\n')}>
          {failed.length} failed: {reasons.join(', ')}
        </div>
      )}
    </div>
  );
});
