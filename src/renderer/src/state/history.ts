// The last ten minutes of the fleet, kept in the renderer for the charts: utilisation of the
// fleet and of every region (so switching regions shows their past at once), and launches per
// second derived from the host's launch counters.

import { percent } from '../../../shared/percent';
import type { Region } from '../../../shared/types';

export const HISTORY_WINDOW_MS = 10 * 60 * 1000;

/** Cores and memory utilisation, percent (0–100). */
export type Utilisation = readonly [cores: number, memory: number];

export interface Sample {
  t: number;
  fleet: Utilisation;
  regions: Readonly<Record<string, Utilisation>>;
  /** Successful and failed launches per second around t; null while unknown. */
  launches: number | null;
  failed: number | null;
  /** Taken while the live feed was down: the numbers are old, so charts leave a gap. */
  stale?: boolean;
}

export function utilisationOf(
  r: Pick<Region, 'cores_total' | 'cores_allocated' | 'memory_total_gb' | 'memory_allocated_gb'>,
): Utilisation {
  return [percent(r.cores_allocated, r.cores_total), percent(r.memory_allocated_gb, r.memory_total_gb)];
}

export function takeSample(
  t: number,
  regions: Record<string, Region>,
  rate: { launches: number; failed: number } | null,
  stale = false,
): Sample {
  const per: Record<string, Utilisation> = {};
  let ct = 0;
  let ca = 0;
  let mt = 0;
  let ma = 0;
  for (const r of Object.values(regions)) {
    per[r.code] = utilisationOf(r);
    ct += r.cores_total;
    ca += r.cores_allocated;
    mt += r.memory_total_gb;
    ma += r.memory_allocated_gb;
  }
  return {
    t,
    fleet: [percent(ca, ct), percent(ma, mt)],
    regions: per,
    launches: rate?.launches ?? null,
    failed: rate?.failed ?? null,
    ...(stale ? { stale: true } : {}),
  };
}

/** Appends a sample and drops what fell out of the window. Returns a new array (for React). */
export function appendSample(samples: readonly Sample[], s: Sample, windowMs = HISTORY_WINDOW_MS): Sample[] {
  const cutoff = s.t - windowMs;
  let from = 0;
  while (from < samples.length && samples[from].t < cutoff) from++;
  const next = samples.slice(from);
  next.push(s);
  return next;
}

/**
 * Launches per second from successive readings of the host's cumulative counters. A counter
 * that goes down means the host restarted: what it counts now all happened since then.
 */
export class LaunchRate {
  private prev: { t: number; ok: number; failed: number } | null = null;
  private last: { launches: number; failed: number } | null = null;

  observe(t: number, ok: number, failed: number): { launches: number; failed: number } | null {
    const p = this.prev;
    this.prev = { t, ok, failed };
    if (!p || t <= p.t) return this.last;
    const dt = (t - p.t) / 1000;
    const dOk = ok >= p.ok ? ok - p.ok : ok;
    const dFailed = failed >= p.failed ? failed - p.failed : failed;
    this.last = { launches: dOk / dt, failed: dFailed / dt };
    return this.last;
  }

  /** The host could not be read: the rate is unknown until two readings agree again. */
  lost(): void {
    this.prev = null;
    this.last = null;
  }

  current(): { launches: number; failed: number } | null {
    return this.last;
  }
}

export interface ChartRow {
  t: number;
  cores: number | null;
  memory: number | null;
  launches: number | null;
  failed: number | null;
}

/** Rows for one chart: the fleet (region null) or one region, which may be absent early on. */
export function chartRows(samples: readonly Sample[], region: string | null): ChartRow[] {
  return samples.map((s) => {
    if (s.stale) return { t: s.t, cores: null, memory: null, launches: null, failed: null };
    const u = region === null ? s.fleet : s.regions[region];
    return { t: s.t, cores: u ? u[0] : null, memory: u ? u[1] : null, launches: s.launches, failed: s.failed };
  });
}
