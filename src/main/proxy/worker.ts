// fly-proxy: the proxy worker thread. Wires the gate to its peers, fans store events out to
// event streams, and listens on the configured address.

import type { ActivityEvent } from '../../shared/activity';
import type { LogEntry } from '../../shared/host-log';
import type { HostService, OrchestratorService, StoreService } from '../../shared/services';
import { HOST_ACTIVITY, HOST_LOGS, HOST_WORKERS, LEASE_HEALTH, STORE_EVENTS } from '../../shared/services';
import type { StoreEvent, WorkerStatus } from '../../shared/types';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { createProxy } from './proxy';

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'proxy' });
  const store = ctx.peer<StoreService>('store');
  const proxy = createProxy({
    store: store.api,
    orchestrator: ctx.peer<OrchestratorService>('orchestrator').api,
    host: ctx.peer<HostService>('host').api,
    config: ctx.config,
    log,
  });
  store.on(STORE_EVENTS, (e) => proxy.publish(e as StoreEvent));
  // Told on change; asked once for a proxy that starts (or restarts) while the lease is lapsed.
  store.on(LEASE_HEALTH, (refusal) => proxy.gate.leaseHealth(refusal));
  proxy.gate.leaseHealth(await store.api.leaseRefusal().catch(() => null));
  ctx.peer<HostService>('host').on(HOST_WORKERS, (data) => {
    const workers = data as WorkerStatus[];
    proxy.hub.publishWorkers(workers);
    if (workers.every((w) => w.state === 'ready')) proxy.gate.breaker.recovered();
  });
  ctx.peer<HostService>('host').on(HOST_ACTIVITY, (e) => proxy.follow.activity.publish(e as ActivityEvent));
  ctx.peer<HostService>('host').on(HOST_LOGS, (e) => proxy.follow.logs.publish(e as LogEntry));
  const address = await proxy.listen();
  return {
    service: proxy.service,
    info: { ...address },
    shutdown: () => proxy.close(),
  };
});
