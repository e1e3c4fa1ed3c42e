// Infrastructure: the orchestrator's composition root. It builds one MachineD and one FlyD per
// machine this host owns, registers them, drives the FlyD ticker, and hands launches and
// destroys to their own modules.

import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_NUM_CANDIDATES } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { DEFAULT_STRATEGY, type Strategy } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { Launched, OrchestratorStats, StoreService } from '../../shared/services';
import type { LaunchBatch, LaunchRequest, Machine, PlacementReport, StoreEvent, Vm } from '../../shared/types';
import { createLogger, type Logger } from '../common/log';
import { spawnMachine } from './actors';
import { destroy } from './destroy';
import { type FlushOutcome, type FlydCounters, flush, type Held, held } from './flyd';
import { InOrder } from './in-order';
import { Launcher } from './launch';
import { type MachineSnapshot, observe } from './machined';
import { type MachineEntry, type MachineFilter, ownAll, Registry } from './registry';
import { Supervisor } from './supervisor';
import { Unsettled } from './unsettled';
import { VersionBook } from './version-book';
import type { VmDeps } from './vm-deps';

export interface InfrastructureOptions {
  store: Remote<StoreService>;
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
}

export class Infrastructure {
  readonly registry = new Registry();
  readonly supervisor: Supervisor;
  private readonly log: Logger;
  private readonly flydCounters: FlydCounters = { flushes: 0, failed: 0 };
  /** FlyDs with something to write; the ticker visits only these. */
  private readonly dirty = new Set<MachineEntry>();
  /** Launches and destroys the store left unknown, finished on later ticks. */
  private readonly unsettled: Unsettled;
  private readonly vmDeps: VmDeps;
  private readonly launcher: Launcher;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Reads the fleet and the applied FlyD versions from the store and starts every actor. */
  static async start(options: InfrastructureOptions): Promise<Infrastructure> {
    const [machines, versions] = await Promise.all([options.store.allMachines(), options.store.versions()]);
    return new Infrastructure(options, machines, versions);
  }

  constructor(options: InfrastructureOptions, machines: Machine[], versions: Record<string, number>) {
    const store = options.store;
    this.log = options.log ?? createLogger('silent');
    const now = options.now ?? Date.now;
    this.unsettled = new Unsettled(this.log);
    this.supervisor = new Supervisor({
      maxRestarts: options.maxRestarts ?? 5,
      windowMs: options.restartWindowMs ?? 5000,
      log: this.log,
      escalate: options.escalate ?? ((reason) => this.log.error('escalation with no one to escalate to', { reason })),
      now,
    });
    this.vmDeps = {
      store,
      registry: this.registry,
      unsettled: this.unsettled,
      inOrder: new InOrder(),
      log: this.log,
    };
    this.launcher = new Launcher({
      ...this.vmDeps,
      numCandidates: options.numCandidates ?? DEFAULT_NUM_CANDIDATES,
      strategy: options.strategy ?? DEFAULT_STRATEGY,
      random: options.random ?? Math.random,
      now,
      shared: options.shared,
    });
    const spawnDeps = {
      store,
      supervisor: this.supervisor,
      versions: new VersionBook(versions),
      counters: this.flydCounters,
      markDirty: (entry: MachineEntry) => this.dirty.add(entry),
      log: this.log,
    };
    const owns = options.owns ?? ownAll;
    for (const m of machines) if (owns(m)) this.registry.add(spawnMachine(spawnDeps, m));
    this.log.info('infrastructure started', { machines: this.registry.size });
    if (options.autoTick ?? true) {
      const interval = options.flydIntervalMs ?? DEFAULT_FLYD_INTERVAL_MS;
      this.timer = setInterval(() => void this.tick(), interval);
      this.timer.unref?.();
    }
  }

  // ---- the orchestrator's service ----------------------------------------------------------

  launch(req: LaunchRequest, idempotencyKey?: string): Promise<Vm> {
    return this.launcher.launch(req, idempotencyKey);
  }

  /**
   * A launch that is safe to retry: the live VM this key launched, if there is one and the
   * parameters match, else a new launch recorded under the key.
   */
  launchIdempotent(req: LaunchRequest, key: string): Promise<Launched> {
    return this.launcher.launchIdempotent(req, key);
  }

  /** The batch form of a launch (count, explain); under a key, safe to retry. */
  async launchBatch(req: LaunchRequest, key?: string): Promise<LaunchBatch & { replayed: boolean }> {
    if (key !== undefined) return this.launcher.launchBatchIdempotent(req, key);
    return { ...(await this.launcher.launchBatch(req)), replayed: false };
  }

  /** What a launch of `req` would do, reserving nothing. */
  place(req: LaunchRequest): Promise<PlacementReport> {
    return this.launcher.dryRun(req);
  }

  destroy(id: string): Promise<Vm> {
    return destroy(this.vmDeps, id);
  }

  /** One FlyD round now; resolves, with how many updates were written, once the store answered. */
  async tick(): Promise<number> {
    // Settle unknown writes first: what they release is then in this round's updates.
    if (this.unsettled.size > 0) await this.unsettled.retry();
    const due = [...this.dirty];
    this.dirty.clear();
    const outcomes = await Promise.all(due.map((e) => flushOf(e, false)));
    return outcomes.filter((o) => o === 'applied').length;
  }

  /** Writes every FlyD queue now, waiting for updates already in flight (clean shutdown). */
  async flushAll(): Promise<number> {
    // Settled now, the next start has nothing unacknowledged to inherit (it would not know it).
    if (this.unsettled.size > 0) await this.unsettled.retry();
    const outcomes = await Promise.all([...this.registry.entries()].map((e) => flushOf(e, true)));
    return outcomes.filter((o) => o === 'applied').length;
  }

  stats(): OrchestratorStats {
    let depth = 0;
    for (const e of this.registry.entries()) depth += e.flyd.current?.depth ?? 0;
    return {
      machines: this.registry.size,
      actor_restarts: this.supervisor.restarts,
      flyd_queue_depth: depth,
      flyd_flushes: this.flydCounters.flushes,
      flyd_failed_flushes: this.flydCounters.failed,
      launches_ok: this.launcher.counts.ok,
      launches_failed: this.launcher.counts.failed,
      unsettled_writes: this.unsettled.size,
    };
  }

  /**
   * A shared fleet's change event: the machine's MachineD adopts the allocation the store
   * committed, which includes what other hosts placed there.
   */
  observe(event: StoreEvent): void {
    if (event.type !== 'machine') return;
    const entry = this.registry.get(event.machine.id);
    if (!entry) return;
    const m = event.machine;
    observe(entry.machined, {
      cores_allocated: m.cores_allocated,
      memory_allocated_gb: m.memory_allocated_gb,
      vm_count: m.vm_count,
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
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

/** A FlyD's flush; a FlyD that crashed or stopped on it counts as failed. */
function flushOf(entry: MachineEntry, wait: boolean): Promise<FlushOutcome> {
  return flush(entry.flyd, wait).catch(() => 'failed' as const);
}
