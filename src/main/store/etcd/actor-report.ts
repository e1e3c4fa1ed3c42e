// A host's actor counts for `flylight cluster`, written under their own key (`actors/ID`, on the
// host's lease) at most every ACTORS_EVERY_MS and only when they change: the fleet's watch
// ignores that key, so a count that changes never makes every host rebalance, as a change under
// hosts/ would.

import type { Lease } from 'etcd3';
import type { ActorCounts } from '../../../shared/cluster';

const ACTORS_EVERY_MS = 500;
const FIELDS = ['owned', 'awake', 'awake_not_owned', 'woken', 'woken_not_owned'] as const;

export class ActorReport {
  private counts: ActorCounts | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    /** Where this host's counts go. */
    private readonly key: string,
    /** The host's lease now (null while it has none). */
    private readonly lease: () => Lease | null,
    private readonly warn: (msg: string, fields: Record<string, unknown>) => void,
  ) {}

  /** The orchestrator's counts: written soon if they changed. */
  report(counts: ActorCounts): void {
    if (this.stopped) return;
    const a = this.counts;
    if (a && FIELDS.every((f) => a[f] === counts?.[f])) return;
    const next = {} as ActorCounts;
    for (const f of FIELDS) next[f] = Number.isSafeInteger(counts?.[f]) ? counts[f] : 0;
    this.counts = next;
    this.write();
  }

  /** Writes the last counts (again: under a new lease, the old key went with the old one). */
  write(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const lease = this.lease();
      if (!lease || this.stopped || !this.counts) return;
      lease
        .put(this.key)
        .value(JSON.stringify(this.counts))
        .catch((err) => this.warn('could not write the actor counts', { error: (err as Error).message }));
    }, ACTORS_EVERY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
