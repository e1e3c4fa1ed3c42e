// The store's model: regions, their machines in per-region indexes, and VMs. It knows nothing
// about threads: the worker hands it a backend and a publish callback, and the unit tests do
// the same. Every input is checked before anything changes, so a bad call gets an ApiError and
// the state stays as it was.

import { randomInt } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import { mulberry32, type Rng } from '../../shared/random';
import type { FleetTotals, Machine, MachineUpdate, Region, StoreEvent, Vm } from '../../shared/types';
import { checkIdempotencyKey } from '../../shared/validation';
import type { BackendOp, BackendSnapshot, StoreBackend } from './backend';
import { type FleetData, isOperatorStatus, type OperatorStatus } from './fleet-data';
import { type MachineRecord, machineView, storedState } from './machine-record';
import { MachineTable } from './machine-table';
import type { RegionIndex } from './region-index';
import { applyRemote, type RemoteChange, resyncFrom } from './remote';
import { allocateFromVms, type LoadReport, overlaySnapshot, type Warn, warnOverCapacity } from './restore';
import type { StoreServiceImpl } from './service';
import { requireWhole, show } from './values';
import { VmLedger } from './vm-ledger';
import { byCreated, checkVm } from './vm-record';

export interface FleetOptions {
  backend: StoreBackend;
  /** Receives every change event (the worker broadcasts them). */
  publish?: (event: StoreEvent) => void;
  /** Pins the candidate shuffle (`--seed`); undefined seeds from the OS. */
  seed?: number;
  /** Clock, for tests. */
  now?: () => Date;
  warn?: Warn;
}

export class Fleet implements StoreServiceImpl {
  private readonly backend: StoreBackend;
  private readonly publishFn: (event: StoreEvent) => void;
  private readonly now: () => Date;
  private readonly warn: Warn;
  private readonly rng: Rng;
  private table: MachineTable;
  private readonly ledger: VmLedger;
  private seq = 0;

  private constructor(
    private readonly data: FleetData,
    options: FleetOptions,
  ) {
    this.backend = options.backend;
    this.publishFn = options.publish ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.warn = options.warn ?? (() => {});
    this.rng = mulberry32(options.seed ?? randomInt(0, 2 ** 32 - 1));
    this.ledger = new VmLedger((ops, what) => this.commitOrUnavailable(ops, what));
    this.table = this.build();
  }

  /**
   * The bootstrap data with the backend's state laid over it: stored machine states, then
   * stored VMs (dropping those whose machine is gone), then allocations := sum of VMs, because
   * a kill -9 may have lost FlyD updates but never an acknowledged VM.
   */
  static async open(data: FleetData, options: FleetOptions): Promise<{ fleet: Fleet; report: LoadReport }> {
    const fleet = new Fleet(data, options);
    const snapshot = await fleet.backend.load();
    const dropped = overlaySnapshot(snapshot, fleet.table, fleet.ledger, fleet.warn);
    if (dropped.length > 0) await fleet.backend.commit(dropped);
    warnOverCapacity(fleet.table, fleet.ledger, fleet.warn);
    const { changed } = await fleet.reconcile();
    const report = {
      backend: fleet.backend.kind,
      vms: fleet.ledger.size,
      dropped_vms: dropped.length,
      reconciled: changed,
    };
    return { fleet, report };
  }

  // ---- queries ---------------------------------------------------------------------------

  regions(): Region[] {
    return this.table.regions.map((r) => r.view());
  }

  region(code: string): Region {
    return this.table.indexOrThrow(code).view();
  }

  machines(region: string): Machine[] {
    return this.table.indexOrThrow(region).machines.map(machineView);
  }

  allMachines(): Machine[] {
    return this.table.machines.map(machineView);
  }

  machine(id: string): Machine {
    return machineView(this.table.recordOrThrow(id));
  }

  candidates(region: string, memory_gb: number, cores: number, n: number): Machine[] {
    const index = this.table.indexOrThrow(region);
    requireWhole('memory_gb', memory_gb);
    requireWhole('cores', cores);
    requireWhole('n', n);
    return index.fitting(memory_gb, cores, n, this.rng).map(machineView);
  }

  versions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.table.machines) out[m.id] = m.version;
    return out;
  }

  vms(region?: string): Vm[] {
    const list =
      region === undefined || region === null
        ? this.ledger.all()
        : this.ledger.onMachines(this.table.indexOrThrow(region).machines);
    return list.sort(byCreated).map((v) => ({ ...v }));
  }

  vm(id: string): Vm {
    const vm = this.ledger.get(id);
    if (!vm) throw new ApiError('not_found', `no VM with id ${show(id)}`);
    return { ...vm };
  }

  /** The live VM an Idempotency-Key launched, or null (never used, or its VM was destroyed). */
  vmByIdempotencyKey(key: string): Vm | null {
    const vm = this.ledger.byIdempotencyKey(key);
    return vm ? { ...vm } : null;
  }

  totals(): FleetTotals {
    return {
      regions: this.table.regions.length,
      machines: this.table.machines.length,
      vms: this.ledger.size,
      cores_total: this.table.cores_total,
      cores_allocated: this.table.cores_allocated,
      memory_total_gb: this.table.memory_total_gb,
      memory_allocated_gb: this.table.memory_allocated_gb,
    };
  }

  /** The index candidates() reads, for tests that check no other region is scanned. */
  regionIndex(code: string): RegionIndex {
    return this.table.indexOrThrow(code);
  }

  // ---- changes ---------------------------------------------------------------------------

  async apply(update: MachineUpdate): Promise<{ applied: boolean; machine: Machine }> {
    if (typeof update !== 'object' || update === null)
      throw new ApiError('bad_request', 'a machine update must be an object');
    const m = this.table.recordOrThrow(update.machine_id);
    if (!Number.isSafeInteger(update.version) || update.version < 0) {
      throw new ApiError('bad_request', `update version ${show(update.version)} is not valid (a whole number >= 0)`);
    }
    // A retry of something already applied: idempotent, nothing changes.
    if (update.version <= m.version) return { applied: false, machine: machineView(m) };
    if (this.backend.shared) {
      // A shared store keeps each machine's allocation with its VMs, in the same transaction
      // (no host can over-allocate): FlyD's report is this host's view of it, not news.
      m.version = update.version;
      return { applied: true, machine: machineView(m) };
    }
    requireWhole('update cores_allocated', update.cores_allocated);
    requireWhole('update memory_allocated_gb', update.memory_allocated_gb);
    requireWhole('update vm_count', update.vm_count);
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
    this.table.setAllocation(m, update.cores_allocated, update.memory_allocated_gb, update.vm_count, this.stamp());
    const event = this.machineEvent(m);
    await this.persistMachines([m]);
    this.emit(event);
    return { applied: true, machine: machineView(m) };
  }

  async putVm(vm: Vm, idempotencyKey?: string): Promise<void> {
    const rec = checkVm(vm, (id) => this.table.get(id));
    const key = checkIdempotencyKey(idempotencyKey ?? undefined);
    await this.ledger.put(rec, key, this.table.get(rec.machine_id) as MachineRecord);
  }

  async deleteVm(id: string): Promise<Vm> {
    if (this.backend.shared && typeof id === 'string' && !this.ledger.get(id) && !this.ledger.inFlight(id)) {
      // Not here, but a write of it whose outcome was unknown may still commit in the shared
      // store: delete it there too (a no-op if it never landed), so no unacknowledged VM stays.
      await this.commitOrUnavailable([{ t: 'vm-delete', id }], `delete VM ${id}`);
    }
    const vm = await this.ledger.delete(id);
    return { ...vm, state: 'destroyed' };
  }

  async reconcile(): Promise<{ changed: number }> {
    // A VM write from an orchestrator that just died may still be committing: count it in (or
    // out) before summing, or the new orchestrator's MachineDs would start one VM short.
    await this.ledger.settled();
    // Shared: every VM write moved its machine's allocation in the same transaction; the rows
    // are right by construction and belong to every host, so none is rewritten from here.
    if (this.backend.shared) return { changed: 0 };
    const changed = allocateFromVms(this.table, this.ledger, () => this.stamp());
    const events = changed.map((m) => this.machineEvent(m));
    await this.persistMachines(changed);
    for (const e of events) this.emit(e);
    return { changed: changed.length };
  }

  async reset(): Promise<void> {
    // The model is rebuilt before the backend is cleared: a write issued from here on lands
    // after the clear, and one issued before it is cleared (and, by the ledger's epoch, not
    // re-added). Versions survive a reset so that an update from before it can never pass as
    // a new one.
    const versions = new Map(this.table.machines.map((m) => [m.id, m.version]));
    this.table = this.build();
    for (const m of this.table.machines) m.version = versions.get(m.id) ?? 0;
    try {
      await this.backend.clear();
    } catch (err) {
      throw new ApiError('unavailable', `the store could not clear its data: ${(err as Error).message}`);
    }
    this.emit({ type: 'reset', seq: 0, at: this.stamp() });
  }

  /**
   * An operator's status for one machine at runtime (maintenance, offline, or null to return
   * to the CSV's). Not in StoreService yet: the hook for machine faults in the simulation.
   */
  async setOperatorStatus(id: string, status: OperatorStatus | null): Promise<Machine> {
    const m = this.table.recordOrThrow(id);
    if (status !== null && !isOperatorStatus(status)) {
      throw new ApiError(
        'bad_request',
        `machine status ${show(status)} is not valid (available, maintenance, offline or null)`,
      );
    }
    m.operator_status = status;
    this.table.restatus(m, this.stamp());
    const event = this.machineEvent(m);
    await this.persistMachines([m]);
    this.emit(event);
    return machineView(m);
  }

  // ---- a shared fleet: what the other hosts did ------------------------------------------

  /**
   * Changes the shared store reports, in its commit order. A change to a VM this host is still
   * writing waits for that write, so the ledger sees the outcome before the report.
   */
  async applyRemote(changes: RemoteChange[]): Promise<void> {
    for (const change of changes) {
      const id = change.t === 'vm' ? change.vm?.id : change.t === 'vm-delete' ? change.id : undefined;
      const writing = id === undefined ? undefined : this.ledger.inFlight(id);
      if (writing) await writing.catch(() => {});
      applyRemote(this.remoteTarget(), change);
    }
  }

  /** Replaces machines and VMs with a snapshot's (the watch fell behind a compaction). */
  async resyncFrom(snapshot: BackendSnapshot): Promise<{ machines: number; vms: number }> {
    await this.ledger.settled();
    return resyncFrom(this.remoteTarget(), snapshot.machines, snapshot.vms);
  }

  /** Another host reset the shared fleet: the bootstrap state, as after reset() here. */
  remoteReset(): void {
    const versions = new Map(this.table.machines.map((m) => [m.id, m.version]));
    this.table = this.build();
    for (const m of this.table.machines) m.version = versions.get(m.id) ?? 0;
    this.emit({ type: 'reset', seq: 0, at: this.stamp() });
  }

  private remoteTarget() {
    return {
      table: this.table,
      ledger: this.ledger,
      changed: (m: MachineRecord) => this.emit(this.machineEvent(m)),
      warn: this.warn,
    };
  }

  // ---- internals -------------------------------------------------------------------------

  /** The machines from the bootstrap data alone, and a ledger with no VMs. */
  private build(): MachineTable {
    const table = new MachineTable(this.data, this.stamp());
    this.ledger.forget(table.machines.map((m) => m.id));
    return table;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /**
   * Machine state is advisory on disk (a start reconciles it from the VMs), so a failed write
   * is logged rather than undoing a change MachineD has already made.
   */
  private async persistMachines(ms: MachineRecord[]): Promise<void> {
    if (ms.length === 0) return;
    try {
      await this.backend.commit(ms.map((m) => ({ t: 'machine', id: m.id, state: storedState(m) })));
    } catch (err) {
      this.warn('could not persist machine state', { machines: ms.length, reason: (err as Error).message });
    }
  }

  private async commitOrUnavailable(ops: BackendOp[], what: string): Promise<void> {
    try {
      await this.backend.commit(ops);
    } catch (err) {
      // A shared store refused it because another host filled the machine first: nothing was
      // written, and the launcher may place the VM elsewhere (details.lost_race).
      if ((err as { code?: unknown }).code === 'no_room') {
        throw new ApiError('unavailable', `the store could not ${what}: ${(err as Error).message}`, {
          lost_race: true,
        });
      }
      this.warn(`could not ${what}`, { reason: (err as Error).message });
      throw new ApiError('unavailable', `the store could not ${what}: ${(err as Error).message}`);
    }
  }

  private machineEvent(m: MachineRecord): StoreEvent {
    return {
      type: 'machine',
      seq: 0,
      at: m.updated_at,
      machine: machineView(m),
      region: this.table.regionOf(m).view(),
    };
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
