// Launching VMs: order the region's machines by the strategy (or, for one VM at random, ask the
// store for candidates), let MachineDs decide (they are authoritative), and record the VMs in
// the store before anyone hears of them. Regions are tried in the order given; a batch is
// placed and recorded whole or not at all. A launch under an Idempotency-Key is safe to retry.

import { randomUUID } from 'node:crypto';
import { ApiError, toErrorBody } from '../../shared/errors';
import { type PlacementPlan, type Slot, type Strategy, takesNewVms } from '../../shared/placement';
import { type PlacementNote, type PlacementPath, placementNote } from '../../shared/placement-note';
import type { Rng } from '../../shared/random';
import type { Launched } from '../../shared/services';
import type { LaunchBatch, LaunchRequest, PlacementReport, Vm } from '../../shared/types';
import { isoAt } from './clock';
import { batchKey, KeyTaken, replay } from './idempotency';
import { lostRoom, placeUntilRecorded } from './lost-race';
import type { Allocation } from './machined';
import { noCapacity, type RegionRefusal } from './no-capacity';
import { type Placed, placeFromIndex, placementView, planRegion, reserveAll } from './placer';
import type { MachineEntry } from './registry';
import { checkKey, checkLaunch, type Placement } from './request';
import type { VmDeps } from './vm-deps';
import type { VmTransitions } from './vm-transitions';

export interface LaunchDeps extends VmDeps {
  /** How many candidates to ask the store for when the request does not say. */
  numCandidates: number;
  /** The host's strategy, for requests that name none. */
  strategy: Strategy;
  /** Placement's randomness (shuffles, ties); seeded by `--seed`. */
  random: Rng;
  now: () => number;
  /** A fleet shared with other hosts (etcd): the store's committed rows count their VMs too. */
  shared?: boolean;
  /** The lifecycle engine: a new VM's first state, and its stages under way after that. */
  lifecycle: VmTransitions<Vm>;
}

/** Builds a VM's placement note once its machine has reserved the room. */
type Note = (entry: MachineEntry) => PlacementNote;

/** Plans made for a placement that lost its room to a concurrent launch before reserving it. */
const PLAN_ATTEMPTS = 3;
/**
 * How long a launch under a key waits for the undo of a record the store did not confirm before
 * answering 503. The rest of the undo runs on, with the key unsettled meanwhile (a retry hears
 * 503 at once). Waiting it out could outlast the call: on etcd the write and its undo each take
 * up to 2.5 s plus ~0.5 s of diagnosis when etcd cannot commit, against the 5 s call deadline.
 */
const UNDO_WAIT_MS = 250;

export class Launcher {
  /** Launches that answered with a VM, and those that failed, since start. */
  readonly counts = { ok: 0, failed: 0 };
  /** Errors of records the store did not confirm: the key may name the VM being taken back. */
  private readonly recordFailures = new WeakSet<object>();

  constructor(private readonly deps: LaunchDeps) {}

  async launch(req: LaunchRequest, idempotencyKey?: string): Promise<Vm> {
    return (await this.launchBatch(req, idempotencyKey)).vms[0];
  }

  /** A launch of `count` VMs (all or none), with the plans when `explain` asks for them. */
  async launchBatch(req: LaunchRequest, idempotencyKey?: string): Promise<LaunchBatch> {
    try {
      const p = checkLaunch(req, this.deps.numCandidates);
      if (idempotencyKey !== undefined && p.count > 1) batchKey(idempotencyKey, p.count);
      const out = await this.place(p, idempotencyKey);
      this.counts.ok++;
      return out;
    } catch (err) {
      this.counts.failed++;
      throw err;
    }
  }

  /**
   * A launch that is safe to retry: the live VM this key launched, if there is one and the
   * parameters match, else a new launch recorded under the key.
   */
  async launchIdempotent(req: LaunchRequest, key: string): Promise<Launched> {
    const { vms, replayed } = await this.launchBatchIdempotent(req, key);
    return { vm: vms[0], replayed };
  }

  /**
   * The batch form under an Idempotency-Key: a batch's first VM is recorded under the key
   * itself, last, so a VM under the key means the whole batch was recorded; the others are
   * under `key:2`, `key:3`, … A replay answers with those still alive.
   */
  async launchBatchIdempotent(req: LaunchRequest, key: string): Promise<LaunchBatch & { replayed: boolean }> {
    const k = checkKey(key);
    return this.deps.inOrder.run(`key:${k}`, async () => {
      const p = checkLaunch(req, this.deps.numCandidates);
      if (!(await this.deps.unsettled.settleNow(`key:${k}`))) {
        throw new ApiError(
          'unavailable',
          `the last try under Idempotency-Key ${k} is not settled yet (the store is not answering); retry shortly`,
        );
      }
      if (p.count === 1) {
        const got = await this.launchUnlessKeyed(p, k);
        return 'prior' in got ? replay(p, k, got.prior, this.deps.store) : { ...got, replayed: false };
      }
      const prior = await this.deps.store.vmByIdempotencyKey(k);
      if (!prior) return { ...(await this.launchBatch(req, k)), replayed: false };
      return replay(p, k, prior, this.deps.store);
    });
  }

  /**
   * One VM under a key, without asking the store about the key first: the record itself answers
   * with the key's VM when there is one (the room reserved for it is released), so a new launch
   * crosses to the store once. A launch that fails before its record (no room, say) may still be
   * a replay: only then is the key looked up.
   */
  private async launchUnlessKeyed(p: Placement, k: string): Promise<LaunchBatch | { prior: Vm }> {
    let out: LaunchBatch;
    try {
      out = await this.place(p, k);
    } catch (err) {
      if (err instanceof KeyTaken) return { prior: err.vm };
      const recorded = this.recordFailures.has(err as object);
      const prior = recorded ? null : await this.deps.store.vmByIdempotencyKey(k).catch(() => null);
      if (prior) return { prior };
      this.counts.failed++;
      throw err;
    }
    this.counts.ok++;
    return out;
  }

  /** A dry run: the plans a launch of this request would follow, reserving nothing. */
  async dryRun(req: LaunchRequest): Promise<PlacementReport> {
    const p = checkLaunch(req, this.deps.numCandidates);
    const strategy = p.strategy ?? this.deps.strategy;
    const plans: PlacementPlan[] = [];
    for (const region of p.regions) {
      await this.requireRegion(region);
      const plan = planRegion(this.deps.registry, { ...p, region }, strategy, this.deps.random);
      plans.push(plan);
      if (plan.placements.length > 0) return { region, plans };
    }
    return { region: null, plans };
  }

  /**
   * Shared fleet: MachineD's view was behind the store's; adopt the allocation the store judged
   * the refusal by (or, without one, the store's record) before placing again.
   */
  private readonly adopt = async (e: MachineEntry, judged: Allocation | undefined): Promise<void> => {
    const m = judged ? undefined : await this.deps.store.machine(e.record.id);
    e.observe(judged ?? (m as Allocation), m ? takesNewVms(m.status) : e.capacity.schedulable);
  };

  private async place(p: Placement, key?: string): Promise<LaunchBatch> {
    const strategy = p.strategy ?? this.deps.strategy;
    const refused: RegionRefusal[] = [];
    const plans: PlacementPlan[] = [];
    for (const region of p.regions) {
      if (p.count === 1 && !p.explain) {
        // The strategy's machine from the free-capacity index; the seed's store candidates first
        // only when a random launch names num_candidates (two thread crossings more per launch).
        const ask = strategy === 'random' && p.ask_store;
        if (!ask) await this.requireRegion(region);
        const path = ask ? 'candidates' : strategy === 'random' ? 'index' : 'ranked';
        const got = await placeUntilRecorded(
          () => (ask ? this.placeOneAtRandom(region, p) : this.placeIndexed(region, p, strategy)),
          (e) => this.record(e, p, key, this.note(p, path, refused)),
          this.adopt,
        );
        if ('vm' in got) return { vms: [got.vm] };
        refused.push({ region, slots: got.slots });
        continue;
      }
      await this.requireRegion(region);
      const got = await this.planAndReserve(region, p, strategy);
      if (p.explain) plans.push(got.plan);
      if (!got.held) {
        refused.push({ region, slots: got.plan.largest_slots });
        continue;
      }
      const vms = await this.recordBatch(got.held, p, key, this.note(p, 'plan', refused, got.plan));
      return p.explain ? { vms, plans } : { vms };
    }
    throw noCapacity(p, refused, p.explain ? plans : undefined);
  }

  /**
   * A plan for the region and the reservations it names. Batches and explained launches of one
   * region plan one at a time, so they never take each other's room between plan and reserve;
   * a single launch that does is planned around again. `held` is null when nothing fits.
   */
  private planAndReserve(
    region: string,
    p: Placement,
    strategy: Strategy,
  ): Promise<{ plan: PlacementPlan; held: MachineEntry[] | null }> {
    return this.deps.inOrder.run(`plan:${region}`, async () => {
      for (let attempt = 1; ; attempt++) {
        const plan = planRegion(this.deps.registry, { ...p, region }, strategy, this.deps.random);
        if (plan.placements.length === 0) return { plan, held: null };
        if (attempt > PLAN_ATTEMPTS) throw lostRoom(region, PLAN_ATTEMPTS);
        const held = await reserveAll(this.deps.registry, plan.placements, p.memory_gb, p.cores, (m, e) =>
          this.crashed(m, e),
        );
        if (held) return { plan, held };
      }
    });
  }

  /**
   * One VM, `random`, num_candidates named: the store's candidates first (a hint that lags a
   * FlyD interval), then a machine drawn at random from the region's free-capacity index, which
   * follows MachineDs exactly. Neither scans the region: a `no_capacity` is known from the index, with its slots.
   */
  private async placeOneAtRandom(region: string, p: Placement): Promise<{ entry: MachineEntry } | { slots: Slot[] }> {
    const { store, registry } = this.deps;
    const candidates = await store.candidates(region, p.memory_gb, p.cores, p.num_candidates);
    const tried = new Set<string>();
    for (const c of candidates) {
      const entry = registry.get(c.id);
      if (!entry || tried.has(c.id)) continue;
      tried.add(c.id);
      if (await this.reserve(entry, p)) return { entry };
    }
    return placeFromIndex(registry, region, p.memory_gb, p.cores, 'random', this.deps.random, (e) =>
      this.reserve(e, p),
    );
  }

  /**
   * One VM, no explanation asked, as a launch makes it unless it names num_candidates: the
   * strategy's machine straight from the region's free-capacity index (a uniform draw for
   * random, the least or most free room for binpack and spread), reserved by its MachineD (in
   * this turn when it is idle); no machine read or scored, no store call (the index is exact
   * where the store's view lags a FlyD interval). Lost to a concurrent launch, the next.
   */
  private async placeIndexed(region: string, p: Placement, strategy: Strategy): Promise<Placed> {
    const { registry, random } = this.deps;
    return placeFromIndex(registry, region, p.memory_gb, p.cores, strategy, random, (e) => this.reserve(e, p));
  }

  /** Throws unknown_region for a region the store does not know (the registry only knows its own). */
  private async requireRegion(region: string): Promise<void> {
    if (!this.deps.registry.hasRegion(region)) await this.deps.store.region(region);
  }

  /**
   * Records every VM of a reserved batch. All or nothing: if the store refuses one, the VMs
   * already recorded are taken back and every reservation is released before the error.
   * The first VM is recorded last, under the bare key (see launchBatchIdempotent).
   */
  private async recordBatch(held: MachineEntry[], p: Placement, key?: string, note?: Note): Promise<Vm[]> {
    if (held.length === 1) return [await this.record(held[0], p, key, note)];
    const vms: Vm[] = new Array(held.length);
    const order = [...held.keys()].slice(1).concat(0);
    for (let n = 0; n < order.length; n++) {
      const i = order[n];
      try {
        const k = key === undefined ? undefined : i === 0 ? key : batchKey(key, i + 1);
        vms[i] = await this.record(held[i], p, k, note);
      } catch (err) {
        // record() took back its own VM and room; take back the rest of the batch too.
        for (const j of order.slice(0, n)) this.takeBack(vms[j], held[j], p);
        for (const j of order.slice(n + 1)) held[j].release(p.memory_gb, p.cores);
        throw err;
      }
    }
    return vms;
  }

  /** Deletes a recorded VM nobody heard of and frees its room (later if the store is away). */
  private takeBack(vm: Vm, entry: MachineEntry, p: Placement): void {
    const undo = async () => {
      await this.deps.store.deleteVm(vm.id).catch((e) => {
        if (toErrorBody(e).code !== 'not_found') throw e;
      });
      entry.release(p.memory_gb, p.cores);
    };
    undo().catch(() => this.deps.unsettled.add(`launch:${vm.id}`, undo));
  }

  private crashed(machine: string, err: unknown): void {
    // A MachineD that crashed on our request simply counts as a refusal; try the next one.
    this.deps.log.warn('allocate failed; trying the next machine', { machine, error: toErrorBody(err).message });
  }

  /** Asks the machine's MachineD to reserve the placement; a crash there counts as a refusal. */
  private reserve(entry: MachineEntry, p: Placement): Promise<boolean> {
    return entry.reserve(p.memory_gb, p.cores).catch((err) => {
      this.crashed(entry.record.id, err);
      return false;
    });
  }

  /** The "why here?" of a VM about to be recorded (kept with its history by the store). */
  private note(p: Placement, path: PlacementPath, refused: RegionRefusal[], plan?: PlacementPlan): Note {
    const base = {
      strategy: p.strategy ?? this.deps.strategy,
      path,
      memory_gb: p.memory_gb,
      cores: p.cores,
      count: p.count,
    };
    return (entry) => placementNote(base, placementView(entry), entry.record.id, refused, plan);
  }

  /** Records the VM MachineD reserved room for; on failure takes it back and frees the room. */
  private async record(entry: MachineEntry, p: Placement, key?: string, note?: Note): Promise<Vm> {
    const { store, unsettled, log } = this.deps;
    const created_at = isoAt(this.deps.now());
    const fresh: Vm = {
      id: newVmId(),
      region: entry.record.region,
      machine_id: entry.record.id,
      memory_gb: p.memory_gb,
      cores: p.cores,
      state: 'creating',
      created_at,
      updated_at: created_at,
    };
    // Zero-time stages run now, so the instant profile records a started VM in one write.
    const first = this.deps.lifecycle.firstState(fresh, true);
    // Built whole, in the answer's field order, with no `reason` unless there is one: a `delete`
    // would turn the object into a slow dictionary for everything that reads or clones it.
    const { state, reason } = first.vm;
    const vm: Vm = { ...fresh, state, updated_at: first.transitions[first.transitions.length - 1].at };
    if (reason !== undefined) vm.reason = reason;
    if (note) first.transitions[0].placement = note(entry);
    let prior: Vm | null = null;
    try {
      // Durable before acknowledged: a launch the caller hears about is never lost. One VM under
      // a key: the store answers with the key's VM instead when it has one (nothing recorded).
      if (key !== undefined && p.count === 1) prior = await store.putVmUnderKey(vm, key, first.transitions);
      else await store.putVm(vm, key, first.transitions);
    } catch (err) {
      const body = toErrorBody(err);
      // The record may have landed before the store died or timed out. Take it back before freeing
      // the machine: no VM exists that nobody acknowledged, MachineD never frees what one holds.
      const undo = async () => {
        // lost_race: refused outright, nothing was written.
        if (!body.details?.lost_race) {
          await store.deleteVm(vm.id).catch((e) => {
            if (toErrorBody(e).code !== 'not_found') throw e;
          });
        }
        entry.release(p.memory_gb, p.cores);
      };
      let undone: boolean | null = null; // null: still running
      const undoing = undo().then(
        () => (undone = true),
        () => (undone = false),
      );
      if (key === undefined) void undoing.then((done) => done || unsettled.add(`launch:${vm.id}`, undo));
      else if (!(await settledWithin(undoing, UNDO_WAIT_MS))) {
        // A retry under the key must not be handed the record about to be taken back: until the
        // undo is known done, the key is unsettled and a retry hears "not settled yet" (503) at
        // once, not after the undo.
        unsettled.add(`key:${key}`, async () => {
          if (undone === null) throw new Error('the undo is still running');
          if (!undone) await undo();
        });
      }
      log.warn('launch undone: the store did not record the VM', {
        vm: vm.id,
        machine: vm.machine_id,
        error: body.message,
      });
      const failure = new ApiError(
        'unavailable',
        `the store did not record the VM (${body.message}); nothing was launched, try again`,
        body.details?.lost_race ? { ...body.details, region: p.region } : { region: p.region },
      );
      this.recordFailures.add(failure);
      throw failure;
    }
    if (prior) {
      entry.release(p.memory_gb, p.cores);
      throw new KeyTaken(prior);
    }
    this.deps.lifecycle.launched(vm, first.pending, true);
    return vm;
  }
}

/** `vm-` and 12 random lowercase hex digits: a v4 UUID's first 12 (all random), its '-' skipped. */
export function newVmId(): string {
  const u = randomUUID();
  return `vm-${u.slice(0, 8)}${u.slice(9, 13)}`;
}

/** Whether `work` resolved true within `ms`. */
function settledWithin(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
