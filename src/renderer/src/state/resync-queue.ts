// When the page takes a fresh snapshot (a resync): one at a time, and one asked for while one
// runs gets exactly one more run after it, because events may have been missed after the running
// one took its snapshot. A resync for a gap in event numbers waits until `minGapMs` after the
// last one began, so a stream with many gaps costs a snapshot per interval, not one per gap.

import { setTimer as realTimer, type SetTimer } from './timer';

export interface ResyncQueue {
  /** Now (or after the one running). */
  run(): Promise<void>;
  /** At most once per interval: now if the last began long enough ago, else once it has. */
  soon(): void;
  /** Drops a delayed run (a run already going finishes). */
  cancel(): void;
}

export function createResyncQueue(o: {
  resync: () => Promise<void>;
  /** False once the page is closed or its key refused: nothing runs. */
  allowed: () => boolean;
  now: () => number;
  minGapMs: number;
  setTimer?: SetTimer;
}): ResyncQueue {
  const setTimer = o.setTimer ?? realTimer;
  let lastAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let delayed: (() => void) | null = null;

  const cancel = (): void => {
    delayed?.();
    delayed = null;
  };
  const run = (): Promise<void> => {
    if (!o.allowed()) return Promise.resolve();
    cancel();
    if (!running) {
      lastAt = o.now();
      running = o.resync().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      return run();
    });
    return queued;
  };
  const soon = (): void => {
    if (delayed || queued) return;
    const wait = Math.max(0, lastAt + o.minGapMs - o.now());
    if (wait === 0) {
      void run();
      return;
    }
    delayed = setTimer(() => {
      delayed = null;
      void run();
    }, wait);
  };
  return { run, soon, cancel };
}
