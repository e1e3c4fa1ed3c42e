// The proxy's own counters: what it answered, not what the workers did. `/v1/status` reports
// them beside the orchestrator's launch figures (which survive a proxy restart).

export interface RequestRecord {
  route: string;
  status: number;
  /** A launch route that reached the orchestrator: true = VM made, false = refused or failed. */
  launched?: boolean;
}

export class ProxyMetrics {
  total = 0;
  errors = 0;
  launchesOk = 0;
  launchesFailed = 0;
  inFlight = 0;
  sseClients = 0;
  readonly byStatus = new Map<number, number>();
  readonly byRoute = new Map<string, number>();

  record(r: RequestRecord): void {
    this.total++;
    if (r.status >= 400) this.errors++;
    this.byStatus.set(r.status, (this.byStatus.get(r.status) ?? 0) + 1);
    this.byRoute.set(r.route, (this.byRoute.get(r.route) ?? 0) + 1);
    if (r.launched === true) this.launchesOk++;
    else if (r.launched === false) this.launchesFailed++;
  }

  snapshot(): { total: number; errors: number; launches_ok: number; launches_failed: number } {
    return {
      total: this.total,
      errors: this.errors,
      launches_ok: this.launchesOk,
      launches_failed: this.launchesFailed,
    };
  }
}
