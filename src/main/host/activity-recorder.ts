// Store events in the event log's words. The store publishes state (a machine's new
// allocation, a VM's new state); the log wants news: a machine that went offline, not each of
// its FlyD flushes. So allocation updates are dropped and only status changes into or out of
// an operator's fault status (draining, offline, maintenance) are kept.

import type { ActivityInput } from '../../shared/activity';
import type { StoreEvent } from '../../shared/types';

const FAULT_STATUSES = new Set(['maintenance', 'draining', 'offline']);
/** One string per status a machine can have: each event's is a copy, and 100k machines are kept. */
const STATUS_NAMES = new Map(['available', 'allocated', 'full', ...FAULT_STATUSES].map((s) => [s, s]));

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
        this.machineStatus.set(id, STATUS_NAMES.get(status) ?? status);
        const wasFault = before !== undefined && FAULT_STATUSES.has(before);
        const isFault = FAULT_STATUSES.has(status);
        // An unseen machine already in a fault status is news once: the host may have missed the change.
        if (before === status || (!isFault && !wasFault)) return null;
        const message = isFault
          ? `machine ${id} is ${status}${before ? ` (was ${before})` : ''}`
          : `machine ${id} is back in service (${status}; was ${before})`;
        return { at: e.at, kind: 'fault', message, region, machine_id: id, from: before ?? null, to: status };
      }
      case 'vm':
        return vmNews(e);
      case 'region': {
        const { code, status } = e.region;
        const ok = status === 'Operational';
        return {
          at: e.at,
          kind: 'fault',
          region: code,
          to: status,
          message: ok ? `region ${code} is operational again` : `region ${code} is ${status}`,
        };
      }
      case 'actor':
        return {
          at: e.at,
          kind: 'restart',
          machine_id: e.machine_id,
          worker: e.actor,
          reason: e.cause,
          message: `${e.actor} crashed (${e.cause}) and was restarted by its supervisor`,
        };
      default:
        return null;
    }
  }
}

/**
 * A VM's transition: its launch (from nothing), a destroy, a failure (a fault), or a step between.
 * Four of these a launch, on the host thread: one object literal each (no spreads), with the
 * fields in the order the event log has always shown them.
 */
function vmNews(e: Extract<StoreEvent, { type: 'vm' }>): ActivityInput {
  const { vm, from, to, reason } = e;
  const why = reason ?? vm.reason;
  let kind: ActivityInput['kind'];
  let message: string;
  if (from === null) {
    kind = 'launch';
    message = `${vm.id} launched on ${vm.machine_id}: ${vm.cores} ${vm.cores === 1 ? 'core' : 'cores'}, ${vm.memory_gb} GB → ${to}`;
  } else {
    const because = why ? ` (${why})` : '';
    if (to === 'destroyed') [kind, message] = ['destroy', `${vm.id} destroyed (was ${from})${because}`];
    else if (to === 'failed') [kind, message] = ['fault', `${vm.id} failed while ${from}${because}`];
    else [kind, message] = ['transition', `${vm.id} ${from} → ${to}${because}`];
  }
  const { region, machine_id, id: vm_id } = vm;
  return why
    ? { at: e.at, region, machine_id, vm_id, from, to, reason: why, kind, message }
    : { at: e.at, region, machine_id, vm_id, from, to, kind, message };
}
