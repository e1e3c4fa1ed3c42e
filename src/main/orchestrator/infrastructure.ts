// Infrastructure: the orchestrator's composition root. It registers every machine (its MachineD
// and FlyD wake when first asked for, on a shared fleet only on the machine's owner), drives the
// FlyD ticker, and hands launches and destroys to their own modules.

import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_NUM_CANDIDATES } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { type MachineActionReport, parseRegionStatus } from '../../shared/faults';
import { fromColumns } from '../../shared/machine-columns';
import { DEFAULT_STRATEGY, type Slot, type Strategy, takesNewVms } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { Launched, OrchestratorStats, RemoteVm, StoreService } from '../../shared/services';
import { INSTANT } from '../../shared/timing';
import type {
  LaunchBatch,
  LaunchRequest,
  Machine,
  OrchestratorStoreEvent,
  PlacementReport,
  Region,
  Vm,
} from '../../shared/types';
import { createLogger, type Logger } from '../common/log';
import { actorWaker, machineEntry, type SpawnDeps } from './actors';
import { Chaos } from './chaos';
import { type Clock, wallClock } from './clock';
import { type FlydCounters, type Held, held } from './flyd';
import { FlydRound } from './flyd-round';
import { InOrder } from './in-order';
import { Launcher } from './launch';
import { LeaseGate } from './lease-gate';
import { type MachineActionOptions, machineAction } from './machine-faults';
import { type Allocation, type MachineSnapshot, release } from './machined';
import { placeFromIndex, type Reserve } from './placer';
import { RegionStatuses } from './regions';
import { type MachineEntry, type MachineFilter, ownAll, Registry } from './registry';
import { Supervisor } from './supervisor';
import { Unsettled } from './unsettled';
import { VersionBook } from './version-book';
import type { VmDeps } from './vm-deps';
import { type LifecycleSettings, VmLifecycle } from './vm-lifecycle';

export interface InfrastructureOptions {
  store: Remote<StoreService>;
  /**
   * The whole-fleet reads at start, when they need another deadline than `store`'s per-call
   * one (the worker gives them one that suits a 100k-machine fleet); `store` otherwise.
   */
  startupReads?: Pick<Remote<StoreService>, 'machineColumns' | 'regions' | 'vms'>;
  flydIntervalMs?: number;
  numCandidates?: number;
  log?: Logger;
  /** Called once when actor restarts exceed the intensity (the worker asks the host for a restart). */
  escalate?: (reason: string) => void;
  /** Restart intensity: more than `maxRestarts` within `restartWindowMs` escalates. */
  maxRestarts?: number;
  restartWindowMs?: number;
  owns?: MachineFilter;
  /** Placement's randomness (shuffles, ties); seedable (`--seed`, tests). */
  random?: () => number;
  /** The host's placement strategy for requests that name none (default random). */
  strategy?: Strategy;
  now?: () => number;
  /** Start the FlyD ticker (default). Tests that drive rounds with tick() pass false. */
  autoTick?: boolean;
  /** The fleet is shared with other hosts through etcd (`--store`). */
  shared?: boolean;
  /** Region statuses at start (the store's); none means every region is Operational. */
  regions?: Region[];
  /** The clock chaos runs on (tests pass a ManualClock). */
  clock?: Clock;
  /** The host's --seed (chaos runs without their own seed draw from it). */
  seed?: number;
  /** Timing of lifecycle stages, clock and rng; the instant profile on the wall clock by default. */
  lifecycle?: Partial<LifecycleSettings>;
  /**
   * A shared fleet: runs an operator's action on a machine another host owns on that host
   * (through the store), answering with its report.
   */
  onOwner?: (id: string, action: string, options: MachineActionOptions) => Promise<MachineActionReport>;
}

/** What placeOne did: the machine that now holds the room, or the region's largest free slots. */
export type Placement = { machine_id: string } | { slots: Slot[] };

export class Infrastructure {
  readonly registry = new Registry();
  readonly supervisor: Supervisor;
  private readonly log: Logger;
  private readonly flydCounters: FlydCounters = { flushes: 0, failed: 0 };
  /** Machines with something to write; the ticker visits only these. */
  private readonly round: FlydRound;
  /** Launches and destroys the store left unknown, finished on later ticks. */
  private readonly unsettled: Unsettled;
  private readonly vmDeps: VmDeps;
  private readonly launcher: Launcher;
  readonly lifecycle: VmLifecycle;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Region statuses: Down refuses launches, Degraded Performance slows lifecycle stages. */
  readonly regions: RegionStatuses;
  readonly chaos: Chaos;
  private readonly random: () => number;
  /** A shared fleet: launches wait on this host's etcd lease. */
  readonly lease: LeaseGate;
  private readonly onOwner: InfrastructureOptions['onOwner'];
  /** What actors are built with, and what writes a sleeping machine's changes. */
  private readonly spawnDeps: SpawnDeps;

  /** Reads the fleet and the applied FlyD versions from the store and registers every machine. */
  static async start(options: InfrastructureOptions): Promise<Infrastructure> {
    const reads = options.startupReads ?? options.store;
    const [columns, regions] = await Promise.all([reads.machineColumns(), options.regions ?? reads.regions()]);
    const { machines, versions } = fromColumns(columns);
    const infra = new Infrastructure({ ...options, regions }, machines, versions);
    // VMs a previous incarnation left mid-transition finish (or fail) their stage: none stays
    // transient. On a shared fleet only those of hosts that are gone, on machines this one owns:
    // the others' stages are running in their own hosts.
    if (options.shared) infra.lifecycle.adopt(await options.store.orphans());
    else await infra.lifecycle.recover(() => reads.vms());
    return infra;
  }

  constructor(options: InfrastructureOptions, machines: Machine[], versions: Record<string, number>) {
    const store = options.store;
    this.onOwner = options.onOwner;
    this.log = options.log ?? createLogger('silent');
    this.lease = new LeaseGate(this.log);
    const now = options.now ?? Date.now;
    this.unsettled = new Unsettled(this.log);
    this.round = new FlydRound(this.registry, this.unsettled);
    this.supervisor = new Supervisor({
      maxRestarts: options.maxRestarts ?? 5,
      windowMs: options.restartWindowMs ?? 5000,
      log: this.log,
      escalate: options.escalate ?? ((reason) => this.log.error('escalation with no one to escalate to', { reason })),
      now,
      restarted: (actor, cause, restarts) => {
        const machine_id = actor.slice(actor.indexOf(' ') + 1);
        Promise.resolve(store.announce({ actor, machine_id, cause, restarts })).catch(() => {});
      },
    });
    this.regions = new RegionStatuses(options.regions ?? []);
    this.vmDeps = {
      store,
      registry: this.registry,
      unsettled: this.unsettled,
      inOrder: new InOrder(),
      log: this.log,
    };
    const random = options.random ?? Math.random;
    this.random = random;
    this.lifecycle = new VmLifecycle(this.vmDeps, {
      profile: INSTANT,
      speed: 1,
      clock: wallClock,
      rng: random,
      // Degraded Performance regions run every stage slower (the profile's degraded_factor).
      degraded: (region) => this.regions.degraded(region),
      shared: options.shared,
      ...options.lifecycle,
    });
    this.launcher = new Launcher({
      ...this.vmDeps,
      numCandidates: options.numCandidates ?? DEFAULT_NUM_CANDIDATES,
      strategy: options.strategy ?? DEFAULT_STRATEGY,
      random,
      now,
      shared: options.shared,
      lifecycle: this.lifecycle.engine,
    });
    const spawnDeps: SpawnDeps = {
      store,
      supervisor: this.supervisor,
      versions: new VersionBook(versions),
      counters: this.flydCounters,
      markDirty: (entry: MachineEntry) => this.round.mark(entry),
      allocated: (entry: MachineEntry, a: Allocation) => this.registry.allocated(entry, a),
      log: this.log,
    };
    this.spawnDeps = spawnDeps;
    this.chaos = new Chaos({
      registry: this.registry,
      supervisor: this.supervisor,
      clock: options.clock ?? options.lifecycle?.clock ?? wallClock,
      seed: options.seed,
      machineAction: (id, action) => this.machineAction(id, action),
      log: this.log,
    });
    const owns = options.owns ?? ownAll;
    const waker = actorWaker(spawnDeps, this.registry.awake, this.registry.wakes);
    for (const m of machines) if (owns(m)) this.registry.add(machineEntry(waker, m));
    this.log.info('infrastructure started', { machines: this.registry.size });
    if (options.autoTick ?? true) {
      const interval = options.flydIntervalMs ?? DEFAULT_FLYD_INTERVAL_MS;
      this.timer = setInterval(() => void this.tick(), interval);
      this.timer.unref?.();
    }
  }

  // ---- the orchestrator's service ----------------------------------------------------------

  /**
   * Answers once the VM is placed and recorded (`creating` under a timing that takes time): the
   * gate waits for created() or wait() as its route promises, each call under the RPC deadline.
   */
  async launch(req: LaunchRequest, idempotencyKey?: string): Promise<Vm> {
    this.lease.check();
    this.refuseIfDown(req);
    return this.launcher.launch(req, idempotencyKey);
  }

  /** The VM once its create stage is over (created, past it, or failed). */
  created(id: string, timeoutMs: number): Promise<Vm> {
    return this.lifecycle.created(id, timeoutMs);
  }

  /**
   * A launch that is safe to retry: the live VM this key launched, if there is one and the
   * parameters match, else a new launch recorded under the key.
   */
  async launchIdempotent(req: LaunchRequest, key: string): Promise<Launched> {
    this.lease.check();
    this.refuseIfDown(req);
    return this.launcher.launchIdempotent(req, key);
  }

  /** The batch form of a launch (count, explain); under a key, safe to retry. */
  async launchBatch(req: LaunchRequest, key?: string): Promise<LaunchBatch & { replayed: boolean }> {
    this.lease.check();
    if (key !== undefined) return this.launcher.launchBatchIdempotent(req, key);
    return { ...(await this.launcher.launchBatch(req)), replayed: false };
  }

  /** What a launch of `req` would do, reserving nothing. */
  place(req: LaunchRequest): Promise<PlacementReport> {
    return this.launcher.dryRun(req);
  }

  /** start, stop, suspend, restart or destroy (a started VM needs force to be destroyed). */
  operate(id: string, op: string, force?: boolean): Promise<Vm> {
    return this.lifecycle.operate(id, op, force);
  }

  wait(id: string, state: string, timeoutMs: number): Promise<Vm> {
    return this.lifecycle.wait(id, state, timeoutMs);
  }

  // ---- faults -------------------------------------------------------------------------------

  /** drain | offline [evacuate] | online one machine (machine-faults.ts). */
  machineAction(
    id: string,
    action: string,
    options: MachineActionOptions = {},
    /** Run here whoever owns it (asked of this host as the owner). */
    here = false,
  ): Promise<MachineActionReport> {
    // A machine another host owns: its actors and its VMs' stages are there, so the action is too.
    const entry = typeof id === 'string' ? this.registry.get(id) : undefined;
    if (entry && !entry.owned && this.onOwner && !here) return this.onOwner(id, action, options);
    return machineAction(
      {
        ...this.vmDeps,
        failHolding: (machineId, reason) => this.failHolding(machineId, reason),
        relaunch: (vm) => this.launch({ region: vm.region, memory_gb: vm.memory_gb, cores: vm.cores }),
      },
      id,
      action,
      options,
    );
  }

  /** Records a region's status in the store, then acts on it here. */
  async setRegionStatus(code: string, status: string): Promise<Region> {
    const known = parseRegionStatus(status);
    const region = await this.vmDeps.store.setRegionStatus(code, known);
    this.regions.set(region.code, region.status);
    this.log.info('region status', { region: region.code, status: region.status });
    return region;
  }

  /** Fails every VM of the machine that holds resources (lifecycle `failed`, with the reason). */
  private async failHolding(machineId: string, reason: string): Promise<Vm[]> {
    const entry = this.registry.get(machineId);
    return entry ? this.lifecycle.failHolding(machineId, entry.record.region, reason) : [];
  }

  /**
   * A shared fleet: the machines this host owns (their actors run here; the others' are only
   * placement views here). Those it lost sleep; the stages the store names this host the driver
   * of arrive through remoteVms(). How many changed hands.
   */
  setOwned(owned: ReadonlySet<string> | null): { gained: number; lost: number } {
    const { gained, lost } = this.registry.setOwned(owned);
    return { gained: gained.length, lost };
  }

  /** A shared fleet: VMs changed by any host; `drive`: their stage runs here (see VmLifecycle.remote). */
  remoteVms(changed: readonly RemoteVm[]): number {
    return this.lifecycle.remote(changed);
  }

  private refuseIfDown(req: LaunchRequest): void {
    if (req && typeof req.region === 'string')
      this.regions.refuseIfDown(req.region, req.memory_gb, req.cores, this.registry);
  }

  /** The seed's destroy: whatever the VM's state, as `flylight destroy` always did. */
  destroy(id: string): Promise<Vm> {
    return this.lifecycle.operate(id, 'destroy', true);
  }

  /** One FlyD round now; resolves, with how many updates were written, once the store answered. */
  tick(): Promise<number> {
    return this.round.run(this.spawnDeps);
  }

  /** Writes every FlyD queue now, waiting for updates already in flight (clean shutdown). */
  flushAll(): Promise<number> {
    // Settled now, the next start has nothing unacknowledged to inherit (it would not know it).
    return this.round.all();
  }

  stats(): OrchestratorStats {
    let depth = 0;
    for (const e of this.registry.awake) depth += e.flyd.current?.depth ?? 0;
    depth += this.round.unwrittenAsleep();
    return {
      machines: this.registry.size,
      actor_restarts: this.supervisor.restarts,
      flyd_queue_depth: depth,
      flyd_flushes: this.flydCounters.flushes,
      flyd_failed_flushes: this.flydCounters.failed,
      launches_ok: this.launcher.counts.ok,
      launches_failed: this.launcher.counts.failed,
      unsettled_writes: this.unsettled.size,
      vm_transitions: this.lifecycle.engine.completed(),
      vm_stages_in_flight: this.lifecycle.engine.inFlight,
      actors: this.registry.actorCounts(),
    };
  }

  /**
   * A shared fleet's change event: MachineD adopts the allocation and schedulability the store
   * committed (which include other hosts' doings); a region status set through another host applies here.
   */
  observe(event: OrchestratorStoreEvent): void {
    if (event.type === 'region') this.regions.set(event.region.code, event.region.status);
    const entry = event.type === 'machine' ? this.registry.get(event.machine.id) : undefined;
    if (!entry || event.type !== 'machine') return;
    // A sleeping machine (another host's, above all) has its record updated, never woken.
    entry.observe(event.machine, takesNewVms(event.machine.status));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ---- placement alone (the placement benchmark; not part of OrchestratorService) -----------

  /**
   * A launch's placement step alone, recording nothing: the strategy's machine from the region's
   * free index (random by default) reserved by its MachineD, or the region's largest free slots.
   */
  placeOne(region: string, memory_gb: number, cores: number, strategy?: Strategy): Placement | Promise<Placement> {
    const got = placeFromIndex(this.registry, region, memory_gb, cores, strategy ?? 'random', this.random, reserveOne);
    // Answered in this turn when the chosen MachineD took it at once (see placeFromIndex).
    if (!(got instanceof Promise)) return 'entry' in got ? { machine_id: got.entry.record.id } : got;
    return got.then((g) => ('entry' in g ? { machine_id: g.entry.record.id } : g));
  }

  /** Gives back what placeOne reserved. */
  unplace(machineId: string, memory_gb: number, cores: number): Promise<void> {
    const e = this.registry.get(machineId);
    if (!e) throw new ApiError('not_found', `no machine ${machineId} on this host`);
    // A sleeping machine gives it back in place, as it reserved it (MachineEntry.release).
    if (!e.owned || !e.awake) return Promise.resolve(e.release(memory_gb, cores));
    return release(e.machined, memory_gb, cores);
  }

  // ---- peeks for tests (not part of OrchestratorService) -----------------------------------

  /** MachineD's current view of a machine; undefined if unknown, null while it restarts. */
  machine(id: string): MachineSnapshot | null | undefined {
    const e = this.registry.get(id);
    return e && (e.machined.current?.snapshot() ?? null);
  }

  /** What a machine's FlyD holds (newest state, whether the store may lag behind it). */
  held(id: string): Promise<Held> {
    const e = this.registry.get(id);
    if (!e) throw new ApiError('not_found', `no machine ${id} on this host`);
    return held(e.flyd);
  }
}

/** placeOne's reservation when the MachineD is busy; one function, not a closure per call. */
const reserveOne: Reserve = (e, memory_gb, cores) => e.reserve(memory_gb, cores).catch(() => false);
