// The gate's limiters: a token bucket per caller (rate limit) and a strike counter per client
// address (wrong tokens). Both keep a bounded number of keys, so a flood of distinct callers
// cannot grow the worker's memory, and both take a clock so tests need not sleep.

export type Clock = () => number;

const MAX_KEYS = 10_000;

/** Drops the oldest keys once a map holds more than MAX_KEYS (Maps iterate in insertion order). */
function bound<K, V>(map: Map<K, V>): void {
  if (map.size <= MAX_KEYS) return;
  for (const key of map.keys()) {
    map.delete(key);
    if (map.size <= MAX_KEYS * 0.9) break;
  }
}

export type Verdict = { ok: true } | { ok: false; retryAfterS: number };

/**
 * Token bucket: each key may spend `burst` requests at once and earns `ratePerSec` back every
 * second. A refusal says how long until the next request would be allowed.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: Clock = Date.now,
  ) {}

  take(key: string): Verdict {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
      bound(this.buckets);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSec);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    const wait = this.ratePerSec > 0 ? (1 - b.tokens) / this.ratePerSec : 60;
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(wait)) };
  }
}

/**
 * Counts failures per key; `limit` failures within `windowMs` lock the key for `lockoutMs`.
 * Used for wrong API tokens: guessing a 256-bit token is hopeless anyway, but a script that
 * hammers the port with a stale token should be told to stop, and slowly.
 */
export class StrikeCounter {
  private readonly entries = new Map<string, { strikes: number[]; lockedUntil: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly lockoutMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** While locked: how long is left. */
  check(key: string): Verdict {
    const e = this.entries.get(key);
    const now = this.now();
    if (!e || e.lockedUntil <= now) return { ok: true };
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((e.lockedUntil - now) / 1000)) };
  }

  /** Records one failure; true when it locked the key. */
  strike(key: string): boolean {
    const now = this.now();
    let e = this.entries.get(key);
    if (!e) {
      e = { strikes: [], lockedUntil: 0 };
      this.entries.set(key, e);
      bound(this.entries);
    }
    e.strikes = e.strikes.filter((t) => now - t < this.windowMs);
    e.strikes.push(now);
    if (e.strikes.length >= this.limit) {
      e.strikes = [];
      e.lockedUntil = now + this.lockoutMs;
      return true;
    }
    return false;
  }
}
