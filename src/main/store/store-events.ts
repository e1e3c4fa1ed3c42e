// The events the store publishes that are built from what another thread sent: checked here
// so a malformed message from a peer is refused (or skipped) rather than published.

import { ApiError } from '../../shared/errors';
import type { Transition } from '../../shared/lifecycle';
import type { ActorRestart, StoreEvent, Vm } from '../../shared/types';
import { type MachineRecord, machineView } from './machine-record';
import type { RegionIndex } from './region-index';
import type { Warn } from './restore';

/** One `vm` event per transition, each carrying the record as it was in that state. */
export function transitionEvents(vm: Vm, transitions: readonly Transition[] | undefined, now: string): StoreEvent[] {
  if (!Array.isArray(transitions)) return [];
  const out: StoreEvent[] = [];
  for (const t of transitions) {
    if (!t || typeof t !== 'object') continue;
    const at = typeof t.at === 'string' ? t.at : now;
    const event: StoreEvent = { type: 'vm', seq: 0, at, vm: { ...vm, state: t.to }, from: t.from ?? null, to: t.to };
    if (t.reason) event.reason = t.reason;
    out.push(event);
  }
  return out;
}

/** A supervision event (not stored: it is news, not state). Throws bad_request on a malformed one. */
export function actorEvent(restart: ActorRestart, at: string): StoreEvent {
  if (typeof restart !== 'object' || restart === null || typeof restart.actor !== 'string') {
    throw new ApiError('bad_request', 'an actor restart must be an object with an actor name');
  }
  return {
    type: 'actor',
    seq: 0,
    at,
    actor: restart.actor,
    machine_id: String(restart.machine_id),
    cause: String(restart.cause),
    restarts: Number(restart.restarts) || 0,
  };
}

/** A machine's change as news, with its region's figures after it. */
export function machineEvent(m: MachineRecord, region: RegionIndex): StoreEvent {
  return { type: 'machine', seq: 0, at: m.updated_at, machine: machineView(m), region: region.view() };
}

/** Runs a durable write; a failure is logged and becomes `unavailable`, naming what was not done. */
export async function unavailableUnless(what: string, write: () => Promise<void>, warn: Warn): Promise<void> {
  try {
    await write();
  } catch (err) {
    // A shared store's refusal (another host filled the machine first): nothing was written, and
    // the orchestrator places the launch again instead of treating the store as broken.
    const { code, allocation } = err as { code?: unknown; allocation?: unknown };
    const lost = code === 'no_room';
    if (!lost) warn(`could not ${what}`, { reason: (err as Error).message });
    // With the machine's allocation as the store judged it, so MachineD adopts it at once.
    const details = lost ? (allocation ? { lost_race: true, allocation } : { lost_race: true }) : undefined;
    throw new ApiError('unavailable', `the store could not ${what}: ${(err as Error).message}`, details);
  }
}
