// Infrastructure: builds one MachineD and one FlyD per machine this host owns, registers them,
// drives the FlyD ticker, and runs every launch (place on a machine with room, then record the
// VM in the store) and every destroy (free the machine, then forget the VM).

import { randomUUID } from 'node:crypto';
import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_NUM_CANDIDATES } from '../../shared/config';
import { ApiError, toErrorBody } from '../../shared/errors';
import type { Remote } from '../../shared/rpc';
import type { Launched, OrchestratorStats, StoreService } from '../../shared/services';
import type { LaunchRequest, Machine, Vm } from '../../shared/types';
import { createLogger, type Logger } from '../host/log';
import { ActorCell } from './actor';
import { type FlushOutcome, FlyD, type FlydCounters, type FlydMsg, type Held, VersionBook } from './flyd';
import { type Allocation, type Capacity, MachineD, type MachineMsg, type MachineSnapshot } from './machined';
import { type MachineEntry, type MachineFilter, ownAll, Registry } from './registry';
import { checkKey, checkLaunch, checkVmId, type Placement } from './request';
import { Supervisor } from './supervisor';
import { Unsettled } from './unsettled';

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
  /** For the fallback shuffle; seedable in tests. */
  random?: () => number;
  now?: () => number;
  /** Start the FlyD ticker (default). Tests that drive rounds with tick() pass false. */
  autoTick?: boolean;
}

export class Infrastructure {
  readonly registry = new Registry();
  readonly supervisor: Supervisor;
  private readonly store: Remote<StoreService>;
  private readonly log: Logger;
  private readonly numCandidates: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly versions: VersionBook;
  private readonly flydCounters: FlydCounters = { flushes: 0, failed: 0 };
  private readonly launches = { ok: 0, failed: 0 };
  /** FlyDs with something to write; the ticker visits only these. */
  private readonly dirty = new Set<MachineEntry>();
  /**
   * Calls chained per VM id (destroys: two never both release) and per Idempotency-Key
   * (launches: two never both place a VM).
   */
  private readonly inOrder = new Map<string, Promise<unknown>>();
  /** Launches and destroys the store left unknown, finished on later ticks. */
  private readonly unsettled: Unsettled;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Reads the fleet and the applied FlyD versions from the store and starts every actor. */
  static async start(options: InfrastructureOptions): Promise<Infrastructure> {
    const [machines, versions] = await Promise.all([options.store.allMachines(), options.store.versions()]);
    return new Infrastructure(options, machines, versions);
  }

  constructor(options: InfrastructureOptions, machines: Machine[], versions: Record<string, number>) {
    this.store = options.store;
    this.log = options.log ?? createLogger('silent');
    this.numCandidates = options.numCandidates ?? DEFAULT_NUM_CANDIDATES;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.versions = new VersionBook(versions);
    this.unsettled = new Unsettled(this.log);
    this.supervisor = new Supervisor({
      maxRestarts: options.maxRestarts ?? 5,
      windowMs: options.restartWindowMs ?? 5000,
      log: this.log,
      escalate: options.escalate ?? ((reason) => this.log.error('escalation with no one to escalate to', { reason })),
      now: this.now,
    });
    const owns = options.owns ?? ownAll;
    for (const m of machines) if (owns(m)) this.registry.add(this.spawn(m));
    this.log.info('infrastructure started', { machines: this.registry.size });
    if (options.autoTick ?? true) {
      const interval = options.flydIntervalMs ?? DEFAULT_FLYD_INTERVAL_MS;
      this.timer = setInterval(() => void this.tick(), interval);
      this.timer.unref?.();
    }
  }

  // ---- the orchestrator's service ----------------------------------------------------------

  async launch(req: LaunchRequest, idempotencyKey?: string): Promise<Vm> {
    try {
      const vm = await this.place(checkLaunch(req, this.numCandidates), idempotencyKey);
      this.launches.ok++;
      return vm;
    } catch (err) {
      this.launches.failed++;
      throw err;
    }
  }

  /**
   * A launch that is safe to retry: the live VM this key launched, if there is one and the
   * parameters match, else a new launch recorded under the key.
   */
  async launchIdempotent(req: LaunchRequest, key: string): Promise<Launched> {
    const k = checkKey(key);
    return this.serialised(`key:${k}`, async () => {
      const p = checkLaunch(req, this.numCandidates);
      if (!(await this.unsettled.settleNow(`key:${k}`))) {
        throw new ApiError(
          'unavailable',
          `the last try under Idempotency-Key ${k} is not settled yet (the store is not answering); retry shortly`,
        );
      }
      const prior = await this.store.vmByIdempotencyKey(k);
      if (!prior) return { vm: await this.launch(req, k), replayed: false };
      if (prior.region !== p.region || prior.memory_gb !== p.memory_gb || prior.cores !== p.cores) {
        throw new ApiError(
          'idempotency_key_reused',
          `Idempotency-Key ${k} already launched ${prior.id} (${prior.region}, ${prior.memory_gb} GB, ${prior.cores} cores); a different launch needs a new key`,
          { vm_id: prior.id },
        );
      }
      return { vm: prior, replayed: true };
    });
  }

  async destroy(id: string): Promise<Vm> {
    const vmId = checkVmId(id);
    return this.serialised(`vm:${vmId}`, () => this.destroyOnce(vmId));
  }

  /** One FlyD round now; resolves, with how many updates were written, once the store answered. */
  async tick(): Promise<number> {
    // Settle unknown writes first: what they release is then in this round's updates.
    if (this.unsettled.size > 0) await this.unsettled.retry();
    const due = [...this.dirty];
    this.dirty.clear();
    const outcomes = await Promise.all(due.map((e) => this.askFlush(e, false)));
    return outcomes.filter((o) => o === 'applied').length;
  }

  /** Writes every FlyD queue now, waiting for updates already in flight (clean shutdown). */
  async flushAll(): Promise<number> {
    // Settled now, the next start has nothing unacknowledged to inherit (it would not know it).
    if (this.unsettled.size > 0) await this.unsettled.retry();
    const outcomes = await Promise.all([...this.registry.entries()].map((e) => this.askFlush(e, true)));
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
      launches_ok: this.launches.ok,
      launches_failed: this.launches.failed,
      unsettled_writes: this.unsettled.size,
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ---- peeks and test hooks (not part of OrchestratorService) ------------------------------

  /** MachineD's current view of a machine; undefined if unknown, null while it restarts. */
  machine(id: string): MachineSnapshot | null | undefined {
    const e = this.registry.get(id);
    return e && (e.machined.current?.snapshot() ?? null);
  }

  /** What a machine's FlyD holds (newest state, whether the store may lag behind it). */
  held(id: string): Promise<Held> {
    return this.entry(id).flyd.ask<Held>((reply) => ({ t: 'held', reply }));
  }

  /** Test hook: makes the actor's next message handler throw, as a bug would. */
  poison(id: string, actor: 'machined' | 'flyd', reason?: string): void {
    const e = this.entry(id);
    if (actor === 'machined') e.machined.tell({ t: 'poison', reason });
    else e.flyd.tell({ t: 'poison', reason });
  }

  // ---- launch -------------------------------------------------------------------------------

  private async place(p: Placement, key?: string): Promise<Vm> {
    // The store's view lags by up to one FlyD interval, so its candidates are only a hint.
    const candidates = await this.store.candidates(p.region, p.memory_gb, p.cores, p.num_candidates);
    const tried = new Set<string>();
    for (const c of candidates) {
      const entry = this.registry.get(c.id);
      if (!entry || tried.has(c.id)) continue;
      tried.add(c.id);
      if (await this.allocate(entry, p)) return this.commit(entry, p, key);
    }
    // All candidates refused (or the store saw none): MachineDs are authoritative, so ask the
    // rest of the region before telling the user nothing fits.
    const rest = this.registry
      .inRegion(p.region)
      .filter((e) => !tried.has(e.record.id) && (e.machined.current?.fits(p.memory_gb, p.cores) ?? true));
    for (const entry of shuffle([...rest], this.random)) {
      if (await this.allocate(entry, p)) return this.commit(entry, p, key);
    }
    throw this.noCapacity(p);
  }

  private allocate(entry: MachineEntry, p: Placement): Promise<boolean> {
    return entry.machined
      .ask<boolean>((reply) => ({ t: 'allocate', memory_gb: p.memory_gb, cores: p.cores, reply }))
      .catch((err) => {
        // A MachineD that crashed on our request simply counts as a refusal; try the next one.
        this.log.warn('allocate failed; trying the next machine', {
          machine: entry.record.id,
          error: toErrorBody(err).message,
        });
        return false;
      });
  }

  private async commit(entry: MachineEntry, p: Placement, key?: string): Promise<Vm> {
    const vm: Vm = {
      id: newVmId(),
      region: entry.record.region,
      machine_id: entry.record.id,
      memory_gb: p.memory_gb,
      cores: p.cores,
      state: 'running',
      created_at: new Date(this.now()).toISOString(),
    };
    try {
      // Durable before acknowledged: a launch the caller hears about is never lost.
      await this.store.putVm(vm, key);
    } catch (err) {
      const body = toErrorBody(err);
      // The record may have landed before the store died or timed out. Take it back before
      // freeing the machine, so no VM exists that nobody acknowledged and MachineD never frees
      // what a recorded VM holds.
      const undo = async () => {
        await this.store.deleteVm(vm.id).catch((e) => {
          if (toErrorBody(e).code !== 'not_found') throw e;
        });
        entry.machined.tell({ t: 'release', memory_gb: p.memory_gb, cores: p.cores });
      };
      const undone = undo().catch(() => this.unsettled.add(key === undefined ? `launch:${vm.id}` : `key:${key}`, undo));
      // Under a key the undo must finish first, or a retry could be handed the record it is
      // about to take back; without one the caller hears "try again" at once.
      if (key !== undefined) await undone;
      this.log.warn('launch undone: the store did not record the VM', {
        vm: vm.id,
        machine: vm.machine_id,
        error: body.message,
      });
      throw new ApiError(
        'unavailable',
        `the store did not record the VM (${body.message}); nothing was launched, try again`,
        {
          region: p.region,
        },
      );
    }
    return vm;
  }

  private noCapacity(p: Placement): ApiError {
    let memory = 0;
    let cores = 0;
    for (const e of this.registry.inRegion(p.region)) {
      const s = e.machined.current?.snapshot();
      if (!s?.schedulable) continue;
      memory = Math.max(memory, s.free_memory_gb);
      cores = Math.max(cores, s.free_cores);
    }
    return new ApiError(
      'no_capacity',
      `no machine in ${p.region} has ${p.memory_gb} GB and ${p.cores} cores free; the most free on one machine is ${memory} GB / ${cores} cores`,
      {
        region: p.region,
        requested_memory_gb: p.memory_gb,
        requested_cores: p.cores,
        largest_free_memory_gb: memory,
        largest_free_cores: cores,
      },
    );
  }

  // ---- destroy ------------------------------------------------------------------------------

  private async destroyOnce(id: string): Promise<Vm> {
    const vm = await this.store.vm(id);
    const entry = this.registry.get(vm.machine_id);
    const release = () =>
      entry?.machined
        .ask<void>((reply) => ({ t: 'release', memory_gb: vm.memory_gb, cores: vm.cores, reply }))
        .catch((err) =>
          this.log.error('release failed after destroy', {
            vm: id,
            machine: vm.machine_id,
            error: toErrorBody(err).message,
          }),
        );
    // Deleted now or already gone (an earlier delete whose answer was lost): either way the
    // machine is freed exactly once, because destroys of one id run one at a time.
    const finish = async () => {
      await this.store.deleteVm(id).catch((e) => {
        if (toErrorBody(e).code !== 'not_found') throw e;
      });
      this.unsettled.drop(`destroy:${id}`);
      await release();
    };
    try {
      await this.store.deleteVm(id);
    } catch (err) {
      if (toErrorBody(err).code === 'not_found') throw err;
      // Unknown outcome: the store died or timed out mid-delete. Finish it now if the store
      // answers, else on a later tick; the caller hears unavailable meanwhile.
      try {
        await finish();
      } catch {
        const later = `destroy:${id}`;
        // In line with the user's own retries; one that succeeded first has dropped this entry.
        this.unsettled.add(later, () =>
          this.serialised(`vm:${id}`, async () => {
            if (this.unsettled.has(later)) await finish();
          }),
        );
        throw new ApiError(
          'unavailable',
          `the store did not confirm the destroy (${toErrorBody(err).message}); ${id} will be destroyed when it answers again`,
          { vm_id: id },
        );
      }
      return { ...vm, state: 'destroyed' };
    }
    this.unsettled.drop(`destroy:${id}`);
    if (!entry) {
      this.log.warn('destroyed a VM on a machine this host does not run', { vm: id, machine: vm.machine_id });
    } else await release();
    return { ...vm, state: 'destroyed' };
  }

  /** Runs `fn` after every earlier call under the same name has finished. */
  private serialised<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.inOrder.get(name) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(fn);
    this.inOrder.set(name, mine);
    const forget = () => {
      if (this.inOrder.get(name) === mine) this.inOrder.delete(name);
    };
    mine.then(forget, forget);
    return mine;
  }

  // ---- actors -------------------------------------------------------------------------------

  private spawn(record: Machine): MachineEntry {
    const capacity: Capacity = {
      id: record.id,
      region: record.region,
      cores_total: record.cores_total,
      memory_total_gb: record.memory_total_gb,
      schedulable: SCHEDULABLE.has(record.status),
    };
    const log = this.log.child({ machine: record.id });
    const entry = { record, capacity } as MachineEntry;
    entry.machined = new ActorCell<MachineMsg, MachineD>(
      `machined ${record.id}`,
      (incarnation) =>
        new MachineD(
          {
            capacity,
            notify: (change) => entry.flyd.tell({ t: 'change', ...change }),
            recover: () => this.recover(entry),
            log,
          },
          incarnation === 0 ? pickAllocation(record) : undefined,
        ),
      this.supervisor,
    );
    entry.flyd = new ActorCell<FlydMsg, FlyD>(
      `flyd ${record.id}`,
      (incarnation) =>
        new FlyD(
          {
            machineId: record.id,
            store: this.store,
            versions: this.versions,
            counters: this.flydCounters,
            self: (msg) => entry.flyd.tell(msg),
            markDirty: () => this.dirty.add(entry),
            resync: () => entry.machined.tell({ t: 'resync' }),
            log,
          },
          incarnation > 0,
        ),
      this.supervisor,
    );
    entry.flyd.start();
    entry.machined.start();
    return entry;
  }

  /** A restarted MachineD's state: FlyD's unflushed state if it has one, else the store's record. */
  private async recover(entry: MachineEntry): Promise<Allocation> {
    const held = await entry.flyd.ask<Held>((reply) => ({ t: 'held', reply })).catch(() => null);
    if (held?.state && held.unflushed) return held.state;
    if (held === null || held.lost) {
      // Its FlyD died too, taking any unflushed changes with it: the store's record may lag the
      // machine, and building on it could over-allocate. Only the durable VMs are sure, and a
      // worker restart reconciles every machine from them.
      const reason = `machined and flyd of ${entry.record.id} both restarted; unflushed changes may be lost`;
      this.supervisor.giveUp(entry.machined.name, reason);
      throw new Error(`cannot rebuild ${entry.record.id} in place: ${reason}`);
    }
    try {
      return pickAllocation(await this.store.machine(entry.record.id));
    } catch (err) {
      // Everything FlyD held was acknowledged, so it equals what the store has.
      if (held?.state) return held.state;
      throw new Error(
        `cannot rebuild ${entry.record.id}: the store did not answer (${toErrorBody(err).message}) and flyd holds no state`,
      );
    }
  }

  private askFlush(entry: MachineEntry, wait: boolean): Promise<FlushOutcome> {
    return entry.flyd.ask<FlushOutcome>((reply) => ({ t: 'flush', wait, reply })).catch(() => 'failed' as const);
  }

  private entry(id: string): MachineEntry {
    const e = this.registry.get(id);
    if (!e) throw new ApiError('not_found', `no machine ${id} on this host`);
    return e;
  }
}

/** Statuses that take new VMs; the rest ('maintenance', 'offline', …) are an operator's word. */
const SCHEDULABLE = new Set(['available', 'allocated', 'full']);

function pickAllocation(m: Machine): Allocation {
  return { cores_allocated: m.cores_allocated, memory_allocated_gb: m.memory_allocated_gb, vm_count: m.vm_count };
}

/** `vm-` and 12 random lowercase hex digits (the first 12 of a v4 UUID are all random). */
export function newVmId(): string {
  return `vm-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
