// The store worker thread: loads the bootstrap CSV (refusing a defective file before anything
// starts), opens the backend, lays the stored state over the CSV and serves StoreService.

import { STORE_EVENTS } from '../../shared/services';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { openBackend } from './backend';
import { loadRegionsFile } from './csv';
import { Fleet } from './fleet';
import { storeService } from './service';

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'store' });
  const data = await loadRegionsFile(ctx.config.regionsFile);
  const backend = await openBackend(ctx.config.dataDir);
  try {
    const { fleet, report } = await Fleet.open(data, {
      backend,
      seed: ctx.config.seed,
      publish: (event) => ctx.broadcast(STORE_EVENTS, event),
      warn: (msg, fields) => log.warn(msg, fields),
    });
    const totals = fleet.totals();
    log.info('store ready', { regions: totals.regions, machines: totals.machines, ...report });
    return {
      service: storeService(fleet),
      info: { regions: totals.regions, machines: totals.machines, vms: totals.vms, backend: backend.kind },
      shutdown: () => backend.close(),
    };
  } catch (err) {
    await backend.close();
    throw err;
  }
});
