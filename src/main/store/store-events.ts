// The events the store publishes that are built from what another thread sent: checked here
// so a malformed message from a peer is refused (or skipped) rather than published.

import { ApiError } from '../../shared/errors';
import type { Transition } from '../../shared/lifecycle';
import type { ActorRestart, StoreEvent, Vm } from '../../shared/types';

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
