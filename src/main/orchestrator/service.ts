// The OrchestratorService as other threads see it. A plain object with exactly the contract's
// methods: serveRpc dispatches by name, so nothing else of Infrastructure (its test hooks
// above all) is reachable from another worker.

import type { Remote } from '../../shared/rpc';
import type { OrchestratorService } from '../../shared/services';
import type { Infrastructure } from './infrastructure';

export function orchestratorService(infra: Infrastructure): Remote<OrchestratorService> {
  return {
    launch: (req) => infra.launch(req),
    destroy: (id) => infra.destroy(id),
    flush: async () => ({ flushed: await infra.flushAll() }),
    stats: async () => infra.stats(),
  };
}
