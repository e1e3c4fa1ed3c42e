// A peer's answer the gate reuses for a while instead of asking again for every request: asked
// for at most once per TTL, concurrent askers share one call, and a failed call is never kept.

import { performance } from 'node:perf_hooks';

export class RecentAnswer<T> {
  private cached: { value: T; at: number } | null = null;
  private pending: Promise<T> | null = null;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly ttlMs: number,
    /** When the peer cannot answer, the last answer however old (a stale one beats none). */
    private readonly staleOnFailure = false,
  ) {}

  /** Takes an answer got another way as if fetched now. */
  remember(value: T): void {
    this.cached = { value, at: performance.now() };
  }

  /** What was kept no longer holds: the next ask goes to the peer. */
  forget(): void {
    this.cached = null;
  }

  /** The kept answer while it is fresh (no call, no promise), else undefined. */
  fresh(): T | undefined {
    const cached = this.cached;
    return cached && performance.now() - cached.at < this.ttlMs ? cached.value : undefined;
  }

  async get(): Promise<T> {
    const cached = this.cached;
    if (cached && performance.now() - cached.at < this.ttlMs) return cached.value;
    if (!this.pending) {
      this.pending = this.fetch()
        .then((value) => {
          this.cached = { value, at: performance.now() };
          return value;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    try {
      return await this.pending;
    } catch (err) {
      if (this.staleOnFailure && cached) return cached.value;
      throw err;
    }
  }
}
