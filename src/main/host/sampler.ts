// The charts' history, taken by the host once a second whether or not a dashboard is open, so a
// page that opens (or reloads) draws the last ten minutes at once instead of "Collecting
// samples…". Launches per second come from the orchestrator's counters, as `flylight status`
// reports them; utilisation from the store's region totals.

import { percent } from '../../shared/percent';
import {
  HISTORY_WINDOW_MS,
  LaunchRate,
  SAMPLE_INTERVAL_MS,
  SAMPLE_RING,
  type SamplePage,
  type Utilisation,
  type WireSample,
} from '../../shared/samples';
import type { Region } from '../../shared/types';

/**
 * One sample as the ring keeps it: region figures as numbers in a typed array, in the order of
 * `codes` (shared by every sample while the region list stays the same), so ten minutes of a
 * 1000-region fleet are a few MB rather than 600,000 small arrays.
 */
interface Kept {
  t: number;
  fleet: Utilisation;
  codes: readonly string[];
  /** cores%, memory% per region, ×10 and rounded (one decimal, as the wire has them). */
  values: Uint16Array;
  launches: number | null;
  failed: number | null;
  stale?: boolean;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

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
  private readonly ring: Kept[] = [];
  private codes: readonly string[] = [];
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
      if (regions.status === 'fulfilled') this.push(this.keep(t, regions.value));
      else {
        // The store is away (restarting): a gap in the charts, not a line drawn through it.
        this.push({
          t,
          fleet: [0, 0],
          codes: [],
          values: new Uint16Array(0),
          launches: null,
          failed: null,
          stale: true,
        });
      }
    } finally {
      this.busy = false;
    }
  }

  /** Samples taken after `since` (ms since the epoch), oldest first. */
  page(since = 0): SamplePage {
    let from = this.ring.length;
    while (from > 0 && this.ring[from - 1].t > since) from--;
    const kept = this.ring.slice(from);
    const codes = [...new Set(kept.flatMap((k) => k.codes))].sort();
    const samples = kept.map((k): WireSample => {
      const at = new Map(k.codes.map((c, i) => [c, i]));
      return {
        t: k.t,
        fleet: k.fleet,
        regions: codes.map((c) => {
          const i = at.get(c);
          return i === undefined ? null : [k.values[2 * i] / 10, k.values[2 * i + 1] / 10];
        }),
        launches: k.launches,
        failed: k.failed,
        ...(k.stale ? { stale: true } : {}),
      };
    });
    return { interval_ms: this.intervalMs, window_ms: HISTORY_WINDOW_MS, regions: codes, samples };
  }

  private keep(t: number, regions: readonly Region[]): Kept {
    // The same list as last time is shared, not copied.
    const same = regions.length === this.codes.length && regions.every((r, i) => r.code === this.codes[i]);
    if (!same) this.codes = regions.map((r) => r.code);
    const values = new Uint16Array(2 * regions.length);
    let ct = 0;
    let ca = 0;
    let mt = 0;
    let ma = 0;
    regions.forEach((r, i) => {
      values[2 * i] = Math.round(10 * percent(r.cores_allocated, r.cores_total));
      values[2 * i + 1] = Math.round(10 * percent(r.memory_allocated_gb, r.memory_total_gb));
      ct += r.cores_total;
      ca += r.cores_allocated;
      mt += r.memory_total_gb;
      ma += r.memory_allocated_gb;
    });
    const rate = this.rate.current();
    return {
      t,
      fleet: [round1(percent(ca, ct)), round1(percent(ma, mt))],
      codes: this.codes,
      values,
      launches: round2(rate?.launches ?? null),
      failed: round2(rate?.failed ?? null),
    };
  }

  get size(): number {
    return this.ring.length;
  }

  private push(s: Kept): void {
    this.ring.push(s);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }
}
