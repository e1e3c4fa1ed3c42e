// The simulated platform's clock. Lifecycle stages run on it, so tests drive time by hand
// (ManualClock) instead of sleeping, and the host runs on the wall clock.

import { IsoClock } from '../../shared/iso-time';

export interface Clock {
  now(): number;
  /** Runs `fn` after `ms` milliseconds; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const wallClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    // A pending transition must not keep a stopping host alive; shutdown settles it instead.
    t.unref?.();
    return () => clearTimeout(t);
  },
};

const stamps = new IsoClock();

/**
 * `new Date(ms).toISOString()`, remembered for the last millisecond asked: a launch stamps its
 * VM and each of its first transitions, mostly within one millisecond, and each stamp was a Date
 * and a formatting of it. Throws as toISOString does for a time that is no date.
 */
export const isoAt = (ms: number): string => stamps.text(ms);

interface Due {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told to: advance(ms) runs what falls due, in time order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private due: Due[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const entry = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.due.push(entry);
    return () => {
      this.due = this.due.filter((d) => d !== entry);
    };
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.due.length;
  }

  /**
   * Moves time forward by `ms`, running each timer that falls due at its own time, including
   * timers those timers set, and awaiting the microtasks each one starts before the next.
   */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.due[0];
      if (!next || next.at > end) break;
      this.due.shift();
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets promise chains started by a timer run to their next real wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
