// The store's region codes as the gate checks requests against them: asked for at most once per
// TTL (concurrent askers share one call), forgotten when the fleet is reset, and kept past their
// TTL when the store cannot answer, because a stale list beats none while the store restarts.

import { performance } from 'node:perf_hooks';
import type { Region } from '../../shared/types';

export class RegionCache {
  private cached: { codes: string[]; at: number } | null = null;
  private pending: Promise<string[]> | null = null;

  constructor(
    private readonly fetch: () => Promise<readonly Pick<Region, 'code'>[]>,
    private readonly ttlMs: number,
  ) {}

  /** Takes the codes of a region list just read for another reason, as if fetched now. */
  remember(regions: readonly Pick<Region, 'code'>[]): void {
    this.cached = { codes: regions.map((r) => r.code), at: performance.now() };
  }

  /** The fleet changed underneath (a reset): the next request asks the store again. */
  forget(): void {
    this.cached = null;
  }

  async codes(): Promise<string[]> {
    const cached = this.cached;
    if (cached && performance.now() - cached.at < this.ttlMs) return cached.codes;
    if (!this.pending) {
      this.pending = this.fetch()
        .then((regions) => {
          const codes = regions.map((r) => r.code);
          this.cached = { codes, at: performance.now() };
          return codes;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    try {
      return await this.pending;
    } catch (err) {
      if (cached) return cached.codes;
      throw err;
    }
  }
}
