// What the host says about itself: GET /v1/status for people and the CLI, GET /metrics for
// Prometheus. Both answer while a worker restarts (that is when people ask), each in its way:
// status falls back to what the proxy knows, a scrape reports the silent worker as down.

import { ApiError } from '../../shared/errors';
import { EMPTY_FLEET, type StatusReport } from '../../shared/types';
import { VERSION } from '../../shared/version';
import { withDeadline } from './deadline';
import type { GateServices } from './route-context';

/** How long a /metrics scrape waits for each worker before it reports the source as down. */
const SCRAPE_WAIT_MS = 1000;

/**
 * Missing parts fall back (empty fleet, the proxy's own launch counts) and the worker list
 * shows why.
 */
export async function statusReport(services: GateServices): Promise<StatusReport> {
  const { host, store, orchestrator, metrics, breaker } = services;
  const [workers, uptime, totals, stats] = await Promise.allSettled([
    host.workers(),
    host.uptimeSeconds(),
    store.totals(),
    orchestrator.stats(),
  ]);
  const own = metrics.snapshot();
  return {
    version: VERSION,
    uptime_s: uptime.status === 'fulfilled' ? uptime.value : Math.round(process.uptime()),
    api: services.address().url,
    flyd_interval_ms: services.config.flydIntervalMs,
    fleet: totals.status === 'fulfilled' ? totals.value : { ...EMPTY_FLEET },
    workers: workers.status === 'fulfilled' ? workers.value : [],
    requests: {
      total: own.total,
      errors: own.errors,
      launches_ok: stats.status === 'fulfilled' ? stats.value.launches_ok : own.launches_ok,
      launches_failed: stats.status === 'fulfilled' ? stats.value.launches_failed : own.launches_failed,
    },
    breaker: breaker.status(),
  };
}

/** Prometheus text; a worker that does not answer within SCRAPE_WAIT_MS is reported down. */
export function scrape(services: GateServices): Promise<string> {
  const { store, orchestrator, host, breaker, metrics } = services;
  const soon = <T>(p: Promise<T>) =>
    withDeadline(p, SCRAPE_WAIT_MS, () => {
      throw new ApiError('timeout', `no answer within ${SCRAPE_WAIT_MS} ms`);
    });
  return metrics.render({
    regions: () => soon(store.regions()),
    vmStates: () => soon(store.vmStates()),
    // An open breaker means the orchestrator is not answering: do not queue behind it.
    stats: () =>
      breaker.status().state === 'open'
        ? Promise.reject(new ApiError('unavailable', 'breaker open'))
        : soon(orchestrator.stats()),
    workers: () => soon(host.workers()),
    breaker: () => breaker.status(),
    // A store that does not know the call (an older worker, a test's) shows no etcd figures.
    etcdStats: () => soon(Promise.resolve().then(() => store.etcdStats())),
  });
}
