// The store worker's model: regions, their machines in per-region indexes, and VMs. It knows
// nothing about threads: the worker hands it a backend and a publish callback, and the unit
// tests do the same. Every input is checked before anything changes, so a bad call gets an
// ApiError and the state stays as it was.

import { ApiError } from '../../shared/errors';
import { shown } from '../../shared/quote';
import type { StoreService } from '../../shared/services';
import type { FleetTotals, Machine, MachineStatus, MachineUpdate, Region, StoreEvent, Vm } from '../../shared/types';
import { checkIdempotencyKey, IDEMPOTENCY_KEY_PATTERN } from '../../shared/validation';
import type { BackendOp, MachineState, StoreBackend, StoredVm } from './backend';
import { type FleetData, MACHINE_STATUSES, type MachineSpec, type OperatorStatus, type RegionSpec } from './csv';
import { createRng, type Rng } from './rng';

/** A service whose methods may answer with a promise (RPC awaits them). */
export type Served<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => R | Promise<R> : never;
};
export type StoreServiceImpl = Served<StoreService>;

export interface FleetOptions {
  backend: StoreBackend;
  /** Receives every change event (the worker broadcasts them). */
  publish?: (event: StoreEvent) => void;
  /** Pins the candidate shuffle; undefined seeds from the OS. */
  seed?: number;
  /** Clock, for tests. */
  now?: () => Date;
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface LoadReport {
  backend: string;
  vms: number;
  /** VMs dropped because their machine is no longer in the CSV. */
  dropped_vms: number;
  /** Machines whose stored allocation did not match their VMs and was corrected. */
  reconciled: number;
}

/** Free memory below this counts as full: VMs are sized in whole GB. */
const MIN_FREE_MEMORY_GB = 1;
const VM_ID = /^[A-Za-z0-9._-]{1,128}$/;

interface MachineRecord {
  readonly id: string;
  readonly region: string;
  readonly datacenter: string;
  readonly cores_total: number;
  readonly memory_total_gb: number;
  /** The CSV's status; operator_status overrides it at runtime. */
  readonly bootstrap_status: OperatorStatus;
  operator_status: OperatorStatus | null;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  updated_at: string;
  version: number;
  status: MachineStatus;
}

/** What the machine's VMs add up to: the allocation reconcile() restores. */
interface VmSum {
  cores: number;
  memory_gb: number;
  count: number;
}

/** Status from the operator's word and the allocation, in that order. */
export function deriveStatus(m: {
  operator_status: OperatorStatus | null;
  bootstrap_status: OperatorStatus;
  cores_total: number;
  cores_allocated: number;
  memory_total_gb: number;
  memory_allocated_gb: number;
  vm_count: number;
}): MachineStatus {
  const op = m.operator_status ?? m.bootstrap_status;
  if (op !== 'available') return op;
  if (m.cores_allocated === 0 && m.memory_allocated_gb === 0 && m.vm_count === 0) return 'available';
  if (m.cores_total - m.cores_allocated <= 0 || m.memory_total_gb - m.memory_allocated_gb < MIN_FREE_MEMORY_GB)
    return 'full';
  return 'allocated';
}

/** One region and its machines (ordered by id), with running totals kept on every change. */
export class RegionIndex {
  readonly machines: MachineRecord[] = [];
  cores_total = 0;
  memory_total_gb = 0;
  cores_allocated = 0;
  memory_allocated_gb = 0;
  vm_count = 0;

  constructor(readonly spec: RegionSpec) {}

  /** The region's machines in the order the last walk left them (a permutation of `machines`). */
  private order: MachineRecord[] | null = null;

  /**
   * Up to n machines that can take memory_gb AND cores now, in random order: a Fisher–Yates walk
   * over this region only that stops at the nth fit, so a roomy region of 100k machines costs a
   * handful of steps instead of a full scan. Each step draws uniformly from the machines not yet
   * visited, so the result is a uniform random sample whatever order the last walk left.
   */
  fitting(memory_gb: number, cores: number, n: number, rng: Rng): MachineRecord[] {
    if (!this.order) this.order = [...this.machines];
    const order = this.order;
    const out: MachineRecord[] = [];
    for (let i = 0; i < order.length && out.length < n; i++) {
      const j = i + Math.floor(rng() * (order.length - i));
      const m = order[j];
      order[j] = order[i];
      order[i] = m;
      if (m.status !== 'available' && m.status !== 'allocated') continue;
      if (m.memory_total_gb - m.memory_allocated_gb >= memory_gb && m.cores_total - m.cores_allocated >= cores)
        out.push(m);
    }
    return out;
  }

  view(): Region {
    return {
      code: this.spec.code,
      location: this.spec.location,
      status: this.spec.status,
      machine_count: this.machines.length,
      cores_total: this.cores_total,
      cores_allocated: this.cores_allocated,
      memory_total_gb: this.memory_total_gb,
      memory_allocated_gb: this.memory_allocated_gb,
      vm_count: this.vm_count,
    };
  }
}

export class Fleet implements StoreServiceImpl {
  private readonly backend: StoreBackend;
  private readonly publishFn: (event: StoreEvent) => void;
  private readonly now: () => Date;
  private readonly warn: (msg: string, fields?: Record<string, unknown>) => void;
  private readonly rng: Rng;

  private readonly indexes = new Map<string, RegionIndex>();
  private readonly regionOrder: RegionIndex[] = [];
  private readonly byId = new Map<string, MachineRecord>();
  private readonly machineOrder: MachineRecord[] = [];

  private readonly vmById = new Map<string, Vm>();
  private readonly vmsByMachine = new Map<string, Set<string>>();
  private readonly vmSums = new Map<string, VmSum>();
  /**
   * VM writes in flight by id. A second put of the id is refused; a delete waits for the put,
   * so "take back a put that timed out" removes the VM rather than racing it.
   */
  private readonly vmWrites = new Map<string, Promise<unknown>>();
  /** Resources of VMs whose put is still committing: the capacity guard counts them too. */
  private readonly vmPending = new Map<string, VmSum>();
  /** Idempotency-Key → id of the live VM it launched, and back (for deletes). */
  private readonly vmByKey = new Map<string, string>();
  private readonly keyOfVm = new Map<string, string>();
  /** Keys whose VM is still committing: a second VM under the same key is refused meanwhile. */
  private readonly keyWrites = new Set<string>();

  /** Bumped by reset(), so a VM write that straddles a reset does not resurrect its VM. */
  private epoch = 0;
  private totalCoresAllocated = 0;
  private totalMemoryAllocated = 0;
  private totalCores = 0;
  private totalMemory = 0;
  private seq = 0;

  private constructor(
    private readonly data: FleetData,
    options: FleetOptions,
  ) {
    this.backend = options.backend;
    this.publishFn = options.publish ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.warn = options.warn ?? (() => {});
    this.rng = createRng(options.seed);
    this.build();
  }

  /**
   * The bootstrap data with the backend's state laid over it: stored machine states, then
   * stored VMs (dropping those whose machine is gone), then allocations := sum of VMs, because
   * a kill -9 may have lost FlyD updates but never an acknowledged VM.
   */
  static async open(data: FleetData, options: FleetOptions): Promise<{ fleet: Fleet; report: LoadReport }> {
    const fleet = new Fleet(data, options);
    const report = await fleet.restore();
    return { fleet, report };
  }

  // ---- queries ---------------------------------------------------------------------------

  regions(): Region[] {
    return this.regionOrder.map((r) => r.view());
  }

  region(code: string): Region {
    return this.index(code).view();
  }

  machines(region: string): Machine[] {
    return this.index(region).machines.map(view);
  }

  allMachines(): Machine[] {
    return this.machineOrder.map(view);
  }

  machine(id: string): Machine {
    return view(this.record(id));
  }

  candidates(region: string, memory_gb: number, cores: number, n: number): Machine[] {
    const index = this.index(region);
    wholeArg('memory_gb', memory_gb);
    wholeArg('cores', cores);
    wholeArg('n', n);
    return index.fitting(memory_gb, cores, n, this.rng).map(view);
  }

  versions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.machineOrder) out[m.id] = m.version;
    return out;
  }

  vms(region?: string): Vm[] {
    let list: Vm[];
    if (region === undefined || region === null) list = [...this.vmById.values()];
    else {
      const index = this.index(region);
      list = [];
      for (const m of index.machines)
        for (const id of this.vmsByMachine.get(m.id) ?? []) list.push(this.vmById.get(id) as Vm);
    }
    return list.sort(byCreated).map((v) => ({ ...v }));
  }

  vm(id: string): Vm {
    const vm = typeof id === 'string' ? this.vmById.get(id) : undefined;
    if (!vm) throw new ApiError('not_found', `no VM with id ${show(id)}`);
    return { ...vm };
  }

  /** The live VM an Idempotency-Key launched, or null (never used, or its VM was destroyed). */
  vmByIdempotencyKey(key: string): Vm | null {
    const id = typeof key === 'string' ? this.vmByKey.get(key) : undefined;
    const vm = id === undefined ? undefined : this.vmById.get(id);
    return vm ? { ...vm } : null;
  }

  totals(): FleetTotals {
    return {
      regions: this.regionOrder.length,
      machines: this.machineOrder.length,
      vms: this.vmById.size,
      cores_total: this.totalCores,
      cores_allocated: this.totalCoresAllocated,
      memory_total_gb: this.totalMemory,
      memory_allocated_gb: this.totalMemoryAllocated,
    };
  }

  /** The index candidates() reads, for tests that check no other region is scanned. */
  regionIndex(code: string): RegionIndex {
    return this.index(code);
  }

  // ---- changes ---------------------------------------------------------------------------

  async apply(update: MachineUpdate): Promise<{ applied: boolean; machine: Machine }> {
    if (typeof update !== 'object' || update === null)
      throw new ApiError('bad_request', 'a machine update must be an object');
    const m = this.record(update.machine_id);
    if (!Number.isSafeInteger(update.version) || update.version < 0) {
      throw new ApiError('bad_request', `update version ${show(update.version)} is not valid (a whole number >= 0)`);
    }
    // A retry of something already applied: idempotent, nothing changes.
    if (update.version <= m.version) return { applied: false, machine: view(m) };
    wholeField('cores_allocated', update.cores_allocated);
    wholeField('memory_allocated_gb', update.memory_allocated_gb);
    wholeField('vm_count', update.vm_count);
    if (update.cores_allocated > m.cores_total) {
      throw new ApiError(
        'bad_request',
        `update allocates ${update.cores_allocated} cores on ${m.id}, which has ${m.cores_total}`,
      );
    }
    if (update.memory_allocated_gb > m.memory_total_gb) {
      throw new ApiError(
        'bad_request',
        `update allocates ${update.memory_allocated_gb} GB on ${m.id}, which has ${m.memory_total_gb} GB`,
      );
    }
    m.version = update.version;
    this.setAllocation(m, update.cores_allocated, update.memory_allocated_gb, update.vm_count);
    const event = this.machineEvent(m);
    await this.persistMachines([m]);
    this.emit(event);
    return { applied: true, machine: view(m) };
  }

  async putVm(vm: Vm, idempotencyKey?: string): Promise<void> {
    const rec = this.checkVm(vm);
    const key = checkIdempotencyKey(idempotencyKey ?? undefined);
    const existing = this.vmById.get(rec.id);
    if (existing) {
      if (sameVm(existing, rec) && this.keyOfVm.get(rec.id) === key) return; // a retried put of the same record
      throw new ApiError('bad_request', `a different VM with id ${rec.id} already exists`);
    }
    if (this.vmWrites.has(rec.id)) throw new ApiError('bad_request', `VM ${rec.id} is being written; retry`);
    if (key !== undefined && (this.vmByKey.has(key) || this.keyWrites.has(key))) {
      throw new ApiError(
        'bad_request',
        `Idempotency-Key ${key} already names VM ${this.vmByKey.get(key) ?? '(being written)'}`,
      );
    }
    const sum = this.vmSums.get(rec.machine_id) as VmSum;
    const pending = this.vmPending.get(rec.machine_id) ?? { cores: 0, memory_gb: 0, count: 0 };
    const machine = this.byId.get(rec.machine_id) as MachineRecord;
    const cores = sum.cores + pending.cores;
    const memory = sum.memory_gb + pending.memory_gb;
    if (cores + rec.cores > machine.cores_total || memory + rec.memory_gb > machine.memory_total_gb) {
      throw new ApiError(
        'bad_request',
        `VM ${rec.id} does not fit on ${machine.id}: its VMs already hold ${cores}/${machine.cores_total} cores and ${memory}/${machine.memory_total_gb} GB`,
      );
    }
    this.vmPending.set(rec.machine_id, pending);
    pending.cores += rec.cores;
    pending.memory_gb += rec.memory_gb;
    pending.count += 1;
    const epoch = this.epoch;
    const stored: StoredVm = key === undefined ? rec : { ...rec, idempotency_key: key };
    // Durable first: the launch is acknowledged when this returns, and never before.
    const write = this.commitOrUnavailable([{ t: 'vm', vm: stored }], `record VM ${rec.id}`);
    this.vmWrites.set(rec.id, write);
    if (key !== undefined) this.keyWrites.add(key);
    try {
      await write;
      if (epoch === this.epoch) this.addVm(rec, key);
    } finally {
      this.vmWrites.delete(rec.id);
      if (key !== undefined) this.keyWrites.delete(key);
      pending.cores -= rec.cores;
      pending.memory_gb -= rec.memory_gb;
      pending.count -= 1;
      if (pending.count === 0) this.vmPending.delete(rec.machine_id);
    }
  }

  async deleteVm(id: string): Promise<Vm> {
    if (typeof id === 'string') await this.vmWrites.get(id)?.catch(() => {});
    const vm = typeof id === 'string' ? this.vmById.get(id) : undefined;
    if (!vm || this.vmWrites.has(id)) throw new ApiError('not_found', `no VM with id ${show(id)}`);
    const epoch = this.epoch;
    const write = this.commitOrUnavailable([{ t: 'vm-delete', id }], `delete VM ${id}`);
    this.vmWrites.set(id, write);
    try {
      await write;
      if (epoch === this.epoch) this.removeVm(vm);
    } finally {
      this.vmWrites.delete(id);
    }
    return { ...vm, state: 'destroyed' };
  }

  async reconcile(): Promise<{ changed: number }> {
    // A VM write from an orchestrator that just died may still be committing: count it in (or
    // out) before summing, or the new orchestrator's MachineDs would start one VM short.
    while (this.vmWrites.size > 0) await Promise.allSettled([...this.vmWrites.values()]);
    const changed: MachineRecord[] = [];
    for (const m of this.machineOrder) {
      const sum = this.vmSums.get(m.id) as VmSum;
      if (m.cores_allocated === sum.cores && m.memory_allocated_gb === sum.memory_gb && m.vm_count === sum.count)
        continue;
      this.setAllocation(m, sum.cores, sum.memory_gb, sum.count);
      changed.push(m);
    }
    const events = changed.map((m) => this.machineEvent(m));
    await this.persistMachines(changed);
    for (const e of events) this.emit(e);
    return { changed: changed.length };
  }

  async reset(): Promise<void> {
    // The model is rebuilt before the backend is cleared: a write issued from here on lands
    // after the clear, and one issued before it is cleared (and, by the epoch, not re-added).
    this.epoch++;
    // Versions survive a reset so that an update from before it can never pass as a new one.
    const versions = new Map(this.machineOrder.map((m) => [m.id, m.version]));
    this.build();
    for (const m of this.machineOrder) m.version = versions.get(m.id) ?? 0;
    try {
      await this.backend.clear();
    } catch (err) {
      throw new ApiError('unavailable', `the store could not clear its data: ${(err as Error).message}`);
    }
    this.emit({ type: 'reset', seq: 0, at: this.now().toISOString() });
  }

  /**
   * An operator's status for one machine at runtime (maintenance, offline, or null to return
   * to the CSV's). Not in StoreService yet: the hook for machine faults in the simulation.
   */
  async setOperatorStatus(id: string, status: OperatorStatus | null): Promise<Machine> {
    const m = this.record(id);
    if (status !== null && !(MACHINE_STATUSES as readonly string[]).includes(status)) {
      throw new ApiError(
        'bad_request',
        `machine status ${show(status)} is not valid (available, maintenance, offline or null)`,
      );
    }
    m.operator_status = status;
    m.status = deriveStatus(m);
    m.updated_at = this.now().toISOString();
    const event = this.machineEvent(m);
    await this.persistMachines([m]);
    this.emit(event);
    return view(m);
  }

  // ---- internals -------------------------------------------------------------------------

  /** (Re)builds everything from the bootstrap data: no VMs, nothing allocated. */
  private build(): void {
    this.indexes.clear();
    this.regionOrder.length = 0;
    this.byId.clear();
    this.machineOrder.length = 0;
    this.vmById.clear();
    this.vmsByMachine.clear();
    this.vmByKey.clear();
    this.keyOfVm.clear();
    this.vmSums.clear();
    this.totalCores = this.totalMemory = this.totalCoresAllocated = this.totalMemoryAllocated = 0;
    const at = this.now().toISOString();

    for (const spec of [...this.data.regions].sort((a, b) => cmp(a.code, b.code))) {
      const index = new RegionIndex(spec);
      this.indexes.set(spec.code, index);
      this.regionOrder.push(index);
    }
    for (const spec of [...this.data.machines].sort((a, b) => cmp(a.id, b.id))) {
      const index = this.indexes.get(spec.region);
      if (!index) throw new Error(`machine ${spec.id} is in unknown region ${spec.region}`);
      const m = newRecord(spec, at);
      index.machines.push(m);
      index.cores_total += m.cores_total;
      index.memory_total_gb += m.memory_total_gb;
      this.totalCores += m.cores_total;
      this.totalMemory += m.memory_total_gb;
      this.byId.set(m.id, m);
      this.machineOrder.push(m);
      this.vmSums.set(m.id, { cores: 0, memory_gb: 0, count: 0 });
    }
  }

  private async restore(): Promise<LoadReport> {
    const snapshot = await this.backend.load();
    for (const [id, state] of snapshot.machines) {
      const m = this.byId.get(id);
      if (!m) continue; // a machine taken out of the CSV: its state no longer matters
      if (!validState(state)) {
        this.warn('ignoring a stored machine state that is not valid', { machine: id });
        continue;
      }
      m.version = state.version;
      m.operator_status = state.operator_status;
      this.setAllocation(m, state.cores_allocated, state.memory_allocated_gb, state.vm_count, state.updated_at);
    }
    const dropped: BackendOp[] = [];
    for (const stored of snapshot.vms) {
      const m = stored && typeof stored === 'object' ? this.byId.get(stored.machine_id) : undefined;
      if (!m) {
        this.warn('dropping a stored VM whose machine is no longer in the regions file', {
          vm: stored?.id,
          machine: stored?.machine_id,
        });
        if (typeof stored?.id === 'string') dropped.push({ t: 'vm-delete', id: stored.id });
        continue;
      }
      let vm: Vm;
      try {
        // A machine may have moved region in the CSV: the VM follows its machine.
        vm = this.checkVm({ ...stored, region: m.region });
      } catch (err) {
        this.warn('dropping a stored VM that is not valid', { vm: stored.id, reason: (err as Error).message });
        if (typeof stored.id === 'string') dropped.push({ t: 'vm-delete', id: stored.id });
        continue;
      }
      const key = typeof stored.idempotency_key === 'string' ? stored.idempotency_key : undefined;
      this.addVm(
        vm,
        key !== undefined && IDEMPOTENCY_KEY_PATTERN.test(key) && !this.vmByKey.has(key) ? key : undefined,
      );
    }
    if (dropped.length > 0) await this.backend.commit(dropped);
    for (const m of this.machineOrder) {
      const sum = this.vmSums.get(m.id) as VmSum;
      if (sum.cores > m.cores_total || sum.memory_gb > m.memory_total_gb) {
        this.warn('a machine holds more VMs than its capacity in the regions file', {
          machine: m.id,
          cores: `${sum.cores}/${m.cores_total}`,
          memory_gb: `${sum.memory_gb}/${m.memory_total_gb}`,
        });
      }
    }
    const { changed } = await this.reconcile();
    return { backend: this.backend.kind, vms: this.vmById.size, dropped_vms: dropped.length, reconciled: changed };
  }

  private index(code: string): RegionIndex {
    const index = typeof code === 'string' ? this.indexes.get(code.toUpperCase()) : undefined;
    if (!index) throw new ApiError('unknown_region', `unknown region ${show(code)}`);
    return index;
  }

  private record(id: string): MachineRecord {
    const m = typeof id === 'string' ? this.byId.get(id) : undefined;
    if (!m) throw new ApiError('not_found', `no machine with id ${show(id)}`);
    return m;
  }

  /** Sets absolute allocation values, keeping region and fleet totals and status in step. */
  private setAllocation(m: MachineRecord, cores: number, memory_gb: number, vm_count: number, at?: string): void {
    const index = this.indexes.get(m.region) as RegionIndex;
    const dc = cores - m.cores_allocated;
    const dm = memory_gb - m.memory_allocated_gb;
    index.cores_allocated += dc;
    index.memory_allocated_gb += dm;
    index.vm_count += vm_count - m.vm_count;
    this.totalCoresAllocated += dc;
    this.totalMemoryAllocated += dm;
    m.cores_allocated = cores;
    m.memory_allocated_gb = memory_gb;
    m.vm_count = vm_count;
    m.updated_at = at ?? this.now().toISOString();
    m.status = deriveStatus(m);
  }

  private checkVm(vm: Vm): Vm {
    if (typeof vm !== 'object' || vm === null) throw new ApiError('bad_request', 'a VM must be an object');
    if (typeof vm.id !== 'string' || !VM_ID.test(vm.id)) {
      throw new ApiError(
        'bad_request',
        `VM id ${show(vm.id)} is not valid (1 to 128 letters, digits, '.', '_' or '-')`,
      );
    }
    const m = this.byId.get(vm.machine_id);
    if (!m) throw new ApiError('not_found', `VM ${vm.id} names machine ${show(vm.machine_id)}, which does not exist`);
    if (typeof vm.region !== 'string' || vm.region.toUpperCase() !== m.region) {
      throw new ApiError(
        'bad_request',
        `VM ${vm.id} says region ${show(vm.region)} but machine ${m.id} is in ${m.region}`,
      );
    }
    for (const [name, v] of [
      ['memory_gb', vm.memory_gb],
      ['cores', vm.cores],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1)
        throw new ApiError('bad_request', `VM ${name} ${show(v)} is not valid (a whole number >= 1)`);
    }
    if (vm.state !== 'running') throw new ApiError('bad_request', `VM state ${show(vm.state)} is not valid (running)`);
    if (typeof vm.created_at !== 'string' || Number.isNaN(Date.parse(vm.created_at))) {
      throw new ApiError('bad_request', `VM created_at ${show(vm.created_at)} is not an RFC 3339 time`);
    }
    return {
      id: vm.id,
      region: m.region,
      machine_id: m.id,
      memory_gb: vm.memory_gb,
      cores: vm.cores,
      state: 'running',
      created_at: vm.created_at,
    };
  }

  private addVm(vm: Vm, key?: string): void {
    this.vmById.set(vm.id, vm);
    if (key !== undefined) {
      this.vmByKey.set(key, vm.id);
      this.keyOfVm.set(vm.id, key);
    }
    // Made on a machine's first VM: an empty Set per machine was a third of a 100k fleet's heap.
    let ids = this.vmsByMachine.get(vm.machine_id);
    if (!ids) {
      ids = new Set();
      this.vmsByMachine.set(vm.machine_id, ids);
    }
    ids.add(vm.id);
    const sum = this.vmSums.get(vm.machine_id) as VmSum;
    sum.cores += vm.cores;
    sum.memory_gb += vm.memory_gb;
    sum.count += 1;
  }

  private removeVm(vm: Vm): void {
    this.vmById.delete(vm.id);
    const key = this.keyOfVm.get(vm.id);
    if (key !== undefined) {
      this.keyOfVm.delete(vm.id);
      this.vmByKey.delete(key);
    }
    this.vmsByMachine.get(vm.machine_id)?.delete(vm.id);
    const sum = this.vmSums.get(vm.machine_id);
    if (sum) {
      sum.cores -= vm.cores;
      sum.memory_gb -= vm.memory_gb;
      sum.count -= 1;
    }
  }

  /**
   * Machine state is advisory on disk (a start reconciles it from the VMs), so a failed write
   * is logged rather than undoing a change MachineD has already made.
   */
  private async persistMachines(ms: MachineRecord[]): Promise<void> {
    if (ms.length === 0) return;
    try {
      await this.backend.commit(ms.map((m) => ({ t: 'machine', id: m.id, state: stateOf(m) })));
    } catch (err) {
      this.warn('could not persist machine state', { machines: ms.length, reason: (err as Error).message });
    }
  }

  private async commitOrUnavailable(ops: BackendOp[], what: string): Promise<void> {
    try {
      await this.backend.commit(ops);
    } catch (err) {
      this.warn(`could not ${what}`, { reason: (err as Error).message });
      throw new ApiError('unavailable', `the store could not ${what}: ${(err as Error).message}`);
    }
  }

  private machineEvent(m: MachineRecord): StoreEvent {
    const index = this.indexes.get(m.region) as RegionIndex;
    return { type: 'machine', seq: 0, at: m.updated_at, machine: view(m), region: index.view() };
  }

  /** Numbers events as they leave, so seq follows the order subscribers see. */
  private emit(event: StoreEvent): void {
    event.seq = ++this.seq;
    try {
      this.publishFn(event);
    } catch (err) {
      this.warn('publishing a store event failed', { reason: (err as Error).message });
    }
  }
}

/** Only the StoreService methods, so RPC can reach nothing else of the model. */
export function storeService(fleet: Fleet): StoreServiceImpl {
  return {
    regions: () => fleet.regions(),
    region: (code) => fleet.region(code),
    machines: (region) => fleet.machines(region),
    allMachines: () => fleet.allMachines(),
    machine: (id) => fleet.machine(id),
    candidates: (region, memory_gb, cores, n) => fleet.candidates(region, memory_gb, cores, n),
    apply: (update) => fleet.apply(update),
    versions: () => fleet.versions(),
    putVm: (vm, key) => fleet.putVm(vm, key),
    deleteVm: (id) => fleet.deleteVm(id),
    vms: (region) => fleet.vms(region),
    vm: (id) => fleet.vm(id),
    vmByIdempotencyKey: (key) => fleet.vmByIdempotencyKey(key),
    reconcile: () => fleet.reconcile(),
    totals: () => fleet.totals(),
    reset: () => fleet.reset(),
  };
}

function newRecord(spec: MachineSpec, at: string): MachineRecord {
  const m: MachineRecord = {
    id: spec.id,
    region: spec.region,
    datacenter: spec.datacenter,
    cores_total: spec.cores,
    memory_total_gb: spec.memory_gb,
    bootstrap_status: spec.status,
    operator_status: null,
    cores_allocated: 0,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: at,
    version: 0,
    status: 'available',
  };
  m.status = deriveStatus(m);
  return m;
}

function view(m: MachineRecord): Machine {
  return {
    id: m.id,
    region: m.region,
    datacenter: m.datacenter,
    status: m.status,
    cores_total: m.cores_total,
    cores_allocated: m.cores_allocated,
    memory_total_gb: m.memory_total_gb,
    memory_allocated_gb: m.memory_allocated_gb,
    vm_count: m.vm_count,
    updated_at: m.updated_at,
  };
}

function stateOf(m: MachineRecord): MachineState {
  return {
    version: m.version,
    cores_allocated: m.cores_allocated,
    memory_allocated_gb: m.memory_allocated_gb,
    vm_count: m.vm_count,
    updated_at: m.updated_at,
    operator_status: m.operator_status,
  };
}

function validState(s: MachineState): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const whole = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  return (
    whole(s.version) &&
    whole(s.cores_allocated) &&
    whole(s.memory_allocated_gb) &&
    whole(s.vm_count) &&
    typeof s.updated_at === 'string' &&
    (s.operator_status === null || (MACHINE_STATUSES as readonly string[]).includes(s.operator_status))
  );
}

function sameVm(a: Vm, b: Vm): boolean {
  return (
    a.id === b.id &&
    a.region === b.region &&
    a.machine_id === b.machine_id &&
    a.memory_gb === b.memory_gb &&
    a.cores === b.cores &&
    a.state === b.state &&
    a.created_at === b.created_at
  );
}

function wholeArg(name: string, v: unknown): void {
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new ApiError('bad_request', `${name} ${show(v)} is not valid (a whole number >= 0)`);
}

function wholeField(name: string, v: unknown): void {
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new ApiError('bad_request', `update ${name} ${show(v)} is not valid (a whole number >= 0)`);
  }
}

/** A caller's value, quoted and cut short, for an error message. */
const show = (v: unknown): string => shown(v, 60);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCreated(a: Vm, b: Vm): number {
  return cmp(a.created_at, b.created_at) || cmp(a.id, b.id);
}
