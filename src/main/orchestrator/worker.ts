// The orchestrator worker thread: places and destroys VMs across the fleet. Reconciles first:
// after a worker restart the FlyD queues of the previous incarnation are gone, so the store
// sets every machine's allocation to the sum of its (durable) VMs before MachineDs are built
// from it.

import { mulberry32 } from '../../shared/random';
import { STORE_EVENTS, type StoreService } from '../../shared/services';
import { REALISTIC } from '../../shared/timing';
import type { StoreEvent } from '../../shared/types';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { Infrastructure } from './infrastructure';
import { type InfrastructureHolder, orchestratorService } from './service';

/** Mixed into `--seed` so placement does not draw the same numbers as the store's shuffle. */
const PLACEMENT_STREAM = 0x9e3779b9;

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'orchestrator' });
  const store = ctx.peer<StoreService>('store');
  // One stream of draws for the whole run: with --seed a run replays, across rebuilds too.
  const rng = ctx.config.seed === undefined ? Math.random : mulberry32(ctx.config.seed ^ 0x5eed);
  const build = async () => {
    await store.api.reconcile();
    return Infrastructure.start({
      store: store.api,
      flydIntervalMs: ctx.config.flydIntervalMs,
      numCandidates: ctx.config.numCandidates,
      strategy: ctx.config.strategy,
      // Seeded placement replays (`--seed`); the store's candidate shuffle has its own stream.
      random: ctx.config.seed === undefined ? Math.random : mulberry32(ctx.config.seed ^ PLACEMENT_STREAM),
      log,
      escalate: (reason) => ctx.escalate(reason),
      shared: !!ctx.config.store,
      seed: ctx.config.seed,
      lifecycle: { profile: ctx.config.timing ?? REALISTIC, speed: ctx.config.speed ?? 1, rng },
    });
  };
  const holder: InfrastructureHolder = {
    current: await build(),
    // After a store reset: drop every actor and its queue, and rebuild from the store.
    async rebuild() {
      holder.current.stop();
      holder.current = await build();
      log.info('infrastructure rebuilt from the store', { machines: holder.current.registry.size });
      return holder.current;
    },
  };
  if (ctx.config.store) {
    // A shared fleet: other hosts allocate on these machines too. MachineDs follow what the
    // store committed; another host's reset rebuilds every actor.
    store.on(STORE_EVENTS, (e) => {
      const event = e as StoreEvent;
      if (event.type === 'reset')
        void holder.rebuild().catch((err) => log.warn('rebuild failed', { error: String(err) }));
      else holder.current.observe(event);
    });
  }
  return {
    service: orchestratorService(holder, log),
    info: { machines: holder.current.registry.size },
    shutdown: async () => {
      holder.current.stop();
      await holder.current.flushAll();
    },
  };
});
