// A machine drawer's allocation chart and status history: the host's record of the machine's
// last ten minutes (GET /v1/machines/{id}/history) joined to what this page has seen live since,
// and turned into chart rows over the window. No DOM: unit-tested.

import type { MachineHistory } from '../../../shared/machine-history';
import { percent } from '../../../shared/percent';
import type { Machine } from '../../../shared/types';
import type { MachinePoint } from './vm-feed';

export interface MachineSeries {
  /** The changes, oldest first: the host's, then the page's newer ones. */
  points: MachinePoint[];
  /** Every change after this (ms) is among `points`; null before the host answered. */
  since: number | null;
}

/** The host's points, then the page's live points newer than the host's last. */
export function mergeMachinePoints(host: MachineHistory | null, live: readonly MachinePoint[]): MachineSeries {
  if (!host) return { points: [...live], since: null };
  const points: MachinePoint[] = host.points.map((p) => ({ ...p }));
  const lastHost = points.length ? points[points.length - 1].t : Number.NEGATIVE_INFINITY;
  for (const p of live) if (p.t > lastHost) points.push(p);
  return { points, since: host.since };
}

export interface ChartRow {
  t: number;
  cores: number;
  memory: number;
}

/**
 * Step-chart rows from the window's start (or the first known change after it) to now. A
 * change older than the window is the figure when the window opens; with no change known, the
 * machine has sat at its current figures since `since`.
 */
export function chartRows(series: MachineSeries, m: Machine, now: number, windowMs: number): ChartRow[] {
  const start = now - windowMs;
  const row = (t: number, cores: number, memory: number): ChartRow => ({
    t,
    cores: percent(cores, m.cores_total),
    memory: percent(memory, m.memory_total_gb),
  });
  const rows: ChartRow[] = [];
  const { points, since } = series;
  if (points.length === 0) {
    if (since === null) return rows;
    rows.push(row(Math.max(since, start), m.cores_allocated, m.memory_allocated_gb));
  }
  for (const p of points) {
    const t = Math.max(p.t, start);
    const r = row(t, p.cores_allocated, p.memory_allocated_gb);
    // Points pushed to the window's start by the clamp: the newest of them is the figure there.
    if (rows.length && rows[rows.length - 1].t === t) rows[rows.length - 1] = r;
    else rows.push(r);
  }
  const last = rows[rows.length - 1];
  if (last && last.t < now) rows.push({ ...last, t: now });
  return rows;
}

/** Status changes, oldest first; with no change known, the current status since `since`. */
export function statusChanges(series: MachineSeries, m: Machine): MachinePoint[] {
  const { points, since } = series;
  if (points.length === 0) {
    if (since === null) return [];
    return [
      {
        t: since,
        status: m.status,
        cores_allocated: m.cores_allocated,
        memory_allocated_gb: m.memory_allocated_gb,
        vm_count: m.vm_count,
      },
    ];
  }
  return points.filter((p, i) => i === 0 || p.status !== points[i - 1].status);
}
