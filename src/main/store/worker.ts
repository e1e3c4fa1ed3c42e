// The store worker thread: loads the bootstrap fleet — the regions CSV, or `serve --scenario`'s
// regions and machines — refusing a defective one before anything starts, opens the backend,
// lays the stored state over it and serves StoreService.

import { hostSettings } from '../../shared/scenario';
import { STORE_EVENTS } from '../../shared/services';
import { packEvents } from '../../shared/store-event-wire';
import type { StoreEvent } from '../../shared/types';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { openBackend } from './backend';
import { loadRegionsFile } from './csv';
import { Fleet } from './fleet';
import { parseScenario } from './scenario-parse';
import { storeService } from './service';

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'store' });
  const scenario = ctx.config.scenario;
  const data = scenario
    ? parseScenario(scenario.files, new Date().toISOString()).fleet
    : await loadRegionsFile(ctx.config.regionsFile);
  const backend = await openBackend(ctx.config.dataDir);
  // The events made in one go (a launch's four) cross together, each VM once (store-event-wire.ts).
  let made: StoreEvent[] = [];
  const publish = (event: StoreEvent) => {
    if (made.push(event) > 1) return;
    queueMicrotask(() => {
      const events = made;
      made = [];
      ctx.broadcast(STORE_EVENTS, packEvents(events));
    });
  };
  try {
    const { fleet, report } = await Fleet.open(data, {
      backend,
      seed: ctx.config.seed,
      settings: hostSettings(ctx.config),
      publish,
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
