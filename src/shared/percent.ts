// Allocation as a percentage, computed and written one way for the dashboard, its charts and
// the CLI, so the same fleet reads the same everywhere.

/** `part` of `total` in percent, held to 0–100 (a bar cannot be fuller than full). */
export function percent(part: number, total: number): number {
  return total > 0 ? Math.min(100, Math.max(0, (100 * part) / total)) : 0;
}

/**
 * One decimal below 10 %, whole numbers above. A little use must not read as none: 4 of 10,768
 * cores is "<0.1%", not "0.0%" or "0%".
 */
export function formatPercent(p: number): string {
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString()}%`;
}

export interface Allocation {
  cores_allocated: number;
  cores_total: number;
  memory_allocated_gb: number;
  memory_total_gb: number;
}

/** The larger of core and memory use: whichever runs out first limits launches. */
export function utilisation(x: Allocation): number {
  return Math.max(percent(x.cores_allocated, x.cores_total), percent(x.memory_allocated_gb, x.memory_total_gb));
}
