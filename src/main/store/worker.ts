// The store worker thread: loads the bootstrap fleet — the regions CSV, or `serve --scenario`'s
// regions and machines — refusing a defective one before anything starts, opens the backend,
// lays the stored state over it and serves StoreService. With `--store etcd://…` the fleet is
// shared: the one in etcd (seeded from the bootstrap fleet if etcd has none), followed through
// etcd's watch.

import { hostSettings } from '../../shared/scenario';
import {
  LAPSING_MACHINES,
  LEASE_HEALTH,
  ORPHANED_VMS,
  OWNED_MACHINES,
  OWNER_REQUESTS,
  type PeerName,
  REMOTE_VMS,
  STORE_EVENTS,
  STORE_TOPIC_READERS,
} from '../../shared/services';
import { packEvents } from '../../shared/store-event-wire';
import type { StoreEvent } from '../../shared/types';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { openBackend } from './backend';
import { loadRegionsFile } from './csv';
import { Fleet } from './fleet';
import { orchestratorEvents } from './orchestrator-events';
import { parseScenario } from './scenario-parse';
import { storeService } from './service';

/** Where each topic goes (services.ts): the orchestrator's share of the events is sent apart. */
const READERS = STORE_TOPIC_READERS;
const ORCHESTRATOR: PeerName[] = ['orchestrator'];

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'store' });
  const scenario = ctx.config.scenario;
  const data = scenario
    ? parseScenario(scenario.files, new Date().toISOString()).fleet
    : await loadRegionsFile(ctx.config.regionsFile);
  // The events made in one go (a launch's four) cross together, each VM once (store-event-wire.ts).
  let made: StoreEvent[] = [];
  const publish = (event: StoreEvent) => {
    if (made.push(event) > 1) return;
    queueMicrotask(() => {
      const events = made;
      made = [];
      ctx.broadcast(STORE_EVENTS, packEvents(events), READERS[STORE_EVENTS]);
      if (!ctx.config.store) return;
      const followed = orchestratorEvents(events);
      if (followed.length > 0) ctx.broadcast(STORE_EVENTS, followed, ORCHESTRATOR);
    });
  };
  if (ctx.config.store) {
    // Loaded on demand: hosts with the embedded store never load the etcd client.
    const { openSharedFleet } = await import('./etcd/shared-fleet');
    const shared = await openSharedFleet(ctx.config.store, data, {
      seed: ctx.config.seed,
      // Without them a shared host ran the default strategy and realistic timing whatever its flags.
      settings: hostSettings(ctx.config),
      scenario: scenario?.name,
      publish,
      orphaned: (vms) => ctx.broadcast(ORPHANED_VMS, vms, READERS[ORPHANED_VMS]),
      owned: (machines) => ctx.broadcast(OWNED_MACHINES, machines, READERS[OWNED_MACHINES]),
      lease: (refusal) => ctx.broadcast(LEASE_HEALTH, refusal, READERS[LEASE_HEALTH]),
      lapsing: (machines) => ctx.broadcast(LAPSING_MACHINES, machines, READERS[LAPSING_MACHINES]),
      remoteVms: (changed) => ctx.broadcast(REMOTE_VMS, changed, READERS[REMOTE_VMS]),
      ownerRequest: (req) => ctx.broadcast(OWNER_REQUESTS, req, READERS[OWNER_REQUESTS]),
      log,
    });
    const totals = shared.fleet.totals();
    log.info('store ready', { regions: totals.regions, machines: totals.machines, ...shared.report });
    return {
      service: storeService(shared.fleet, {
        cluster: () => shared.membership.view(),
        orphans: () => shared.membership.orphans(),
        etcdStats: () => shared.stats(),
        reportActors: (counts) => shared.membership.reportActors(counts),
        onOwner: (machine, action, options) => shared.requests.ask(machine, action, options),
        answerOwner: (id, outcome) => shared.requests.answer(id, outcome),
        leaseRefusal: () => shared.membership.leaseRefusal,
        owned: () => shared.membership.ownedMachines(),
      }),
      info: { regions: totals.regions, machines: totals.machines, vms: totals.vms, backend: 'etcd' },
      shutdown: () => shared.close(),
    };
  }
  const backend = await openBackend(ctx.config.dataDir);
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
      // A clear or an import still running on libuv's pool finishes before the thread's LMDB is
      // torn down (commits are synchronous, on this thread: ./lmdb-backend).
      release: () => backend.close(),
    };
  } catch (err) {
    await backend.close();
    throw err;
  }
});
