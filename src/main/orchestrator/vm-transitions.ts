// Runs VMs through their lifecycle on the simulated clock: an operation begins by moving the VM
// to its transient state (reserving or releasing on its machine as lifecycle.resourceDelta
// says), and a timer drawn from the timing profile ends it in the target state, or in the
// failure outcome. Operations on one VM run one at a time, in order; a transient state refuses
// new ones, so two never interleave. Stages that take no time are collapsed into one durable
// write (the instant profile costs a launch what it cost before the lifecycle existed).

import { ApiError } from '../../shared/errors';
import {
  CREATE_STEP,
  failureOutcome,
  holdsResources,
  isRefusal,
  isTransient,
  type LifecycleState,
  type Operation,
  plan,
  resourceDelta,
  type Stage,
  stageOf,
  type TransientState,
  type Transition,
  targetOf,
} from '../../shared/lifecycle';
import type { Rng } from '../../shared/random';
import { draw, type TimingProfile } from '../../shared/timing';
import type { Logger } from '../common/log';
import { type Clock, isoAt } from './clock';
import { InOrder } from './in-order';
import { deadEnd, isUnknownOutcome } from './vm-outcomes';
import { VmWaiters } from './vm-waiters';

/** What the engine needs of a VM record. */
export interface LifecycleVm {
  id: string;
  region: string;
  machine_id: string;
  memory_gb: number;
  cores: number;
  state: LifecycleState;
  /** Why the VM is in its state, when something happened to it (failed, host_offline, …). */
  reason?: string;
}

export type { Transition } from '../../shared/lifecycle';

export interface TransitionDeps<V extends LifecycleVm> {
  clock: Clock;
  rng: Rng;
  timing(): { profile: TimingProfile; speed: number };
  /** Regions whose status is Degraded Performance run every stage slower. */
  degraded(region: string): boolean;
  /** The VM's current durable record. Throws not_found. */
  read(id: string): Promise<V>;
  /** Writes the VM in its new state, with the transitions that led there; resolves when durable. */
  persist(vm: V, transitions: Transition[]): Promise<void>;
  /** Reserves the VM's resources on its machine again; false when they no longer fit there. */
  reserve(vm: V): Promise<boolean>;
  /** Frees what the VM holds on its machine. */
  release(vm: V): void;
  /**
   * A write whose outcome the store left unknown (it died or timed out mid-write): `attempt`
   * finds out and finishes; the caller retries it until it resolves true. Absent: nothing is
   * retried in the background, and the next operation on the VM settles it first.
   */
  unknown?(key: string, attempt: () => Promise<boolean>): void;
  /**
   * False on a shared fleet: a stage runs on the host its VM record names as driver (the
   * machine's owner), which the store tells through drive(), whoever wrote the record. True
   * (default): the stages this engine begins run here.
   */
  drivesOwnStages?: boolean;
  log: Logger;
}

/** A stage under way: when it ends and how. */
interface Pending {
  via: TransientState;
  ms: number;
  fails: boolean;
  operation: Transition['operation'];
}

/** How often a completion whose write failed is tried again. */
const RETRY_MS = 1000;

export class VmTransitions<V extends LifecycleVm> {
  private readonly inOrder = new InOrder();
  private readonly timers = new Map<string, { cancel: () => void; staged: LifecycleState | null }>();
  private readonly waiters: VmWaiters<V>;
  private readonly counts = new Map<string, number>();
  /** Per VM: an operation whose first write has an unknown outcome, and how to settle it. */
  private readonly unsure = new Map<string, () => Promise<boolean>>();

  constructor(private readonly deps: TransitionDeps<V>) {
    this.waiters = new VmWaiters<V>(deps.clock);
  }

  /**
   * The state a new VM is first recorded in, with the zero-time stages already run: `created`
   * (or `started` with autostart) when they take no time, `creating` otherwise. The caller
   * records it durably, then calls launched().
   */
  firstState(vm: V, autostart: boolean): { vm: V; transitions: Transition[]; pending: Pending | null } {
    const transitions: Transition[] = [this.transition(vm.id, null, CREATE_STEP.via, 'create')];
    let state: LifecycleState = CREATE_STEP.via;
    let pending: Pending | null = this.drawStage(vm, 'creating', 'create');
    let reason: string | undefined;
    while (pending && pending.ms === 0) {
      const to = pending.fails ? failureOutcome(pending.via) : targetOf(pending.via);
      reason = pending.fails ? `${stageOf(pending.via)}_failed` : undefined;
      transitions.push(this.transition(vm.id, state, to, pending.operation, reason));
      state = to;
      pending = null;
      if (state === 'created' && autostart) {
        transitions.push(this.transition(vm.id, state, 'starting', 'start'));
        state = 'starting';
        pending = this.drawStage(vm, 'starting', 'start');
      }
    }
    return { vm: { ...vm, state, reason }, transitions, pending };
  }

  /**
   * After the first record is durable: frees what a VM that already failed does not hold, and
   * starts the timer of the stage still under way.
   */
  launched(vm: V, pending: Pending | null, autostart: boolean): void {
    if (resourceDelta(CREATE_STEP.via, vm.state) < 0) this.deps.release(vm);
    this.count(vm.state);
    this.notify(vm);
    if (pending && this.local) this.schedule(vm, pending, autostart);
  }

  private get local(): boolean {
    return this.deps.drivesOwnStages ?? true;
  }

  /**
   * Shared fleet: VMs in a transient state whose record names this host as driver run their
   * stage here, from its start (a stage already timed here is not run twice). Returns how many.
   */
  drive(vms: Iterable<V>, operation?: Transition['operation'], stages?: ReadonlyMap<string, Stage>): number {
    let n = 0;
    for (const vm of vms) {
      if (!isTransient(vm.state) || this.timers.has(vm.id)) continue;
      const stage = stages?.get(vm.id) ?? stageOf(vm.state); // a `starting` VM may be resuming
      const op = operation ?? (stage === 'create' ? 'create' : stage === 'resume' ? 'start' : stage);
      this.schedule(vm, this.drawStage(vm, vm.state, op, stage), true);
      n++;
    }
    return n;
  }

  /** A VM changed through another host (shared fleet): whoever waits for it here hears of it. */
  observed(vm: V): void {
    this.notify(vm);
  }

  /** start, stop, suspend, restart or destroy: answers once the VM is in its transient state. */
  operate(id: string, op: Operation, force = false): Promise<V> {
    return this.inOrder.run(id, async () => {
      const settle = this.unsure.get(id);
      if (settle && !(await settle())) {
        throw new ApiError(
          'unavailable',
          `the last change to ${id} is not confirmed yet (the store is not answering); retry shortly`,
          { vm_id: id },
        );
      }
      const vm = await this.deps.read(id);
      const step = plan(vm.state, op, force);
      if (isRefusal(step)) {
        const allowed = step.allowed.length ? step.allowed.join(', ') : 'nothing until it settles';
        const hint = step.needs_force ? '; destroying a started VM needs force (--force)' : '';
        throw new ApiError('invalid_state', `${id} is ${vm.state}: ${op} is not allowed (allowed: ${allowed})${hint}`, {
          vm_id: id,
          state: vm.state,
          allowed: step.allowed,
          ...(step.needs_force ? { needs_force: true } : {}),
        });
      }
      const delta = resourceDelta(vm.state, step.via);
      if (delta > 0 && !(await this.deps.reserve(vm))) {
        throw new ApiError(
          'no_capacity',
          `machine ${vm.machine_id} in ${vm.region} no longer has ${vm.memory_gb} GB and ${vm.cores} ${vm.cores === 1 ? 'core' : 'cores'} free for ${id}; stop or destroy other VMs there, or destroy ${id} and launch anew`,
          { vm_id: id, machine_id: vm.machine_id, region: vm.region },
        );
      }
      const next = { ...vm, state: step.via, reason: undefined } as V;
      const pending = this.drawStage(next, step.via, op, step.stage);
      const begun = () => {
        if (delta < 0) this.deps.release(vm);
        this.count(next.state);
        this.notify(next);
        if (this.local) this.schedule(next, pending, true);
      };
      try {
        await this.deps.persist(next, [this.transition(id, vm.state, step.via, op)]);
      } catch (err) {
        if (!isUnknownOutcome(err)) {
          if (delta > 0) this.deps.release(vm);
          throw err;
        }
        this.settleLater(id, next.state, begun, () => {
          if (delta > 0) this.deps.release(vm);
        });
        throw err;
      }
      begun();
      return next;
    });
  }

  /**
   * The store may or may not hold `state` for the VM: until a read tells, the VM takes no other
   * operation, and whichever it was, its machine ends up holding what the store says it holds.
   */
  private settleLater(id: string, state: LifecycleState, landed: () => void, lost: () => void): void {
    const key = `vm-write:${id}`;
    const attempt = async (): Promise<boolean> => {
      if (this.unsure.get(id) !== attempt) return true;
      let vm: V | null;
      try {
        vm = await this.deps.read(id);
      } catch (err) {
        if ((err as ApiError).code !== 'not_found') return false;
        vm = null;
      }
      this.unsure.delete(id);
      if (vm?.state === state) landed();
      else lost();
      return true;
    };
    this.unsure.set(id, attempt);
    this.deps.unknown?.(key, () => this.inOrder.run(id, attempt));
  }

  /**
   * Resolves with the VM once it is in `target`; rejects when it can no longer get there
   * (failed, destroyed) or after `timeoutMs` on the simulated clock.
   */
  async wait(id: string, target: LifecycleState, timeoutMs: number): Promise<V> {
    return this.waitUntil(id, (s) => s === target, timeoutMs, target, true);
  }

  /**
   * Resolves with the VM once its state satisfies `reached` (checked now and at every change
   * from here on, so a state passed through quickly is not missed); `timeout` after timeoutMs.
   * `deadEnds`: reject at once when the VM rests where it will not leave on its own.
   */
  async waitUntil(
    id: string,
    reached: (state: LifecycleState) => boolean,
    timeoutMs: number,
    what = 'settled',
    deadEnds = false,
  ): Promise<V> {
    const staged = this.timers.get(id)?.staged;
    if (staged && !reached(staged) && !deadEnds) return this.waiters.add(id, { reached, what, deadEnds }, timeoutMs);
    const { vm, heard } = await this.waiters.look(id, () => this.deps.read(id));
    for (const v of [vm, ...heard]) if (reached(v.state)) return v;
    const dead = deadEnds ? deadEnd(vm, what) : null;
    if (dead) throw dead;
    return this.waiters.add(id, { reached, what, deadEnds }, timeoutMs);
  }

  /** After a restart: every VM caught in a transient state runs its stage again, from the start. */
  recover(vms: Iterable<V>): number {
    // A stage this engine already runs is not run twice (a shared fleet's orphans may be
    // reported again while they are being finished).
    return this.drive(vms, 'recover');
  }

  /** A fault (machine offline): a VM that holds resources ends `failed` with `reason`, its stage dropped. */
  fail(id: string, reason: string): Promise<V | null> {
    return this.inOrder.run(id, async () => {
      const vm = await this.deps.read(id);
      if (!holdsResources(vm.state)) return null;
      const next = { ...vm, state: 'failed', reason } as V;
      await this.deps.persist(next, [this.transition(id, vm.state, 'failed', 'fault', reason)]);
      this.timers.get(id)?.cancel();
      this.timers.delete(id);
      this.deps.release(vm);
      this.count('failed');
      this.notify(next);
      return next;
    });
  }

  /** Transitions completed so far, by the state they ended in (for /metrics). */
  completed(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets every timer and waiter (a fleet reset). */
  clear(reason: string): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.waiters.clear(reason);
  }

  /** Stages under way. */
  get inFlight(): number {
    return this.timers.size;
  }

  private drawStage(vm: V, via: TransientState, operation: Transition['operation'], stage?: Stage): Pending {
    const { profile, speed } = this.deps.timing();
    const d = draw(profile, stage ?? stageOf(via), this.deps.rng, speed, this.deps.degraded(vm.region));
    return { via, ms: d.ms, fails: d.fails, operation };
  }

  private schedule(vm: V, pending: Pending, autostart: boolean): void {
    const cancel = this.deps.clock.after(pending.ms, () => {
      this.timers.delete(vm.id);
      void this.complete(vm, pending, autostart);
    });
    this.timers.set(vm.id, { cancel, staged: vm.state });
  }

  private complete(known: V, pending: Pending, autostart: boolean, retried = false): Promise<void> {
    const id = known.id;
    return this.inOrder.run(id, async () => {
      let vm: V;
      try {
        vm = await this.deps.read(id);
      } catch (err) {
        if ((err as ApiError).code === 'not_found') {
          // Gone: a reset, or (on a retry) our own `destroyed` write landed although its answer
          // was lost. Whoever waits for destroyed hears of it either way.
          if (retried && targetOf(pending.via) === 'destroyed') this.notify({ ...known, state: 'destroyed' } as V);
          return;
        }
        this.retryLater(known, pending, autostart, err);
        return;
      }
      const to = pending.fails ? failureOutcome(pending.via) : targetOf(pending.via);
      const reason = pending.fails ? `${stageOf(pending.via)}_failed` : undefined;
      // A retry after a write whose answer was lost: if it landed, finish what it began.
      const landed = retried && vm.state === to && vm.reason === reason;
      if (vm.state !== pending.via && !landed) return; // someone else settled it (a fault, a reset)
      const from = { ...vm, state: pending.via } as V;
      const next = { ...vm, state: to, reason } as V;
      if (!landed) {
        try {
          await this.deps.persist(next, [this.transition(id, vm.state, to, pending.operation, reason)]);
        } catch (err) {
          this.retryLater(known, pending, autostart, err);
          return;
        }
      }
      if (resourceDelta(from.state, to) < 0) this.deps.release(from);
      this.count(to);
      this.notify(next);
      if (to === 'created' && autostart) {
        const starting = { ...next, state: 'starting' } as V;
        try {
          await this.deps.persist(starting, [this.transition(id, to, 'starting', 'start')]);
        } catch (err) {
          this.deps.log.warn('autostart not recorded; the VM stays created', { vm: id, error: (err as Error).message });
          return;
        }
        this.count('starting');
        this.notify(starting);
        if (this.local) this.schedule(starting, this.drawStage(starting, 'starting', 'start'), true);
      }
    });
  }

  private retryLater(vm: V, pending: Pending, autostart: boolean, err: unknown): void {
    this.deps.log.warn('transition not recorded; trying again', { vm: vm.id, error: (err as Error).message });
    const cancel = this.deps.clock.after(RETRY_MS, () => {
      this.timers.delete(vm.id);
      void this.complete(vm, pending, autostart, true);
    });
    this.timers.set(vm.id, { cancel, staged: null });
  }

  private notify(vm: V): void {
    this.waiters.notify(vm);
  }

  private transition(
    vm_id: string,
    from: LifecycleState | null,
    to: LifecycleState,
    operation: Transition['operation'],
    reason?: string,
  ): Transition {
    const t: Transition = { vm_id, from, to, at: isoAt(this.deps.clock.now()), operation };
    if (reason) t.reason = reason;
    return t;
  }

  private count(state: LifecycleState): void {
    this.counts.set(state, (this.counts.get(state) ?? 0) + 1);
  }
}
