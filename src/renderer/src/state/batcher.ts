// Buffers store events and hands them over at most once per frame. A burst of thousands of
// launches becomes one state update per animation frame, and events for the same machine are
// conflated (each event carries the machine's absolute state, so only the newest matters) —
// the buffer is bounded by the fleet size even when frames stop (a hidden window).

import type { StoreEvent } from '../../../shared/types';

/** Runs cb later (next animation frame in the app, by hand in tests); returns a cancel. */
export type Schedule = (cb: () => void) => () => void;

export interface EventBatcher {
  push(e: StoreEvent): void;
  /** Applies whatever is buffered now (used before a resync and on dispose). */
  flushNow(): void;
  /** Buffered events not yet applied (after conflation). */
  pending(): number;
  dispose(): void;
}

export function createEventBatcher(apply: (batch: StoreEvent[]) => void, schedule: Schedule): EventBatcher {
  // Map keeps insertion order; re-inserting a machine moves it to the end, so the batch is
  // still ordered by each machine's latest event.
  let buffer = new Map<string, StoreEvent>();
  let cancel: (() => void) | null = null;
  let resets = 0;

  const flush = (): void => {
    cancel = null;
    if (buffer.size === 0) return;
    const batch = [...buffer.values()];
    buffer = new Map();
    apply(batch);
  };

  return {
    push(e) {
      if (e.type === 'reset') {
        // Everything before a reset describes a fleet that no longer exists.
        buffer.clear();
        buffer.set(`reset:${resets++}`, e);
      } else if (e.type === 'machine' || e.type === 'region' || e.type === 'vm') {
        const key =
          e.type === 'machine' ? `m:${e.machine.id}` : e.type === 'region' ? `r:${e.region.code}` : `v:${e.vm.id}`;
        buffer.delete(key);
        buffer.set(key, e);
      }
      if (!cancel) cancel = schedule(flush);
    },
    flushNow() {
      cancel?.();
      flush();
    },
    pending: () => buffer.size,
    dispose() {
      cancel?.();
      cancel = null;
      buffer.clear();
    },
  };
}

/**
 * The app's scheduler: the next animation frame, or a short timer when the page is hidden
 * (browsers stop animation frames there, and we still want the state current on return).
 */
export function frameSchedule(
  raf: (cb: () => void) => number,
  caf: (id: number) => void,
  isHidden: () => boolean,
): Schedule {
  return (cb) => {
    if (isHidden()) {
      const t = setTimeout(cb, 250);
      return () => clearTimeout(t);
    }
    const id = raf(cb);
    return () => caf(id);
  };
}
