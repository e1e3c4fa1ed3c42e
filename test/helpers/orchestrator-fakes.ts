// An in-memory StoreService for the orchestrator's unit tests, shaped like the RPC client's
// `.api` (every call async), with switches to make calls fail the ways a real peer can: refuse,
// time out before doing anything, or time out after doing it (the answer lost on the way back).

import { createLogger, type Logger } from '../../src/main/common/log';
import type { ActorCell } from '../../src/main/orchestrator/actor';
import { FlyD } from '../../src/main/orchestrator/flyd';
import { Infrastructure, type InfrastructureOptions } from '../../src/main/orchestrator/infrastructure';
import { MachineD } from '../../src/main/orchestrator/machined';
import { ApiError } from '../../src/shared/errors';
import { holdsResources } from '../../src/shared/lifecycle';
import { type MachineColumns, toColumns } from '../../src/shared/machine-columns';
import { encodeMachineColumns } from '../../src/shared/machine-wire';
import type { Remote } from '../../src/shared/rpc';
import type { ScenarioExport, ScenarioImportReport, ScenarioSettings } from '../../src/shared/scenario';
import type { StoreService } from '../../src/shared/services';
import type { ActorRestart, FleetTotals, Machine, MachineUpdate, Region, Vm } from '../../src/shared/types';
import type { VmHistory } from '../../src/shared/vm-history';
import { pageOf, selectVms, type VmPage, type VmQuery } from '../../src/shared/vm-query';

/** `died-after`: did the work, then the worker died before answering (its port dropped). */
export type Failure = 'reject' | 'timeout' | 'timeout-after' | 'died-after';

export class FakeStore implements Remote<StoreService> {
  readonly machinesById = new Map<string, Machine>();
  readonly applied = new Map<string, number>();
  readonly vmsById = new Map<string, Vm>();
  /** Idempotency-Key → VM id. */
  readonly keys = new Map<string, string>();
  /** Every apply call received, in order, whatever became of it. */
  readonly applyCalls: MachineUpdate[] = [];
  readonly putVmCalls: Vm[] = [];
  readonly deleteVmCalls: string[] = [];
  /** Every updateVm call: the record sent (a destroy ends in state 'destroyed'). */
  readonly updateVmCalls: Vm[] = [];
  /** Failures queued per method: each call takes the next one (undefined = succeed). */
  readonly failures: Partial<Record<keyof StoreService, Failure[]>> = {};
  /** Orders the candidates (default: by id); tests pin the order the store "shuffled" to. */
  order: (ms: Machine[]) => Machine[] = (ms) => ms;
  /** Answers to apply are held until release() (a slow store). */
  private held: (() => void)[] | null = null;

  constructor(machines: Machine[], versions: Record<string, number> = {}) {
    for (const m of machines) this.machinesById.set(m.id, { ...m });
    for (const [id, v] of Object.entries(versions)) this.applied.set(id, v);
  }

  fail(method: keyof StoreService, ...kinds: Failure[]): void {
    this.failures[method] = [...(this.failures[method] ?? []), ...kinds];
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const h = this.held ?? [];
    this.held = null;
    for (const go of h) go();
  }

  /** Runs `body` as the store would, failing the way the next queued failure says. */
  private async op<T>(method: keyof StoreService, body: () => T): Promise<T> {
    await Promise.resolve();
    const f = this.failures[method]?.shift();
    if (f === 'reject') throw new ApiError('unavailable', `store refused ${method}`);
    if (f === 'timeout') throw new ApiError('timeout', `store did not answer ${method}`);
    const v = body();
    if (f === 'timeout-after') throw new ApiError('timeout', `store did ${method} but the answer was lost`);
    if (f === 'died-after') throw new ApiError('unavailable', `store did ${method}, then its worker died`);
    return v;
  }

  private known(code: string): boolean {
    for (const m of this.machinesById.values()) if (m.region === code) return true;
    return false;
  }

  regions(): Promise<Region[]> {
    return this.op('regions', () => []);
  }
  setMachineStatus(id: string, status: string): Promise<Machine> {
    return this.op('setMachineStatus', () => {
      const m = this.machinesById.get(id);
      if (!m) throw new ApiError('not_found', `no machine ${id}`);
      m.status = status;
      return { ...m };
    });
  }
  setRegionStatus(code: string): Promise<Region> {
    return this.op('setRegionStatus', () => {
      throw new ApiError('unknown_region', `unknown region ${code}`);
    });
  }
  settings(): Promise<ScenarioSettings> {
    return this.op('settings', () => ({ strategy: 'random' as const, timing: 'instant', seed: null }));
  }
  exportScenario(): Promise<ScenarioExport> {
    return this.op('exportScenario', () => {
      throw new ApiError('bad_request', 'the fake store keeps no scenarios');
    });
  }
  importScenario(): Promise<ScenarioImportReport> {
    return this.op('importScenario', () => {
      throw new ApiError('bad_request', 'the fake store keeps no scenarios');
    });
  }
  readonly announced: ActorRestart[] = [];
  announce(restart: ActorRestart): Promise<void> {
    return this.op('announce', () => {
      this.announced.push(restart);
    });
  }
  region(code: string): Promise<Region> {
    return this.op('region', () => {
      throw new ApiError('unknown_region', `unknown region ${code}`);
    });
  }
  machines(region: string): Promise<Machine[]> {
    return this.op('machines', () =>
      [...this.machinesById.values()].filter((m) => m.region === region).map((m) => ({ ...m })),
    );
  }
  async machineColumnsJson(region: string, limit?: number): Promise<string> {
    return encodeMachineColumns((await this.machines(region)).slice(0, limit));
  }
  allMachines(): Promise<Machine[]> {
    return this.op('allMachines', () => [...this.machinesById.values()].map((m) => ({ ...m })));
  }
  machineColumns(): Promise<MachineColumns> {
    return this.op('machineColumns', () =>
      toColumns([...this.machinesById.values()].map((m) => ({ ...m, version: this.applied.get(m.id) ?? 0 }))),
    );
  }
  machine(id: string): Promise<Machine> {
    return this.op('machine', () => {
      const m = this.machinesById.get(id);
      if (!m) throw new ApiError('not_found', `no machine ${id}`);
      return { ...m };
    });
  }
  candidates(region: string, memory_gb: number, cores: number, n: number): Promise<Machine[]> {
    return this.op('candidates', () => {
      if (!this.known(region)) throw new ApiError('unknown_region', `unknown region ${region}`);
      const fit = [...this.machinesById.values()].filter(
        (m) =>
          m.region === region &&
          m.memory_total_gb - m.memory_allocated_gb >= memory_gb &&
          m.cores_total - m.cores_allocated >= cores,
      );
      return this.order(fit)
        .slice(0, n)
        .map((m) => ({ ...m }));
    });
  }
  async apply(update: MachineUpdate): Promise<{ applied: boolean; machine: Machine }> {
    this.applyCalls.push({ ...update });
    if (this.held) {
      const held = this.held;
      await new Promise<void>((go) => held.push(go));
    }
    return this.op('apply', () => this.applyNow(update));
  }
  /** The store's side of apply, also used by tests to deliver an update a second time. */
  applyNow(update: MachineUpdate): { applied: boolean; machine: Machine } {
    const m = this.machinesById.get(update.machine_id);
    if (!m) throw new ApiError('not_found', `no machine ${update.machine_id}`);
    if (update.version <= (this.applied.get(m.id) ?? 0)) return { applied: false, machine: { ...m } };
    this.applied.set(m.id, update.version);
    m.cores_allocated = update.cores_allocated;
    m.memory_allocated_gb = update.memory_allocated_gb;
    m.vm_count = update.vm_count;
    return { applied: true, machine: { ...m } };
  }
  versions(): Promise<Record<string, number>> {
    return this.op('versions', () => Object.fromEntries(this.applied));
  }
  putVm(vm: Vm, key?: string): Promise<void> {
    this.putVmCalls.push({ ...vm });
    return this.op('putVm', () => {
      if (key !== undefined && this.keys.has(key)) throw new ApiError('bad_request', `key ${key} is taken`);
      this.vmsById.set(vm.id, { ...vm });
      if (key !== undefined) this.keys.set(key, vm.id);
    });
  }
  /** The store's one call for a launch under a key (Fleet.putVmUnderKey): the key's VM, or null once recorded. */
  readonly putVmUnderKeyCalls: Vm[] = [];
  putVmUnderKey(vm: Vm, key: string): Promise<Vm | null> {
    this.putVmUnderKeyCalls.push({ ...vm });
    this.putVmCalls.push({ ...vm });
    return this.op('putVm', () => {
      const id = this.keys.get(key);
      const prior = id === undefined ? undefined : this.vmsById.get(id);
      if (prior) return { ...prior };
      this.vmsById.set(vm.id, { ...vm });
      this.keys.set(key, vm.id);
      return null;
    });
  }
  vmByIdempotencyKey(key: string): Promise<Vm | null> {
    return this.op('vmByIdempotencyKey', () => {
      const id = this.keys.get(key);
      const vm = id === undefined ? undefined : this.vmsById.get(id);
      return vm ? { ...vm } : null;
    });
  }
  deleteVm(id: string): Promise<Vm> {
    this.deleteVmCalls.push(id);
    return this.op('deleteVm', () => {
      const vm = this.vmsById.get(id);
      if (!vm) throw new ApiError('not_found', `no VM ${id}`);
      this.vmsById.delete(id);
      for (const [k, v] of this.keys) if (v === id) this.keys.delete(k);
      return { ...vm, state: 'destroyed' as const };
    });
  }
  updateVm(vm: Vm): Promise<Vm> {
    this.updateVmCalls.push({ ...vm });
    return this.op('updateVm', () => {
      const before = this.vmsById.get(vm.id);
      if (!before) throw new ApiError('not_found', `no VM ${vm.id}`);
      if (vm.state === 'destroyed') {
        this.vmsById.delete(vm.id);
        for (const [k, v] of this.keys) if (v === vm.id) this.keys.delete(k);
      } else this.vmsById.set(vm.id, { ...vm });
      return { ...vm };
    });
  }
  vmStates(): Promise<Record<string, number>> {
    return this.op('vmStates', () => {
      const out: Record<string, number> = {};
      for (const v of this.vmsById.values()) out[v.state] = (out[v.state] ?? 0) + 1;
      return out;
    });
  }
  vms(region?: string): Promise<Vm[]> {
    return this.op('vms', () => [...this.vmsById.values()].filter((v) => !region || v.region === region));
  }
  vmPage(q: VmQuery): Promise<VmPage> {
    return this.op('vmPage', () => pageOf(selectVms(this.vmsById.values(), q), q));
  }
  vmHistory(id: string): Promise<VmHistory> {
    return this.op('vmHistory', () => {
      throw new ApiError('not_found', `no history kept for ${id} by the fake store`);
    });
  }
  vm(id: string): Promise<Vm> {
    return this.op('vm', () => {
      const vm = this.vmsById.get(id);
      if (!vm) throw new ApiError('not_found', `no VM ${id}`);
      return { ...vm };
    });
  }
  reconcile(): Promise<{ changed: number }> {
    return this.op('reconcile', () => ({ changed: 0 }));
  }
  totals(): Promise<FleetTotals> {
    return this.op('totals', () => ({
      regions: 0,
      machines: this.machinesById.size,
      vms: this.vmsById.size,
      cores_total: 0,
      cores_allocated: 0,
      memory_total_gb: 0,
      memory_allocated_gb: 0,
    }));
  }
  reset(): Promise<void> {
    return this.op('reset', () => {});
  }
  /** A store of its own, as every fake is: no shared fleet to show. */
  async etcdStats(): Promise<null> {
    return null;
  }

  /** A fleet of its own: no host ever leaves VMs to this one. */
  async orphans(): Promise<Vm[]> {
    return [];
  }

  async reportActors(): Promise<void> {}

  async ownership(): Promise<{ owned: null; lease_refusal: null }> {
    return { owned: null, lease_refusal: null };
  }

  async leaseRefusal(): Promise<null> {
    return null;
  }

  async onOwner(): Promise<never> {
    throw new ApiError('not_found', "this host's fleet is not shared");
  }

  async answerOwner(): Promise<void> {}

  async cluster(): Promise<never> {
    throw new ApiError('not_found', "this host's fleet is not shared");
  }

  /** Sum of the stored VMs per machine. */
  vmSums(): Map<string, { cores: number; memory_gb: number; count: number }> {
    const sums = new Map<string, { cores: number; memory_gb: number; count: number }>();
    for (const vm of this.vmsById.values()) {
      if (!holdsResources(vm.state)) continue;
      const s = sums.get(vm.machine_id) ?? { cores: 0, memory_gb: 0, count: 0 };
      s.cores += vm.cores;
      s.memory_gb += vm.memory_gb;
      s.count++;
      sums.set(vm.machine_id, s);
    }
    return sums;
  }
}

/** Log lines captured as objects, so tests can assert what was logged. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('json', { worker: 'orchestrator' }, (l) => lines.push(JSON.parse(l)), 'debug');
  return { log, lines };
}

/** Infrastructure over a FakeStore with no ticker: tests drive FlyD rounds with tick(). */
export async function startInfra(
  store: FakeStore,
  options: Partial<InfrastructureOptions> = {},
): Promise<Infrastructure> {
  return Infrastructure.start({ store, autoTick: false, log: createLogger('silent'), ...options });
}

/** A message production actors never get: the harness teaches MachineD and FlyD to crash on it. */
type Poison = { t: 'poison'; reason?: string };
let poisonTaught = false;

function teachPoison(): void {
  if (poisonTaught) return;
  poisonTaught = true;
  for (const [proto, who] of [
    [MachineD.prototype, 'machined'],
    [FlyD.prototype, 'flyd'],
  ] as const) {
    const target = proto as unknown as { handle(msg: { t: string }): void };
    const handle = target.handle;
    target.handle = function (this: unknown, msg: { t: string }) {
      if (msg.t === 'poison') throw new Error((msg as Poison).reason ?? `poisoned ${who}`);
      handle.call(this, msg);
    };
  }
}

/**
 * Makes the actor's next message handler throw, as a bug would: a 'poison' message queued in
 * its mailbox like any other, so it is handled by whichever incarnation is running by then.
 */
export function poison(infra: Infrastructure, id: string, actor: 'machined' | 'flyd', reason?: string): void {
  teachPoison();
  const entry = infra.registry.get(id);
  if (!entry) throw new Error(`no machine ${id} on this host`);
  (entry[actor] as unknown as ActorCell<Poison>).tell({ t: 'poison', reason });
}

/** Lets every queued microtask and mailbox drain. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

/** A small seedable PRNG so random tests replay exactly. */
export { mulberry32 as seeded } from '../../src/shared/random';
