// The live indicators' heartbeat: a pulse when changes arrive, at most one per gap, none at rest.

import { describe, expect, it } from 'vitest';
import { createBeat } from '../../../../src/renderer/src/state/beat';

/** A clock and timers moved by hand. */
function manualTime() {
  let t = 1_000;
  const timers: { at: number; cb: () => void; live: boolean }[] = [];
  return {
    now: () => t,
    setTimer(cb: () => void, ms: number) {
      const timer = { at: t + ms, cb, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
    advance(ms: number) {
      t += ms;
      for (const timer of timers.filter((x) => x.live && x.at <= t)) {
        timer.live = false;
        timer.cb();
      }
    },
    pending: () => timers.filter((x) => x.live).length,
  };
}

describe('live beat', () => {
  it('rests until changes arrive, then beats at once', () => {
    const time = manualTime();
    const b = createBeat({ gapMs: 3000, now: time.now, setTimer: time.setTimer });
    time.advance(10_000);
    expect(b.store.getState().beat).toBe(0);
    b.poke();
    expect(b.store.getState().beat).toBe(1);
    expect(time.pending()).toBe(0);
  });

  it('beats once per gap under a stream of changes, the last of them included', () => {
    const time = manualTime();
    const b = createBeat({ gapMs: 3000, now: time.now, setTimer: time.setTimer });
    // Ten ticks a second for 10 s, as the dashboard applies a stream of launches.
    for (let i = 0; i < 100; i++) {
      b.poke();
      time.advance(100);
    }
    // At 0, 3, 6 and 9 s.
    expect(b.store.getState().beat).toBe(4);
    // The changes of 9.1–9.9 s are shown by one more beat at 12 s, and then it rests.
    expect(time.pending()).toBe(1);
    time.advance(2_000);
    expect(b.store.getState().beat).toBe(5);
    time.advance(60_000);
    expect(b.store.getState().beat).toBe(5);
    expect(time.pending()).toBe(0);
  });

  it('a change after a quiet gap beats at once again', () => {
    const time = manualTime();
    const b = createBeat({ gapMs: 3000, now: time.now, setTimer: time.setTimer });
    b.poke();
    time.advance(5_000);
    b.poke();
    expect(b.store.getState().beat).toBe(2);
  });

  it('gives no beat after dispose', () => {
    const time = manualTime();
    const b = createBeat({ gapMs: 3000, now: time.now, setTimer: time.setTimer });
    b.poke();
    b.poke();
    b.dispose();
    time.advance(10_000);
    expect(b.store.getState().beat).toBe(1);
  });
});
