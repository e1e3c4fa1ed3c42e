// The orchestrator worker thread: places and destroys VMs across the fleet. Reconciles first:
// after a worker restart the FlyD queues of the previous incarnation are gone, so the store
// sets every machine's allocation to the sum of its (durable) VMs before MachineDs are built
// from it.

import type { MachineColumns } from '../../shared/machine-columns';
import { mulberry32 } from '../../shared/random';
import { timingOf } from '../../shared/scenario';
import { ORPHANED_VMS, STORE_EVENTS, type StoreService } from '../../shared/services';
import type { OrchestratorStoreEvent, Region, Vm } from '../../shared/types';
import { createLogger } from '../common/log';
import { runWorker } from '../worker-runtime/run-worker';
import { Infrastructure } from './infrastructure';
import { followOwnership } from './ownership';
import { type InfrastructureHolder, orchestratorService } from './service';

/** Mixed into `--seed` so placement does not draw the same numbers as the store's shuffle. */
const PLACEMENT_STREAM = 0x9e3779b9;

/**
 * The deadline of the start-up reads (reconcile, every machine, every version, every VM). They carry the
 * whole fleet, so their time grows with it and with how busy the machine is: under the 5 s
 * request deadline a 100k-machine fleet on a loaded machine once failed to start ("store did
 * not answer versions within 5000 ms"). A store that is really gone still fails the start,
 * and the host reports it; a slow one is waited for.
 */
const STARTUP_READ_TIMEOUT_MS = 120_000;

runWorker(async (ctx) => {
  const log = createLogger(ctx.config.logFormat, { worker: 'orchestrator' });
  const store = ctx.peer<StoreService>('store');
  const bulk = <T>(method: 'reconcile' | 'machineColumns' | 'regions' | 'vms'): Promise<T> =>
    store.call(method, [], STARTUP_READ_TIMEOUT_MS);
  // One stream of draws for the whole run: with --seed a run replays, across rebuilds too. An
  // imported scenario with its own seed starts new streams from it, so the import replays.
  let seed = ctx.config.seed;
  let rng = seed === undefined ? Math.random : mulberry32(seed ^ 0x5eed);
  const build = async () => {
    await bulk('reconcile');
    // The settings in force: the host's flags, or an imported scenario's (strategy, timing, seed).
    const settings = await store.api.settings();
    const wanted = settings.seed ?? undefined;
    if (wanted !== seed) {
      seed = wanted;
      rng = seed === undefined ? Math.random : mulberry32(seed ^ 0x5eed);
    }
    return Infrastructure.start({
      store: store.api,
      startupReads: {
        machineColumns: () => bulk<MachineColumns>('machineColumns'),
        regions: () => bulk<Region[]>('regions'),
        vms: () => bulk<Vm[]>('vms'),
      },
      flydIntervalMs: ctx.config.flydIntervalMs,
      numCandidates: ctx.config.numCandidates,
      strategy: settings.strategy,
      // Seeded placement replays (`--seed`); the store's candidate shuffle has its own stream.
      random: seed === undefined ? Math.random : mulberry32(seed ^ PLACEMENT_STREAM),
      log,
      escalate: (reason) => ctx.escalate(reason),
      shared: !!ctx.config.store,
      seed,
      lifecycle: { profile: timingOf(settings.timing), speed: ctx.config.speed ?? 1, rng },
      onOwner: (id, action, options) => store.api.onOwner(id, action, options),
    });
  };
  // Machines this host took over from a host that is gone: their unfinished stages run here.
  // Listened for before the first build, so a report during it is kept, not lost.
  const early: Vm[][] = [];
  let ready: InfrastructureHolder | null = null;
  if (ctx.config.store) {
    store.on(ORPHANED_VMS, (vms) => {
      if (!Array.isArray(vms)) return;
      if (ready) ready.current.lifecycle.adopt(vms as Vm[]);
      else early.push(vms as Vm[]);
    });
  }
  // A shared fleet: which machines are this host's, its lease, other hosts' VM changes, and
  // actions asked of this host as a machine's owner (./ownership.ts).
  const owner = ctx.config.store ? followOwnership(store, log) : null;
  const first = await build();
  // Rebuilds run one after another: a shared host's reset (or import) asks twice, through its
  // route and its store's `reset` event, and two at once left one Infrastructure running unstopped.
  let rebuilt: Promise<unknown> = Promise.resolve();
  const holder: InfrastructureHolder = {
    current: owner ? await owner.ready(first) : first,
    // After a store reset: drop every actor and its queue, and rebuild from the store.
    rebuild() {
      const run = rebuilt.then(async () => {
        holder.current.stop();
        const next = await build();
        holder.current = owner ? await owner.ready(next) : next;
        log.info('infrastructure rebuilt from the store', { machines: holder.current.registry.size });
        return holder.current;
      });
      rebuilt = run.catch(() => {});
      return run;
    },
  };
  if (ctx.config.store) {
    // A shared fleet: other hosts allocate on these machines too. MachineDs follow what the
    // store committed; another host's reset rebuilds every actor.
    store.on(STORE_EVENTS, (e) => {
      const event = e as OrchestratorStoreEvent; // store/orchestrator-events.ts
      if (event.type === 'reset')
        void holder.rebuild().catch((err) => log.warn('rebuild failed', { error: String(err) }));
      else holder.current.observe(event);
    });
  }
  ready = holder;
  for (const vms of early.splice(0)) holder.current.lifecycle.adopt(vms);
  return {
    service: orchestratorService(holder, log),
    info: { machines: holder.current.registry.size },
    shutdown: async () => {
      owner?.stop();
      holder.current.stop();
      await holder.current.flushAll();
    },
  };
});
