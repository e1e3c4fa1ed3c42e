// The charts' history, taken by the host once a second whether or not a dashboard is open, so a
// page that opens (or reloads) draws the last ten minutes at once instead of "Collecting
// samples…". Launches per second come from the orchestrator's counters, as `flylight status`
// reports them; utilisation from the store's region totals.

import {
  LaunchRate,
  packSamples,
  SAMPLE_INTERVAL_MS,
  SAMPLE_RING,
  type Sample,
  type SamplePage,
  takeSample,
} from '../../shared/samples';
import type { Region } from '../../shared/types';

export interface SamplerSources {
  regions(): Promise<Region[]>;
  launchCounts(): Promise<{ ok: number; failed: number }>;
}

export interface SamplerOptions {
  intervalMs?: number;
  /** Samples kept (the ring). */
  ring?: number;
  now?: () => number;
}

export class Sampler {
  private readonly ring: Sample[] = [];
  private readonly rate = new LaunchRate();
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  readonly intervalMs: number;
  readonly capacity: number;
  private readonly now: () => number;

  constructor(
    private readonly sources: SamplerSources,
    opts: SamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? SAMPLE_INTERVAL_MS;
    this.capacity = opts.ring ?? SAMPLE_RING;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one sample (the timer calls it; tests call it directly). */
  async tick(): Promise<void> {
    // A store slower than a second must not pile samples up behind it.
    if (this.busy) return;
    this.busy = true;
    try {
      const t = this.now();
      const [regions, counts] = await Promise.allSettled([this.sources.regions(), this.sources.launchCounts()]);
      if (counts.status === 'fulfilled') this.rate.observe(t, counts.value.ok, counts.value.failed);
      else this.rate.lost();
      if (regions.status === 'fulfilled') {
        const byCode: Record<string, Region> = {};
        for (const r of regions.value) byCode[r.code] = r;
        this.push(takeSample(t, byCode, this.rate.current()));
      } else {
        // The store is away (restarting): a gap in the charts, not a line drawn through it.
        this.push({ t, fleet: [0, 0], regions: {}, launches: null, failed: null, stale: true });
      }
    } finally {
      this.busy = false;
    }
  }

  /** Samples taken after `since` (ms since the epoch), oldest first. */
  page(since = 0): SamplePage {
    let from = this.ring.length;
    while (from > 0 && this.ring[from - 1].t > since) from--;
    return packSamples(this.ring.slice(from));
  }

  get size(): number {
    return this.ring.length;
  }

  private push(s: Sample): void {
    this.ring.push(s);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }
}
