// Where a time chart's axes, ticks and points go: pure, so the canvas chart (time-chart.tsx)
// only draws and the arithmetic is unit-tested. Times are ms; the x-axis ends at the newest
// sample and reaches back at most HISTORY_WINDOW_MS.

import { formatPercent } from '../../../shared/percent';
import { HISTORY_WINDOW_MS } from '../state/history';

export type ChartUnit = '%' | '/s';

/** The smallest of 1, 2, 5 × 10^k at or above v (at least 1): a y-axis top people can read. */
export function niceCeil(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Tick spacing for a time span: about five ticks, on round steps. */
export function tickStep(spanMs: number): number {
  const steps = [10_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000];
  return steps.find((s) => spanMs / s <= 5) ?? steps[steps.length - 1];
}

/** How long before the newest sample a tick is: "now", "−30s", "−1m30s", "−2m". */
export function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'now';
  if (s < 60) return `−${s}s`;
  // Ticks 30 s apart past a minute read −1m30s, never two "−2m" side by side.
  return s % 60 === 0 ? `−${s / 60}m` : `−${Math.floor(s / 60)}m${s % 60}s`;
}

export function formatValue(unit: ChartUnit, v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === '%') return formatPercent(v);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`;
}

export function formatTick(unit: ChartUnit, v: number): string {
  return unit === '%' ? `${v}%` : String(Number(v.toFixed(1)));
}

export interface ChartDomain {
  /** x from start to end (ms). */
  start: number;
  end: number;
  /** y from 0 to top. */
  top: number;
  xTicks: number[];
  yTicks: number[];
}

/**
 * The axes for these rows: x grows with the data until it spans the whole window, then slides
 * (at least a minute, so two samples are not a full-width line); y zooms to the data (a fleet
 * at 2 % is not a flat line on 0–100 %), never past 100 % for a percentage.
 */
export function chartDomain(
  times: readonly number[],
  values: readonly (readonly (number | null)[])[],
  unit: ChartUnit,
): ChartDomain {
  const end = times.length ? times[times.length - 1] : 0;
  const first = times.length ? times[0] : end;
  const start = Math.max(end - HISTORY_WINDOW_MS, Math.min(first, end - 60_000));
  let peak = 0;
  for (const series of values) for (const v of series) if (v !== null && v > peak) peak = v;
  const top = unit === '%' ? Math.min(100, Math.max(5, niceCeil(peak * 1.25))) : niceCeil(peak * 1.15);
  const step = tickStep(end - start);
  const xTicks: number[] = [];
  for (let x = end; x >= start; x -= step) xTicks.unshift(x);
  return { start, end, top, xTicks, yTicks: [0, top / 2, top] };
}

/**
 * One series as runs of points in pixels: a null (a stale sample, a region not yet sampled)
 * breaks the line instead of drawing it down to zero.
 */
export function seriesRuns(
  times: readonly number[],
  values: readonly (number | null)[],
  d: ChartDomain,
  box: { left: number; top: number; width: number; height: number },
): { x: number; y: number }[][] {
  const runs: { x: number; y: number }[][] = [];
  let run: { x: number; y: number }[] | null = null;
  const span = d.end - d.start || 1;
  for (let i = 0; i < times.length; i++) {
    const v = values[i];
    if (v === null || times[i] < d.start) {
      run = null;
      continue;
    }
    const x = box.left + ((times[i] - d.start) / span) * box.width;
    const y = box.top + box.height - (Math.min(v, d.top) / d.top) * box.height;
    if (!run) {
      run = [];
      runs.push(run);
    }
    run.push({ x, y });
  }
  return runs;
}

/** The index of the sample nearest to x (pixels), or -1 with no samples in view. */
export function nearestIndex(times: readonly number[], d: ChartDomain, left: number, width: number, x: number): number {
  if (times.length === 0) return -1;
  const t = d.start + ((x - left) / (width || 1)) * (d.end - d.start);
  // Binary search: samples are ordered by time.
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(times[lo - 1] - t) <= Math.abs(times[lo] - t)) lo--;
  return times[lo] < d.start ? -1 : lo;
}
