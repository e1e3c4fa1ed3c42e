// Refusals that come in floods (requests over the strangers' bucket, connections over the cap)
// are logged in aggregate: at most one line per period with the count of each kind, so a flood
// of a million requests writes a line a second instead of rotating the log history away.

import type { Logger } from '../common/log';

export class RefusalTally {
  private counts = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
    private readonly periodMs = 1000,
  ) {}

  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.periodMs);
    this.timer.unref?.();
  }

  /** Writes the pending line now (on a timer, and on close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size === 0) return;
    const refused = Object.fromEntries(this.counts);
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    this.counts = new Map();
    this.log.warn(this.msg, { count: total, refused, period_ms: this.periodMs });
  }
}
