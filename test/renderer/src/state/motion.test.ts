// Whether the page animates its changes: it does while they come a few at a time, it is calm
// while they stream in, and it animates again only after a few quiet seconds.

import { describe, expect, it } from 'vitest';
import { createMotion, MOTION_DEFAULTS } from '../../../../src/renderer/src/state/motion';

/** Feeds `perSecond` changes a second for `seconds` seconds, one sample a second as the clock does. */
function feeder(motion: ReturnType<typeof createMotion>) {
  let applied = 0;
  let t = 5_000;
  motion.sample(applied, t);
  return (perSecond: number, seconds = 1) => {
    for (let i = 0; i < seconds; i++) {
      applied += perSecond;
      t += 1000;
      motion.sample(applied, t);
    }
    return motion.store.getState().calm;
  };
}

describe('motion', () => {
  it('animates a few changes a second, like the live indicator test streams', () => {
    const m = createMotion();
    const feed = feeder(m);
    expect(m.store.getState().calm).toBe(false);
    expect(feed(12, 10)).toBe(false);
    expect(feed(MOTION_DEFAULTS.enterPerSecond - 1, 5)).toBe(false);
  });

  it('is calm from the first second of a stream', () => {
    const m = createMotion();
    const feed = feeder(m);
    expect(feed(5)).toBe(false);
    expect(feed(500)).toBe(true);
    expect(feed(500, 10)).toBe(true);
  });

  it('stays calm through a dip, and animates again after the quiet seconds', () => {
    const m = createMotion({ enterPerSecond: 40, leavePerSecond: 20, leaveAfterMs: 3000 });
    const feed = feeder(m);
    expect(feed(500)).toBe(true);
    // Between the two thresholds: still a stream.
    expect(feed(30, 5)).toBe(true);
    // Two quiet seconds, then the stream is back: calm throughout.
    expect(feed(0, 2)).toBe(true);
    expect(feed(25)).toBe(true);
    // Quiet for three seconds: animated again, and not before.
    expect(feed(2, 2)).toBe(true);
    expect(feed(2)).toBe(false);
  });

  it('is calm at the first batch of a stream, between ticks of the clock', () => {
    const m = createMotion();
    // Idle: the clock's samples, a second apart.
    for (let t = 0; t <= 5000; t += 1000) m.sample(40, t);
    expect(m.store.getState().calm).toBe(false);
    // A batch lands 300 ms after a tick: 500 changes (one FlyD round) over the last 1.3 s.
    m.sample(540, 5300);
    expect(m.store.getState().calm).toBe(true);
  });

  it('takes no rate from a span too short to say anything', () => {
    const m = createMotion();
    m.sample(0, 1000);
    m.sample(100, 1100);
    expect(m.store.getState().calm).toBe(false);
  });

  it('takes no rate from a count that went back or a clock that went back', () => {
    const m = createMotion();
    m.sample(10_000, 1000);
    m.sample(0, 2000);
    expect(m.store.getState().calm).toBe(false);
    m.sample(5000, 1500);
    expect(m.store.getState().calm).toBe(false);
    m.sample(600, 3000);
    expect(m.store.getState().calm).toBe(true);
  });
});
