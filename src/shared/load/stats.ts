// The figures of a load run: counts by outcome, launch latencies and their percentiles, one
// row per second for the live charts, and the summary. Pure bookkeeping: the generator feeds
// it outcomes with their times; the CLI, the host and the panel read the same shapes.

import type { LoadSpec } from './spec';

/** What one launch came to, as the server answered it. */
export type LaunchResult = 'ok' | 'no_capacity' | 'error';

export type LoadState = 'running' | 'stopping' | 'finished';

/** One second of the run (launches by when they were answered). */
export interface LoadSecond {
  /** Seconds since the start: this row covers [t, t+1). */
  t: number;
  sent: number;
  ok: number;
  no_capacity: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** Counts every view shows, live and at the end. */
export interface LoadCounts {
  /** Launches sent. */
  sent: number;
  ok: number;
  no_capacity: number;
  /** Every other answer (and no answer), by error code in errors_by_code. */
  errors: number;
  errors_by_code: Record<string, number>;
  /** Launches the generator could not send on time because too many were still unanswered. */
  skipped: number;
  in_flight: number;
  destroyed: number;
  destroy_errors: number;
  /** VMs launched by this run and not destroyed (yet). */
  alive: number;
}

/** A live view of the run, about once a second. */
export interface LoadProgress extends LoadCounts {
  state: LoadState;
  elapsed_ms: number;
  duration_ms: number;
  /** Launches sent over the last whole second. */
  rate_now: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** The finished run: what was asked, what happened, what was left behind. */
export interface LoadSummary extends LoadCounts {
  spec: LoadSpec;
  /** True when Ctrl+C or Stop ended it before its duration. */
  stopped: boolean;
  /** How long launches were being sent. */
  launch_ms: number;
  /** Start to the last destroy. */
  total_ms: number;
  /** Launches sent per second over launch_ms. */
  rate_achieved: number;
  latency_ms: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  /** Ids of the VMs this run launched and left running (every one when there is no destroy_after_ms). */
  left: string[];
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100); null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function rounded(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}

interface SecondRow {
  sent: number;
  ok: number;
  no_capacity: number;
  errors: number;
  latencies: number[];
}

export class LoadStats {
  readonly counts: LoadCounts = {
    sent: 0,
    ok: 0,
    no_capacity: 0,
    errors: 0,
    errors_by_code: {},
    skipped: 0,
    in_flight: 0,
    destroyed: 0,
    destroy_errors: 0,
    alive: 0,
  };
  private readonly latencies: number[] = [];
  private readonly seconds: SecondRow[] = [];

  private row(atMs: number): SecondRow {
    const t = Math.max(0, Math.floor(atMs / 1000));
    while (this.seconds.length <= t) this.seconds.push({ sent: 0, ok: 0, no_capacity: 0, errors: 0, latencies: [] });
    return this.seconds[t];
  }

  /** A launch left at `atMs` (since the start). */
  sent(atMs: number): void {
    this.counts.sent++;
    this.counts.in_flight++;
    this.row(atMs).sent++;
  }

  skipped(atMs: number): void {
    this.counts.skipped++;
    this.row(atMs);
  }

  /** A launch answered at `atMs`, `latencyMs` after it left. */
  answered(atMs: number, result: LaunchResult, latencyMs: number, code?: string): void {
    const c = this.counts;
    c.in_flight--;
    const row = this.row(atMs);
    if (result === 'ok') {
      c.ok++;
      c.alive++;
      row.ok++;
    } else if (result === 'no_capacity') {
      c.no_capacity++;
      row.no_capacity++;
    } else {
      c.errors++;
      row.errors++;
      const k = code ?? 'error';
      c.errors_by_code[k] = (c.errors_by_code[k] ?? 0) + 1;
    }
    this.latencies.push(latencyMs);
    row.latencies.push(latencyMs);
  }

  destroyedOne(ok: boolean): void {
    if (ok) {
      this.counts.destroyed++;
      this.counts.alive--;
    } else this.counts.destroy_errors++;
  }

  /** A VM someone else destroyed first (a reset): no longer alive, not ours to count. */
  gone(): void {
    this.counts.alive--;
  }

  /** Every second so far, the last one possibly partial. */
  series(): LoadSecond[] {
    return this.seconds.map((r, t) => {
      const sorted = [...r.latencies].sort((a, b) => a - b);
      return {
        t,
        sent: r.sent,
        ok: r.ok,
        no_capacity: r.no_capacity,
        errors: r.errors,
        p50_ms: rounded(percentile(sorted, 50)),
        p99_ms: rounded(percentile(sorted, 99)),
      };
    });
  }

  private sortedLatencies(): number[] {
    return [...this.latencies].sort((a, b) => a - b);
  }

  progress(state: LoadState, elapsedMs: number, durationMs: number): LoadProgress {
    const sorted = this.sortedLatencies();
    const whole = Math.floor(elapsedMs / 1000) - 1;
    return {
      ...this.counts,
      errors_by_code: { ...this.counts.errors_by_code },
      state,
      elapsed_ms: Math.round(elapsedMs),
      duration_ms: durationMs,
      rate_now: whole >= 0 ? (this.seconds[whole]?.sent ?? 0) : this.counts.sent,
      p50_ms: rounded(percentile(sorted, 50)),
      p99_ms: rounded(percentile(sorted, 99)),
    };
  }

  summary(spec: LoadSpec, o: { stopped: boolean; launchMs: number; totalMs: number; left: string[] }): LoadSummary {
    const sorted = this.sortedLatencies();
    const launchS = Math.max(o.launchMs, 1) / 1000;
    return {
      ...this.counts,
      errors_by_code: { ...this.counts.errors_by_code },
      spec,
      stopped: o.stopped,
      launch_ms: Math.round(o.launchMs),
      total_ms: Math.round(o.totalMs),
      rate_achieved: Math.round((this.counts.sent / launchS) * 10) / 10,
      latency_ms: {
        p50: rounded(percentile(sorted, 50)),
        p90: rounded(percentile(sorted, 90)),
        p99: rounded(percentile(sorted, 99)),
        max: rounded(sorted.length ? sorted[sorted.length - 1] : null),
      },
      left: o.left,
    };
  }
}
