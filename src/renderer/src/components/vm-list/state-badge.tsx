// A VM's state as a coloured badge: green started, amber (pulsing) on its way somewhere, red
// failed (with the reason), grey stopped, blue suspended or created.

import { isTransient, type LifecycleState } from '../../../../shared/lifecycle';

export function stateTone(state: string): string {
  if (state === 'started') return 'ok';
  if (state === 'failed') return 'bad';
  if (state === 'stopped' || state === 'destroyed') return 'off';
  if (state === 'suspended' || state === 'created') return 'info';
  return isTransient(state as LifecycleState) ? 'busy' : 'off';
}

export function StateBadge({ state, reason }: { state: string; reason?: string }) {
  const tone = stateTone(state);
  return (
    <span
      className={`vm-state vm-state-${tone}`}
      data-testid="vm-state"
      data-state={state}
      title={reason ? `${state}: ${reason}` : state}
    >
      {state}
      {reason && state === 'failed' && <span className="vm-state-reason">{reason}</span>}
    </span>
  );
}
