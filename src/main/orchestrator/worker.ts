// Orchestrator worker entry (fly_global). Reconciles first: after a worker restart the FlyD
// queues of the previous incarnation are gone, so the store sets every machine's allocation to
// the sum of its (durable) VMs before MachineDs are built from it.

import type { StoreService } from '../../shared/services';
import { createLogger } from '../host/log';
import { runWorker } from '../host/worker-runtime';
import { Infrastructure } from './infrastructure';
import { orchestratorService } from './service';

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'orchestrator' });
  const store = ctx.peer<StoreService>('store');
  await store.api.reconcile();
  const infra = await Infrastructure.start({
    store: store.api,
    flydIntervalMs: ctx.config.flydIntervalMs,
    numCandidates: ctx.config.numCandidates,
    log,
    escalate: (reason) => ctx.escalate(reason),
  });
  return {
    service: orchestratorService(infra),
    info: { machines: infra.registry.size },
    shutdown: async () => {
      infra.stop();
      await infra.flushAll();
    },
  };
});
