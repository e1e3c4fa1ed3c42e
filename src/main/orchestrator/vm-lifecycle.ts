// The VM lifecycle as this orchestrator runs it: the VmTransitions engine wired to the store
// (every state durable before anyone hears of it), to MachineDs (reserve and release as
// lifecycle.resourceDelta says) and to the host's timing settings. Answers operations, waits,
// and the recovery of VMs a previous incarnation left mid-transition.

import { ApiError } from '../../shared/errors';
import {
  isLifecycleState,
  isTransient,
  isWaitTarget,
  type LifecycleState,
  OPERATIONS,
  type Operation,
  type Stage,
  TERMINAL_STATE,
  targetOf,
} from '../../shared/lifecycle';
import type { Rng } from '../../shared/random';
import type { RemoteVm } from '../../shared/services';
import type { TimingProfile } from '../../shared/timing';
import type { Vm } from '../../shared/types';
import { type Clock, isoAt } from './clock';
import { checkVmId } from './request';
import type { VmDeps } from './vm-deps';
import { VmTransitions } from './vm-transitions';

export interface LifecycleSettings {
  profile: TimingProfile;
  /** The clock runs this many times faster than the wall. */
  speed: number;
  clock: Clock;
  rng: Rng;
  /** Regions whose status is Degraded Performance (the faults' hook); none by default. */
  degraded?: (region: string) => boolean;
  /** A shared fleet: stages run where the store says (drive()), not where they began. */
  shared?: boolean;
}

/** fly.io's /wait takes at most 60 seconds. */
export const MAX_WAIT_MS = 60_000;
/** Destroyed VMs remembered so that a wait for `destroyed` still answers once the record is gone. */
const REMEMBER_DESTROYED = 10_000;

export class VmLifecycle {
  readonly engine: VmTransitions<Vm>;
  private readonly destroyed = new Map<string, Vm>();

  constructor(
    private readonly deps: VmDeps,
    private readonly settings: LifecycleSettings,
  ) {
    const { store, registry, unsettled, log } = deps;
    this.engine = new VmTransitions<Vm>({
      clock: settings.clock,
      rng: settings.rng,
      timing: () => ({ profile: settings.profile, speed: settings.speed }),
      degraded: (region) => settings.degraded?.(region) ?? false,
      drivesOwnStages: !settings.shared,
      read: (id) => store.vm(id),
      persist: async (vm, transitions) => {
        const at = transitions[transitions.length - 1]?.at ?? isoAt(settings.clock.now());
        // No `reason: undefined` and no delete (which leaves a slow dictionary object).
        const { reason, ...rest } = vm;
        const rec: Vm = { ...rest, updated_at: at };
        if (reason !== undefined) rec.reason = reason;
        await store.updateVm(rec, transitions);
        if (rec.state === TERMINAL_STATE) this.remember(rec);
      },
      reserve: async (vm) => {
        const entry = registry.get(vm.machine_id);
        if (!entry) return false;
        return entry.reserve(vm.memory_gb, vm.cores).catch(() => false);
      },
      release: (vm) => {
        const entry = registry.get(vm.machine_id);
        if (entry) entry.release(vm.memory_gb, vm.cores);
        else log.warn('released a VM on a machine this host does not run', { vm: vm.id, machine: vm.machine_id });
      },
      unknown: (key, attempt) =>
        unsettled.add(key, async () => {
          if (!(await attempt())) throw new ApiError('unavailable', `${key} not settled yet`);
        }),
      log,
    });
  }

  /**
   * Fails every VM of the machine that holds resources, with `reason` (machine offline). One at
   * a time; a VM whose failure could not be recorded is logged and left to the next attempt.
   */
  async failHolding(machineId: string, region: string, reason: string): Promise<Vm[]> {
    const on = (await this.deps.store.vms(region)).filter((v) => v.machine_id === machineId);
    const failed: Vm[] = [];
    for (const vm of on) {
      try {
        const out = await this.engine.fail(vm.id, reason);
        if (out) failed.push(out);
      } catch (err) {
        if ((err as ApiError).code === 'not_found') continue; // destroyed meanwhile
        this.deps.log.warn('could not fail a VM of an offline machine', {
          vm: vm.id,
          machine: machineId,
          error: (err as Error).message,
        });
      }
    }
    return failed;
  }

  /** Whether a stage takes no time under the current profile (it settles before we answer). */
  instant(stage: Stage): boolean {
    const t = this.settings.profile.stages[stage];
    return t.delay_ms === 0 && t.jitter_ms === 0;
  }

  /**
   * start, stop, suspend, restart or destroy. Answers once the VM is in its transient state, or
   * in the state it settled in when the stage takes no time (the instant profile).
   */
  async operate(id: string, op: unknown, force: unknown): Promise<Vm> {
    const vmId = checkVmId(id);
    if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
      throw new ApiError('bad_request', `operation ${JSON.stringify(op)} is not valid (${OPERATIONS.join(', ')})`);
    }
    const vm = await this.engine.operate(vmId, op as Operation, force === true);
    // A start may be a resume (from suspended): both stages must take no time to wait here.
    const stages: Stage[] = op === 'start' ? ['start', 'resume'] : [op as Stage];
    if (!stages.every((s) => this.instant(s)) || !isTransient(vm.state)) return vm;
    return this.settle(vmId, targetOf(vm.state), vm);
  }

  /** Resolves with the VM once it is in `state`; `timeout` (an error) past timeoutMs. */
  async wait(id: string, state: unknown, timeoutMs: unknown): Promise<Vm> {
    const vmId = checkVmId(id);
    if (!isWaitTarget(state)) {
      throw new ApiError(
        'bad_request',
        `state ${JSON.stringify(state)} is not one to wait for (created, started, stopped, suspended, failed, destroyed)`,
      );
    }
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_WAIT_MS) {
      throw new ApiError('bad_request', `the wait timeout must be whole milliseconds from 0 to ${MAX_WAIT_MS}`);
    }
    try {
      return await this.engine.wait(vmId, state, timeoutMs);
    } catch (err) {
      const gone = this.destroyed.get(vmId);
      if ((err as ApiError).code === 'not_found' && gone) {
        if (state === TERMINAL_STATE) return gone;
        throw new ApiError('invalid_state', `${vmId} is destroyed; it will not become ${state}`, {
          vm_id: vmId,
          state: TERMINAL_STATE,
        });
      }
      throw err;
    }
  }

  /**
   * The VM once it reaches `target` or can no longer get there (failed): for `wait=started`
   * launches and zero-time stages, which answer with where the VM ended rather than an error.
   */
  async settle(id: string, target: LifecycleState, fallback: Vm, timeoutMs = MAX_WAIT_MS): Promise<Vm> {
    try {
      return await this.wait(id, target, timeoutMs);
    } catch (err) {
      if ((err as ApiError).code !== 'invalid_state') throw err;
      return this.deps.store.vm(id).catch(() => this.destroyed.get(id) ?? fallback);
    }
  }

  /**
   * A launched VM once its create stage is over (created, or already past it, or failed): a
   * launch answers when the VM exists, not while its rootfs is still being prepared.
   */
  created(id: string, timeoutMs = MAX_WAIT_MS): Promise<Vm> {
    return this.engine.waitUntil(id, (s) => s !== 'creating', timeoutMs, 'created');
  }

  /**
   * After a restart: every VM a previous incarnation left mid-transition runs its stage again.
   * `readAll` is the whole-fleet read (every VM: the worker gives it the start-up deadline, not
   * the per-call one, which 100k VMs on a busy machine can outlast).
   */
  async recover(readAll: () => Promise<Vm[]> = () => this.deps.store.vms()): Promise<number> {
    const vms = await readAll();
    const n = this.engine.recover(vms.filter((v) => isLifecycleState(v.state)));
    if (n > 0) this.deps.log.info('recovering VMs caught mid-transition', { vms: n });
    return n;
  }

  /**
   * A shared fleet: VMs a host that is gone left mid-stage on machines this host owns now run
   * their stage again here, from the start.
   */
  adopt(vms: readonly Vm[]): number {
    const n = this.engine.recover(vms.filter((v) => v && isLifecycleState(v.state)));
    if (n > 0) this.deps.log.info('finishing the stages of VMs a host that is gone left mid-transition', { vms: n });
    return n;
  }

  /**
   * A shared fleet: the store's word on VMs whose record names this host as driver (their
   * stages run here) and on every VM another host changed (whoever waits here hears of it).
   */
  remote(changed: readonly RemoteVm[]): number {
    const driven: Vm[] = [];
    const stages = new Map<string, Stage>();
    for (const { vm, drive, stage } of changed) {
      if (!vm || typeof vm.id !== 'string' || !isLifecycleState(vm.state)) continue;
      if (vm.state === TERMINAL_STATE) this.remember(vm);
      this.engine.observed(vm);
      if (drive) driven.push(vm);
      if (drive && stage === 'resume') stages.set(vm.id, stage);
    }
    return driven.length > 0 ? this.engine.drive(driven, undefined, stages) : 0;
  }

  private remember(vm: Vm): void {
    this.destroyed.delete(vm.id);
    this.destroyed.set(vm.id, vm);
    if (this.destroyed.size > REMEMBER_DESTROYED) {
      const oldest = this.destroyed.keys().next().value;
      if (oldest !== undefined) this.destroyed.delete(oldest);
    }
  }
}
