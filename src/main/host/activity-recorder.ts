// Store events in the event log's words. The store publishes state (a machine's new
// allocation, a VM's new state); the log wants news: a machine that went offline, not each of
// its FlyD flushes. So allocation updates are dropped and only status changes into or out of
// an operator's fault status (draining, offline, maintenance) are kept.

import type { ActivityInput } from '../../shared/activity';
import type { StoreEvent } from '../../shared/types';

const FAULT_STATUSES = new Set(['maintenance', 'draining', 'offline']);

export class ActivityRecorder {
  /** Each machine's last status seen, to tell a fault from an allocation change. */
  private readonly machineStatus = new Map<string, string>();

  constructor(private readonly record: (e: ActivityInput) => void) {}

  storeEvent(e: StoreEvent): void {
    const input = this.translate(e);
    if (input) this.record(input);
  }

  private translate(e: StoreEvent): ActivityInput | null {
    switch (e.type) {
      case 'reset':
        this.machineStatus.clear();
        return { at: e.at, kind: 'reset', message: 'fleet reset to its bootstrap state: every VM destroyed' };
      case 'machine': {
        const { id, status, region } = e.machine;
        const before = this.machineStatus.get(id);
        this.machineStatus.set(id, status);
        const wasFault = before !== undefined && FAULT_STATUSES.has(before);
        const isFault = FAULT_STATUSES.has(status);
        // An unseen machine already in a fault status is news once: the host may have missed the change.
        if (before === status || (!isFault && !wasFault)) return null;
        const message = isFault
          ? `machine ${id} is ${status}${before ? ` (was ${before})` : ''}`
          : `machine ${id} is back in service (${status}; was ${before})`;
        return { at: e.at, kind: 'fault', message, region, machine_id: id, from: before ?? null, to: status };
      }
      default:
        return null;
    }
  }
}
