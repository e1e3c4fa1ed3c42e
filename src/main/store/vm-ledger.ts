// The VMs: by id, by machine and by Idempotency-Key, what each machine's VMs add up to, and
// the writes still committing. A VM is in the ledger only once the backend has it, and the
// capacity guard counts the writes in flight too, so two launches racing for the last cores of
// a machine cannot both be recorded.

import { ApiError } from '../../shared/errors';
import { holdsResources, resourceDelta } from '../../shared/lifecycle';
import type { Vm } from '../../shared/types';
import type { BackendOp, StoredVm } from './backend';
import type { MachineRecord } from './machine-record';
import { show } from './values';
import { sameVm } from './vm-record';

/** What a machine's VMs that hold resources add up to: the allocation reconcile() restores. */
export interface VmSum {
  cores: number;
  memory_gb: number;
  count: number;
}

/** Commits ops to the backend; throws unavailable (naming `what`) if it cannot. */
export type Commit = (ops: BackendOp[], what: string) => Promise<void>;

const NO_VMS: Readonly<VmSum> = Object.freeze({ cores: 0, memory_gb: 0, count: 0 });

export class VmLedger {
  private readonly byId = new Map<string, Vm>();
  /** A machine's VM ids: the id itself while it has one (most do), a Set from the second. */
  private readonly byMachine = new Map<string, string | Set<string>>();
  private readonly sums = new Map<string, VmSum>();
  /**
   * VM writes in flight by id. A second put of the id is refused; a delete waits for the put,
   * so "take back a put that timed out" removes the VM rather than racing it.
   */
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Resources of VMs whose put is still committing: the capacity guard counts them too. */
  private readonly pending = new Map<string, VmSum>();
  /** Idempotency-Key → id of the live VM it launched, and back (for deletes). */
  private readonly byKey = new Map<string, string>();
  private readonly keyOf = new Map<string, string>();
  /** Keys whose VM is still committing: a second VM under the same key is refused meanwhile. */
  private readonly keyWrites = new Set<string>();
  /** How many VMs are in each state (the /metrics gauge). */
  private readonly states = new Map<string, number>();
  /** Bumped by forget(), so a VM write that straddles a reset does not resurrect its VM. */
  private epoch = 0;

  constructor(private readonly commit: Commit) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Vm | undefined {
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }

  all(): Vm[] {
    return [...this.byId.values()];
  }

  /** VMs per state, states with none left out. */
  byState(): Record<string, number> {
    return Object.fromEntries([...this.states].filter(([, n]) => n > 0));
  }

  /** The VMs of these machines, machine by machine. */
  onMachines(machines: readonly { id: string }[]): Vm[] {
    const list: Vm[] = [];
    for (const m of machines) {
      const ids = this.byMachine.get(m.id);
      if (typeof ids === 'string') list.push(this.byId.get(ids) as Vm);
      else if (ids) for (const id of ids) list.push(this.byId.get(id) as Vm);
    }
    return list;
  }

  /** The live VM an Idempotency-Key launched, if any. */
  byIdempotencyKey(key: string): Vm | undefined {
    const id = typeof key === 'string' ? this.byKey.get(key) : undefined;
    return id === undefined ? undefined : this.byId.get(id);
  }

  hasKey(key: string): boolean {
    return this.byKey.has(key);
  }

  /** What the machine's VMs that hold resources add up to (read-only; zero when it has none). */
  sum(machineId: string): Readonly<VmSum> {
    // No VM anywhere (a fresh start walks every machine through here): no lookup per machine.
    if (this.sums.size === 0) return NO_VMS;
    return this.sums.get(machineId) ?? NO_VMS;
  }

  /**
   * Forgets every VM (the backend is being cleared, or nothing was loaded yet): each machine
   * is at zero (a sum is made on a machine's first VM; 100k empty ones cost the start-up). Writes in flight finish but, by the epoch, are not added.
   */
  forget(): void {
    this.epoch++;
    this.byId.clear();
    this.byMachine.clear();
    this.byKey.clear();
    this.keyOf.clear();
    this.sums.clear();
    this.states.clear();
  }

  /** Resolves once no VM write is in flight, including writes started while waiting. */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes.values()]);
  }

  /**
   * Records a checked VM on `machine` under `key`, durably before it resolves. A retried put of
   * the same record under the same key is a no-op; anything else that clashes is bad_request.
   */
  async put(rec: Vm, key: string | undefined, machine: MachineRecord): Promise<void> {
    const existing = this.byId.get(rec.id);
    if (existing) {
      if (sameVm(existing, rec) && this.keyOf.get(rec.id) === key) return; // a retried put of the same record
      throw new ApiError('bad_request', `a different VM with id ${rec.id} already exists`);
    }
    if (this.writes.has(rec.id)) throw new ApiError('bad_request', `VM ${rec.id} is being written; retry`);
    if (key !== undefined && (this.byKey.has(key) || this.keyWrites.has(key))) {
      throw new ApiError(
        'bad_request',
        `Idempotency-Key ${key} already names VM ${this.byKey.get(key) ?? '(being written)'}`,
      );
    }
    const holds = holdsResources(rec.state);
    if (holds) this.checkFits(rec, machine);
    const pending = this.pending.get(rec.machine_id) ?? { cores: 0, memory_gb: 0, count: 0 };
    this.pending.set(rec.machine_id, pending);
    const share = holds ? 1 : 0;
    pending.cores += rec.cores * share;
    pending.memory_gb += rec.memory_gb * share;
    pending.count += 1;
    const epoch = this.epoch;
    const stored: StoredVm = key === undefined ? rec : { ...rec, idempotency_key: key };
    // Durable first: the launch is acknowledged when this returns, and never before.
    const write = this.commit([{ t: 'vm', vm: stored }], `record VM ${rec.id}`);
    this.writes.set(rec.id, write);
    if (key !== undefined) this.keyWrites.add(key);
    try {
      await write;
      if (epoch === this.epoch) this.add(rec, key);
    } finally {
      this.writes.delete(rec.id);
      if (key !== undefined) this.keyWrites.delete(key);
      pending.cores -= rec.cores * share;
      pending.memory_gb -= rec.memory_gb * share;
      pending.count -= 1;
      if (pending.count === 0) this.pending.delete(rec.machine_id);
    }
  }

  /**
   * Replaces a recorded VM with `rec` (its new state) durably, after any write of it in flight.
   * Moving into a state that holds resources is refused when the machine's VMs would no longer
   * fit, as a put is.
   */
  async update(rec: Vm, machine: MachineRecord): Promise<Vm> {
    await this.writes.get(rec.id)?.catch(() => {});
    const before = this.byId.get(rec.id);
    if (!before || this.writes.has(rec.id)) throw new ApiError('not_found', `no VM with id ${show(rec.id)}`);
    if (before.machine_id !== rec.machine_id || before.cores !== rec.cores || before.memory_gb !== rec.memory_gb) {
      throw new ApiError('bad_request', `VM ${rec.id} cannot change its machine or size in an update`);
    }
    if (resourceDelta(before.state, rec.state) > 0) this.checkFits(rec, machine);
    // The new record keeps the old one's strings (the update's are a copy from another thread).
    rec.id = before.id;
    if (rec.created_at === before.created_at) {
      if (rec.updated_at === rec.created_at) rec.updated_at = before.created_at;
      rec.created_at = before.created_at;
    }
    const key = this.keyOf.get(rec.id);
    const stored: StoredVm = key === undefined ? rec : { ...rec, idempotency_key: key };
    const epoch = this.epoch;
    const write = this.commit([{ t: 'vm', vm: stored }], `record VM ${rec.id} ${rec.state}`);
    this.writes.set(rec.id, write);
    try {
      await write;
      if (epoch === this.epoch && this.byId.get(rec.id) === before) {
        this.remove(before);
        this.add(rec, key);
      }
    } finally {
      this.writes.delete(rec.id);
    }
    return before;
  }

  private checkFits(rec: Vm, machine: MachineRecord): void {
    const sum = this.sum(rec.machine_id);
    const pending = this.pending.get(rec.machine_id) ?? { cores: 0, memory_gb: 0, count: 0 };
    const cores = sum.cores + pending.cores;
    const memory = sum.memory_gb + pending.memory_gb;
    if (cores + rec.cores > machine.cores_total || memory + rec.memory_gb > machine.memory_total_gb) {
      // lost_race: nothing was written, so the launcher may place the VM again (MachineD's
      // view was behind: another host of a shared fleet, or a release not yet seen here).
      // The allocation is MachineD's kind (recorded plus in flight), capped at the machine's size:
      // writes in flight here may yet lose their own race in a shared store.
      const allocation = {
        cores_allocated: Math.min(cores, machine.cores_total),
        memory_allocated_gb: Math.min(memory, machine.memory_total_gb),
        vm_count: sum.count + pending.count,
      };
      throw new ApiError(
        'bad_request',
        `VM ${rec.id} does not fit on ${machine.id}: its VMs${pending.count > 0 ? ' and the writes in flight' : ''} already hold ${cores}/${machine.cores_total} cores and ${memory}/${machine.memory_total_gb} GB`,
        { lost_race: true, allocation },
      );
    }
  }

  /** Deletes a VM durably (after any put of it still in flight); not_found if there is none. */
  async delete(id: string): Promise<Vm> {
    if (typeof id === 'string') await this.writes.get(id)?.catch(() => {});
    const vm = typeof id === 'string' ? this.byId.get(id) : undefined;
    if (!vm || this.writes.has(id)) throw new ApiError('not_found', `no VM with id ${show(id)}`);
    const epoch = this.epoch;
    const write = this.commit([{ t: 'vm-delete', id }], `delete VM ${id}`);
    this.writes.set(id, write);
    try {
      await write;
      if (epoch === this.epoch) this.remove(vm);
    } finally {
      this.writes.delete(id);
    }
    return vm;
  }

  /** The write of this VM still in flight on this host, if any (a shared store waits for it). */
  inFlight(id: string): Promise<unknown> | undefined {
    return this.writes.get(id);
  }

  /** Takes a VM out that the backend no longer holds (another host of a shared fleet deleted it). */
  drop(id: string): void {
    const vm = this.byId.get(id);
    if (vm) this.remove(vm);
  }

  /**
   * Adds a VM the backend already holds (after its put, when loading at start, or as a shared
   * store reports it); a VM already here is left as it is, so a report of our own write is harmless.
   */
  add(vm: Vm, key?: string): void {
    if (this.byId.has(vm.id)) return;
    this.byId.set(vm.id, vm);
    if (key !== undefined) {
      this.byKey.set(key, vm.id);
      this.keyOf.set(vm.id, key);
    }
    // A machine's first VM is its id alone; a Set is made for a second (an empty Set per machine
    // was a third of a 100k fleet's heap, and one per machine with a VM most of a VM's cost).
    const ids = this.byMachine.get(vm.machine_id);
    if (ids === undefined) this.byMachine.set(vm.machine_id, vm.id);
    else if (typeof ids === 'string') this.byMachine.set(vm.machine_id, new Set([ids, vm.id]));
    else ids.add(vm.id);
    this.states.set(vm.state, (this.states.get(vm.state) ?? 0) + 1);
    if (!holdsResources(vm.state)) return;
    let sum = this.sums.get(vm.machine_id);
    if (!sum) {
      sum = { cores: 0, memory_gb: 0, count: 0 };
      this.sums.set(vm.machine_id, sum);
    }
    sum.cores += vm.cores;
    sum.memory_gb += vm.memory_gb;
    sum.count += 1;
  }

  private remove(vm: Vm): void {
    this.byId.delete(vm.id);
    const key = this.keyOf.get(vm.id);
    if (key !== undefined) {
      this.keyOf.delete(vm.id);
      this.byKey.delete(key);
    }
    const ids = this.byMachine.get(vm.machine_id);
    if (ids === vm.id) this.byMachine.delete(vm.machine_id);
    else if (typeof ids === 'object') ids.delete(vm.id);
    this.states.set(vm.state, (this.states.get(vm.state) ?? 1) - 1);
    const sum = this.sums.get(vm.machine_id);
    if (sum && holdsResources(vm.state)) {
      sum.cores -= vm.cores;
      sum.memory_gb -= vm.memory_gb;
      sum.count -= 1;
    }
  }
}
