// How serious a region's status is, decided once for the dashboard's colours and the CLI's.
// The store passes statuses through from the bootstrap CSV as free text ("Operational",
// "Degraded Performance", "Partially Degraded", "Major Outage", ...).

export type Severity = 'ok' | 'warn' | 'bad';

/** Operational is ok; any kind of degradation is a warning; anything else (an outage) is bad. */
export function regionSeverity(status: string): Severity {
  const s = status.trim().toLowerCase();
  if (s === 'operational') return 'ok';
  if (s.includes('degraded')) return 'warn';
  return 'bad';
}
