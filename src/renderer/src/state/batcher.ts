// Buffers store events and hands them over at most once per tick (an animation frame, at most
// ten a second under a stream: see frameSchedule). A burst of thousands of launches becomes one
// state update per tick, and events for the same machine are conflated (each event carries the machine's absolute state, so only the newest matters) —
// the buffer is bounded by the fleet size even when frames stop (a hidden window).

import type { StoreEvent } from '../../../shared/types';
import { setTimer as realTimer, type SetTimer } from './timer';

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

export interface FrameScheduleOptions {
  /**
   * The shortest time between two ticks (ms). Under a stream every tick re-renders the cards,
   * the totals and the sidebar and lays the page out again; ten a second is as fast as anyone
   * reads a figure, and leaves the frames between them free. Default 0: every frame.
   */
  minGapMs?: number;
  now?: () => number;
  setTimer?: SetTimer;
}

/**
 * The app's scheduler: one shared tick on an animation frame, at most every `minGapMs`, or a
 * short timer when the page is hidden (browsers stop animation frames there, and we still want
 * the state current on return). Every callback waiting when the tick comes runs in it, so the
 * dashboard's and the VM index's batches land in the same task and React renders them once.
 */
export function frameSchedule(
  raf: (cb: () => void) => number,
  caf: (id: number) => void,
  isHidden: () => boolean,
  options: FrameScheduleOptions = {},
): Schedule {
  const gap = options.minGapMs ?? 0;
  const now = options.now ?? (() => performance.now());
  const setTimer = options.setTimer ?? realTimer;
  const waiting = new Set<() => void>();
  let cancelTick: (() => void) | null = null;
  let lastTick = Number.NEGATIVE_INFINITY;

  const tick = (): void => {
    cancelTick = null;
    lastTick = now();
    const due = [...waiting];
    waiting.clear();
    for (const cb of due) cb();
  };
  const arm = (): void => {
    if (cancelTick) return;
    if (isHidden()) {
      cancelTick = setTimer(tick, 250);
      return;
    }
    const wait = lastTick + gap - now();
    if (wait <= 0) {
      const id = raf(tick);
      cancelTick = () => caf(id);
      return;
    }
    let id: number | null = null;
    const cancelTimer = setTimer(() => {
      id = raf(tick);
    }, wait);
    cancelTick = () => {
      cancelTimer();
      if (id !== null) caf(id);
    };
  };

  return (cb) => {
    waiting.add(cb);
    arm();
    return () => {
      waiting.delete(cb);
      if (waiting.size === 0 && cancelTick) {
        cancelTick();
        cancelTick = null;
      }
    };
  };
}
