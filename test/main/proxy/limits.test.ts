// The rate limiter and the wrong-token strike counter, with a hand-turned clock.

import { describe, expect, it } from 'vitest';
import { RateLimiter, StrikeCounter } from '../../../src/main/proxy/limits';

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the wait, then refills at the rate', () => {
    const c = clock();
    const r = new RateLimiter(2, 3, c.now);
    for (let i = 0; i < 3; i++) expect(r.take('k').ok).toBe(true);
    expect(r.take('k')).toEqual({ ok: false, retryAfterS: 1 });
    expect(r.take('other').ok).toBe(true);
    c.t += 500; // one token back
    expect(r.take('k').ok).toBe(true);
    expect(r.take('k').ok).toBe(false);
    c.t += 10_000; // refills to the burst, no further
    for (let i = 0; i < 3; i++) expect(r.take('k').ok).toBe(true);
    expect(r.take('k').ok).toBe(false);
  });

  it('says how many whole seconds to wait at a slow rate', () => {
    const c = clock();
    const r = new RateLimiter(0.1, 1, c.now);
    expect(r.take('k').ok).toBe(true);
    expect(r.take('k')).toEqual({ ok: false, retryAfterS: 10 });
  });
});

describe('StrikeCounter', () => {
  it('locks a key after N strikes inside the window, for the lockout', () => {
    const c = clock();
    const s = new StrikeCounter(3, 60_000, 30_000, c.now);
    expect(s.strike('a')).toBe(false);
    expect(s.strike('a')).toBe(false);
    expect(s.check('a').ok).toBe(true);
    expect(s.strike('a')).toBe(true);
    expect(s.check('a')).toEqual({ ok: false, retryAfterS: 30 });
    expect(s.check('b').ok).toBe(true);
    c.t += 29_500;
    expect(s.check('a')).toEqual({ ok: false, retryAfterS: 1 });
    c.t += 500;
    expect(s.check('a').ok).toBe(true);
  });

  it('forgets strikes older than the window', () => {
    const c = clock();
    const s = new StrikeCounter(3, 1000, 30_000, c.now);
    s.strike('a');
    s.strike('a');
    c.t += 1001;
    expect(s.strike('a')).toBe(false);
    expect(s.check('a').ok).toBe(true);
  });
});
