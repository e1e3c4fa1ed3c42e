// Samples of what the dashboard charts, once a second over the last ten minutes: utilisation
// of the fleet and of every region, and launches per second. The host takes them (so a page
// that opens late, or reloads, still has the past) and the page draws them; both use these.

import { percent } from './percent';
import type { Region } from './types';

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

/** How often the host samples, and the ring it keeps: the charts' 10-minute axis. */
export const SAMPLE_INTERVAL_MS = 1000;
export const SAMPLE_RING = HISTORY_WINDOW_MS / SAMPLE_INTERVAL_MS;

/**
 * `GET /v1/samples`: the samples after `since` (ms), oldest first. Region figures are columns
 * in the order of `regions` (a code is written once, not once per sample), null where a
 * sample has no figure for that region.
 */
export interface SamplePage {
  interval_ms: number;
  window_ms: number;
  regions: string[];
  samples: WireSample[];
}

export interface WireSample {
  t: number;
  fleet: Utilisation;
  regions: (Utilisation | null)[];
  launches: number | null;
  failed: number | null;
  stale?: boolean;
}

export function unpackSamples(page: SamplePage): Sample[] {
  return page.samples.map((w) => {
    const regions: Record<string, Utilisation> = {};
    page.regions.forEach((c, i) => {
      const u = w.regions[i];
      if (u) regions[c] = u;
    });
    return {
      t: w.t,
      fleet: w.fleet,
      regions,
      launches: w.launches,
      failed: w.failed,
      ...(w.stale ? { stale: true } : {}),
    };
  });
}

/**
 * The host's samples joined to what a page already shows: the page's own stale samples (taken
 * while it could not reach the host) give way to the host's real ones for the same time.
 */
export function mergeSamples(
  mine: readonly Sample[],
  theirs: readonly Sample[],
  windowMs = HISTORY_WINDOW_MS,
): Sample[] {
  if (theirs.length === 0) return mine as Sample[];
  const firstNew = theirs[0].t;
  let keep = mine.length;
  while (keep > 0 && mine[keep - 1].t >= firstNew) keep--;
  const merged = mine.slice(0, keep).concat(theirs);
  const cutoff = merged[merged.length - 1].t - windowMs;
  let from = 0;
  while (from < merged.length && merged[from].t < cutoff) from++;
  return from ? merged.slice(from) : merged;
}
