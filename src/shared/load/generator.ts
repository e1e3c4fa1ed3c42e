// The load generator: an open-loop schedule of launches (launch i leaves at i/rate seconds,
// whether or not earlier ones have answered, so a slow server cannot slow the offered load and
// hide its own latency), a seeded draw of size and region per launch, and each launched VM's
// destroy when its lifetime is up. At the end, or on stop(), nothing more is launched, the
// launches in flight are awaited and every VM still held is destroyed at once (with
// destroy_after_ms); what could not be destroyed is reported as left. Where the requests go is
// the driver's business (HTTP in the CLI and the host, a fake in tests), so this file is pure.

import type { Strategy } from '../placement';
import { mulberry32, type Rng } from '../random';
import type { LoadSpec, MixEntry } from './spec';
import { type LoadProgress, type LoadSecond, LoadStats, type LoadSummary } from './stats';

export interface LaunchAsk {
  region: string;
  memory_gb: number;
  cores: number;
  strategy?: Strategy;
}

export type LaunchAnswer =
  | { result: 'ok'; vmId: string }
  | { result: 'no_capacity' }
  | { result: 'error'; code: string };

/** `retry`: worth asking again (rate limited, a worker restarting, a dropped connection). */
export type DestroyAnswer = { ok: true } | { ok: false; code: string; retry: boolean };

/** Sends the run's requests. Never rejects: every failure is an answer. */
export interface LoadDriver {
  launch(ask: LaunchAsk): Promise<LaunchAnswer>;
  destroy(vmId: string): Promise<DestroyAnswer>;
}

export interface LoadClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LoadClock = {
  now: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface LoadOptions {
  driver: LoadDriver;
  /** The regions to draw from when the spec names none (the host's whole list). */
  allRegions: readonly string[];
  clock?: LoadClock;
  /** How often the schedule wakes up; launches due meanwhile leave together. */
  tickMs?: number;
  /** Unanswered launches beyond this are not sent but counted as skipped (memory stays bounded). */
  maxInFlight?: number;
  destroyConcurrency?: number;
  /** How many times a destroy that is worth retrying is tried before the VM is reported left. */
  destroyAttempts?: number;
}

/**
 * Draws each launch's size (by the mix's weights) and region (uniformly among the spec's, else
 * `allRegions`) from the seed.
 */
export function launchPicker(spec: LoadSpec, allRegions: readonly string[]): () => LaunchAsk {
  const regions = spec.regions.length ? spec.regions : allRegions;
  if (regions.length === 0) throw new Error('a load run needs at least one region');
  const rng: Rng = mulberry32(spec.seed);
  const total = spec.mix.reduce((s, e) => s + e.weight, 0);
  return () => {
    let x = rng() * total;
    let entry: MixEntry = spec.mix[spec.mix.length - 1];
    for (const e of spec.mix) {
      if (x < e.weight) {
        entry = e;
        break;
      }
      x -= e.weight;
    }
    const region = regions[Math.floor(rng() * regions.length)];
    const ask: LaunchAsk = { region, memory_gb: entry.memory_gb, cores: entry.cores };
    if (spec.strategy) ask.strategy = spec.strategy;
    return ask;
  };
}

interface Held {
  id: string;
  /** When its destroy is due (ms on the run's clock). */
  at: number;
  attempts: number;
}

export class LoadRun {
  readonly done: Promise<LoadSummary>;
  private readonly stats = new LoadStats();
  private readonly clock: LoadClock;
  private readonly startedAt: number;
  private stopAsked = false;
  private abandoned = false;
  private launchEndedAt: number | null = null;
  private finishedAt: number | null = null;
  /** VMs awaiting their destroy, in due order; retries go to `retries`. */
  private readonly queue: Held[] = [];
  private qHead = 0;
  private retries: Held[] = [];
  private destroying = 0;
  private readonly left: string[] = [];
  private readonly kept: string[] = [];

  constructor(
    readonly spec: LoadSpec,
    private readonly opts: LoadOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.startedAt = this.clock.now();
    this.done = this.loop();
  }

  /** Stops launching now; the run still awaits its launches and destroys what it holds. */
  stop(): void {
    this.stopAsked = true;
  }

  /**
   * Stops launching and destroys nothing more (the host is going away): the run ends once its
   * requests in flight have answered, and every VM it holds is reported as left.
   */
  abandon(): void {
    this.stopAsked = true;
    this.abandoned = true;
  }

  get stopping(): boolean {
    return this.stopAsked;
  }

  progress(): LoadProgress {
    const now = this.finishedAt ?? this.clock.now();
    const state = this.finishedAt !== null ? 'finished' : this.stopAsked ? 'stopping' : 'running';
    return this.stats.progress(state, now - this.startedAt, this.spec.duration_ms);
  }

  series(): LoadSecond[] {
    return this.stats.series();
  }

  private async loop(): Promise<LoadSummary> {
    const { spec, clock } = this;
    const tick = this.opts.tickMs ?? 5;
    const maxInFlight = this.opts.maxInFlight ?? 1000;
    const pick = launchPicker(spec, this.opts.allRegions);
    const total = Math.ceil((spec.duration_ms * spec.rate) / 1000);
    const interval = 1000 / spec.rate;
    let issued = 0;
    for (;;) {
      const t = clock.now() - this.startedAt;
      if (this.launchEndedAt === null) {
        if (this.stopAsked) this.launchEndedAt = t;
        else {
          // Launches due since the last wake-up leave now (a late wake-up must not drop any).
          const due = Math.min(total, Math.floor(t / interval) + 1);
          for (; issued < due; issued++) {
            if (this.stats.counts.in_flight >= maxInFlight) this.stats.skipped(t);
            else this.launch(pick(), t);
          }
          if (t >= spec.duration_ms) this.launchEndedAt = spec.duration_ms;
        }
      }
      if (!this.abandoned) this.destroyDue(t);
      const settled = this.abandoned ? this.destroying === 0 : this.idle();
      if (this.launchEndedAt !== null && this.stats.counts.in_flight === 0 && settled) break;
      await clock.sleep(tick);
    }
    this.finishedAt = clock.now();
    return this.stats.summary(spec, {
      stopped: this.stopAsked && (this.launchEndedAt ?? 0) < spec.duration_ms,
      launchMs: this.launchEndedAt ?? 0,
      totalMs: this.finishedAt - this.startedAt,
      left: [...this.kept, ...this.pendingIds(), ...this.left],
    });
  }

  private launch(ask: LaunchAsk, t: number): void {
    this.stats.sent(t);
    const sentAt = this.clock.now();
    void this.opts.driver.launch(ask).then((a) => {
      const answeredAt = this.clock.now();
      const at = answeredAt - this.startedAt;
      this.stats.answered(at, a.result, answeredAt - sentAt, a.result === 'error' ? a.code : undefined);
      if (a.result !== 'ok') return;
      const after = this.spec.destroy_after_ms;
      if (after === null) this.kept.push(a.vmId);
      else this.queue.push({ id: a.vmId, at: at + after, attempts: 0 });
    });
  }

  /** Nothing held and nothing being destroyed. */
  private idle(): boolean {
    return this.qHead >= this.queue.length && this.retries.length === 0 && this.destroying === 0;
  }

  private pendingIds(): string[] {
    return [...this.queue.slice(this.qHead), ...this.retries].map((h) => h.id);
  }

  /** Destroys whose time has come; after the launches end, every VM still held. */
  private destroyDue(t: number): void {
    const cap = this.opts.destroyConcurrency ?? 32;
    const all = this.launchEndedAt !== null;
    if (this.retries.length > 0) {
      const later: Held[] = [];
      for (const h of this.retries) {
        if (h.at <= t && this.destroying < cap) this.destroy(h);
        else later.push(h);
      }
      this.retries = later;
    }
    while (this.qHead < this.queue.length && this.destroying < cap) {
      const h = this.queue[this.qHead];
      if (!all && h.at > t) break;
      this.qHead++;
      this.destroy(h);
    }
    // Keep the array from growing for a whole long run.
    if (this.qHead > 4096 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
  }

  private destroy(h: Held): void {
    this.destroying++;
    h.attempts++;
    void this.opts.driver.destroy(h.id).then((a) => {
      this.destroying--;
      if (a.ok) return this.stats.destroyedOne(true);
      const attempts = this.opts.destroyAttempts ?? 20;
      if (a.retry && h.attempts < attempts) {
        const t = this.clock.now() - this.startedAt;
        this.retries.push({ ...h, at: t + Math.min(2000, 100 * 2 ** (h.attempts - 1)) });
        return;
      }
      // Already gone (a reset, someone else's destroy) is not ours to report as left.
      if (a.code === 'not_found') return this.stats.gone();
      this.stats.destroyedOne(false);
      this.left.push(h.id);
    });
  }
}
