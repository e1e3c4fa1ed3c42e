// Whether the page animates its changes. While changes come one at a time, each one moves: a
// card flashes, its bars slide, its VM chips pop and ping, the live dot rings. While they stream
// in (hundreds a second), the page is calm: the same changes show without animating (a changed
// card is outlined for a second or two, bars and chips take their new values at once, the dot
// glows). Under a stream the animations overlapped without pause, and each frame one runs is a
// frame the compositor draws; without a GPU (software compositing) those draws, often spanning
// the window when a card's animation met the header's tick, were most of Chromium's CPU and made
// the long frames. At that rate the motion told a person nothing a static mark does not.
//
// No DOM here: the runtime feeds it the count of changes applied, as batches land and once a
// second.

import { createStore, type StoreApi } from 'zustand/vanilla';

export interface Motion {
  /** `calm`: changes show without animation. */
  store: StoreApi<{ calm: boolean }>;
  /**
   * `applied`: changes applied since start (cumulative); `at`: now, in ms. The runtime calls it
   * when a batch has been applied and at each tick of the clock (so quiet is seen too).
   */
  sample(applied: number, at: number): void;
}

export interface MotionOptions {
  /** Calm from this many changes a second. */
  enterPerSecond?: number;
  /** Animated again once fewer than this many a second have come for `leaveAfterMs`. */
  leavePerSecond?: number;
  leaveAfterMs?: number;
}

/**
 * Changes applied (state/dashboard.ts `eventsApplied`: a machine's and its region's, conflated
 * per tick) a second. A person follows a few launches a second one by one (each is about two
 * changes; the live indicator's Playwright test launches ~6 a second and sees each animate); ten
 * or more a second on a region of ten machines kept every card flashing. Leaving takes a few
 * quiet seconds, so a stream that dips for a moment does not switch the page back and forth.
 */
export const MOTION_DEFAULTS = { enterPerSecond: 20, leavePerSecond: 10, leaveAfterMs: 3000 };

/** The rate is taken over the last second of samples. */
const WINDOW_MS = 1000;
/** A shorter span says too little (a single batch right after another). */
const SHORTEST_MS = 250;

export function createMotion(opts: MotionOptions = {}): Motion {
  const { enterPerSecond, leavePerSecond, leaveAfterMs } = { ...MOTION_DEFAULTS, ...opts };
  const store = createStore<{ calm: boolean }>(() => ({ calm: false }));
  // Oldest first; the first one is the newest at least WINDOW_MS old, once there is one.
  let samples: { applied: number; at: number }[] = [];
  let busyAt = Number.NEGATIVE_INFINITY;

  return {
    store,
    sample(applied, at) {
      const last = samples[samples.length - 1];
      if (last && at < last.at) return;
      // A resync or a host that restarted may count from 0 again: no rate across that.
      if (last && applied < last.applied) samples = [];
      samples.push({ applied, at });
      while (samples.length > 1 && samples[1].at <= at - WINDOW_MS) samples.shift();
      const base = samples[0];
      if (at - base.at < SHORTEST_MS) return;
      const rate = ((applied - base.applied) * 1000) / (at - base.at);
      if (rate >= leavePerSecond) busyAt = at;
      const { calm } = store.getState();
      if (!calm && rate >= enterPerSecond) store.setState({ calm: true });
      else if (calm && at - busyAt >= leaveAfterMs) store.setState({ calm: false });
    },
  };
}
