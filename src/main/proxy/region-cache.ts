// The store's region codes as the gate checks requests against them: asked for at most once per
// TTL (concurrent askers share one call), forgotten when the fleet is reset, and kept past their
// TTL when the store cannot answer, because a stale list beats none while the store restarts.

import type { Region } from '../../shared/types';
import { RecentAnswer } from './recent-answer';

export class RegionCache {
  private readonly answer: RecentAnswer<string[]>;

  constructor(fetch: () => Promise<readonly Pick<Region, 'code'>[]>, ttlMs: number) {
    this.answer = new RecentAnswer(async () => (await fetch()).map((r) => r.code), ttlMs, true);
  }

  /** Takes the codes of a region list just read for another reason, as if fetched now. */
  remember(regions: readonly Pick<Region, 'code'>[]): void {
    this.answer.remember(regions.map((r) => r.code));
  }

  /** The fleet changed underneath (a reset): the next request asks the store again. */
  forget(): void {
    this.answer.forget();
  }

  /** The codes while fresh, without a promise (a launch's hot path); undefined: ask codes(). */
  codesNow(): string[] | undefined {
    return this.answer.fresh();
  }

  codes(): Promise<string[]> {
    return this.answer.get();
  }
}
