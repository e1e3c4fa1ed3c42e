// The last ten minutes of the fleet, for the charts: utilisation of the fleet and of every
// region (so switching regions shows their past at once), and launches per second. The host
// samples them (shared/samples.ts) and the page loads its ring at start, so a reload keeps the
// charts' past; here is what the charts draw from the samples.

export {
  appendSample,
  HISTORY_WINDOW_MS,
  LaunchRate,
  type Sample,
  takeSample,
  type Utilisation,
  utilisationOf,
} from '../../../shared/samples';

import type { Sample } from '../../../shared/samples';

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
