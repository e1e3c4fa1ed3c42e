// The store's model: regions, their machines in per-region indexes, and VMs. It knows nothing
// about threads: the worker hands it a backend and a publish callback, and the unit tests do
// the same. Every input is checked before anything changes, so a bad call gets an ApiError and
// the state stays as it was.

import { randomInt } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import { parseRegionStatus } from '../../shared/faults';
import { IsoClock } from '../../shared/iso-time';
import { TERMINAL_STATE, type Transition } from '../../shared/lifecycle';
import { mulberry32, type Rng } from '../../shared/random';
import type { ScenarioExport, ScenarioFiles, ScenarioImportReport, ScenarioSettings } from '../../shared/scenario';
import type { ActorRestart, Machine, MachineUpdate, Region, StoreEvent, Vm, VmState } from '../../shared/types';
import { checkIdempotencyKey } from '../../shared/validation';
import type { BackendOp, BackendSnapshot, StoreBackend, StoredFleet } from './backend';
import { type FleetData, isOperatorStatus, type OperatorStatus } from './fleet-data';
import { FleetReads } from './fleet-reads';
import { checkUpdateFits, type MachineRecord, machineView, storedState } from './machine-record';
import { MachineTable } from './machine-table';
import type { RegionIndex } from './region-index';
import type { RemoteTarget } from './remote';
import { allocateFromVms, type LoadReport, overlaySnapshot, type Warn, warnOverCapacity } from './restore';
import { exportScenario } from './scenario-export';
import { effectiveSettings, prepareImport } from './scenario-import';
import { parseScenario } from './scenario-parse';
import type { SharedOnly, StoreServiceImpl } from './service';
import { actorEvent, machineEvent, transitionEvents, unavailableUnless } from './store-events';
import { show } from './values';
import { VmLedger } from './vm-ledger';
import { checkVm } from './vm-record';
import { VmViews } from './vm-views';

export interface FleetOptions {
  backend: StoreBackend;
  /** Receives every change event (the worker broadcasts them). */
  publish?: (event: StoreEvent) => void;
  /** Pins the candidate shuffle (`--seed`); undefined seeds from the OS. */
  seed?: number;
  /** Clock, for tests. */
  now?: () => Date;
  warn?: Warn;
  /** The host's settings (`serve --strategy/--timing/--seed`), exported with the fleet. */
  settings?: ScenarioSettings;
}

const DEFAULT_SETTINGS: ScenarioSettings = { strategy: 'random', timing: 'realistic', seed: null };

export class Fleet extends FleetReads implements Omit<StoreServiceImpl, keyof SharedOnly> {
  private readonly backend: StoreBackend;
  private readonly publishFn: (event: StoreEvent) => void;
  private readonly now: () => Date;
  private readonly warn: Warn;
  protected override rng: Rng;
  private readonly hostSettings: ScenarioSettings;
  /** An imported scenario's fleet, standing in for the bootstrap data until a reset. */
  private imported: StoredFleet | null;
  protected override table: MachineTable;
  protected override readonly ledger: VmLedger;
  protected override readonly views: VmViews;
  private seq = 0;

  private constructor(
    private readonly data: FleetData,
    options: FleetOptions,
    imported: StoredFleet | null = null,
  ) {
    super();
    this.imported = imported;
    this.hostSettings = options.settings ?? DEFAULT_SETTINGS;
    this.backend = options.backend;
    this.publishFn = options.publish ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.warn = options.warn ?? (() => {});
    this.rng = mulberry32(options.seed ?? randomInt(0, 2 ** 32 - 1));
    this.ledger = new VmLedger((ops, what) => this.commitOrUnavailable(ops, what));
    this.views = new VmViews(
      () => this.ledger.all(),
      (id) => this.ledger.get(id),
    );
    this.table = this.build();
  }

  /**
   * The bootstrap data with the backend's state laid over it: stored machine states, then
   * stored VMs (dropping those whose machine is gone), then allocations := sum of VMs, because
   * a kill -9 may have lost FlyD updates but never an acknowledged VM.
   */
  static async open(data: FleetData, options: FleetOptions): Promise<{ fleet: Fleet; report: LoadReport }> {
    const snapshot = await options.backend.load();
    const fleet = new Fleet(data, options, snapshot.fleet ?? null);
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
      m.version = update.version; // a shared store keeps allocations with the VMs: FlyD's report is not news
      return { applied: true, machine: machineView(m) };
    }
    checkUpdateFits(update, m);
    m.version = update.version;
    this.table.setAllocation(m, update.cores_allocated, update.memory_allocated_gb, update.vm_count, this.stamp());
    const event = machineEvent(m, this.table.regionOf(m));
    await this.persistMachines([m]);
    this.emit(event);
    return { applied: true, machine: machineView(m) };
  }

  async putVm(vm: Vm, idempotencyKey?: string, transitions?: Transition[]): Promise<void> {
    const rec = checkVm(vm, (id) => this.table.get(id));
    const key = checkIdempotencyKey(idempotencyKey ?? undefined);
    const known = this.ledger.get(rec.id) !== undefined;
    await this.ledger.put(rec, key, this.table.get(rec.machine_id) as MachineRecord);
    // A retried put of a record already here changed nothing, so it tells no one anything.
    if (!known)
      this.emitTransitions(
        rec,
        transitions ?? [{ vm_id: rec.id, from: null, to: rec.state, at: rec.created_at, operation: 'create' }],
      );
  }

  /**
   * A launch's one call under its Idempotency-Key: the live VM the key already names (nothing
   * recorded: a replay), else null once `vm` is recorded under the key, as putVm records it.
   */
  async putVmUnderKey(vm: Vm, key: string, transitions?: Transition[]): Promise<Vm | null> {
    const prior = this.vmByIdempotencyKey(key);
    if (prior) return prior;
    await this.putVm(vm, key, transitions);
    return null;
  }

  async updateVm(vm: Vm, transitions: Transition[]): Promise<Vm> {
    if (vm?.state === TERMINAL_STATE) {
      const gone = await this.ledger.delete(vm?.id);
      const out: Vm = { ...gone, state: TERMINAL_STATE, updated_at: vm.updated_at ?? this.stamp() };
      if (vm.reason) out.reason = vm.reason;
      this.emitTransitions(out, transitions);
      return out;
    }
    const rec = checkVm(vm, (id) => this.table.get(id));
    await this.ledger.update(rec, this.table.get(rec.machine_id) as MachineRecord);
    this.emitTransitions(rec, transitions);
    return { ...rec };
  }

  async deleteVm(id: string): Promise<Vm> {
    // Shared: a write of unknown outcome may still land in the store; delete it there too.
    const unknown = this.backend.shared && typeof id === 'string' && !this.ledger.get(id) && !this.ledger.inFlight(id);
    if (unknown) await this.commitOrUnavailable([{ t: 'vm-delete', id }], `delete VM ${id}`);
    const vm = await this.ledger.delete(id);
    const out: Vm = { ...vm, state: TERMINAL_STATE, updated_at: this.stamp() };
    this.emitTransitions(out, [
      { vm_id: id, from: vm.state, to: TERMINAL_STATE, at: out.updated_at as string, operation: 'destroy' },
    ]);
    return out;
  }

  async reconcile(): Promise<{ changed: number }> {
    // A VM write from an orchestrator that just died may still be committing: count it in (or
    // out) before summing, or the new orchestrator's MachineDs would start one VM short.
    await this.ledger.settled();
    if (this.backend.shared) return { changed: 0 }; // each VM write moved its machine's row with it
    const changed = allocateFromVms(this.table, this.ledger, () => this.stamp());
    const events = changed.map((m) => machineEvent(m, this.table.regionOf(m)));
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
    this.imported = null;
    this.table = this.build();
    for (const m of this.table.machines) m.version = versions.get(m.id) ?? 0;
    this.views.clear();
    try {
      await this.backend.clear();
    } catch (err) {
      throw new ApiError('unavailable', `the store could not clear its data: ${(err as Error).message}`);
    }
    this.emit({ type: 'reset', seq: 0, at: this.stamp() });
  }

  /**
   * An operator's status for one machine (`flylight machine drain|offline|online`): durable,
   * published as a machine event. `available` puts it back in service whatever the CSV said.
   */
  async setMachineStatus(id: string, status: string): Promise<Machine> {
    if (status !== 'available' && status !== 'draining' && status !== 'offline') {
      throw new ApiError('bad_request', `machine status ${show(status)} is not valid (available, draining or offline)`);
    }
    return this.setOperatorStatus(id, status);
  }

  /** An operator's status for one machine, or null to return to the CSV's. */
  async setOperatorStatus(id: string, status: OperatorStatus | null): Promise<Machine> {
    const m = this.table.recordOrThrow(id);
    if (status !== null && !isOperatorStatus(status)) {
      throw new ApiError(
        'bad_request',
        `machine status ${show(status)} is not valid (available, maintenance, draining, offline or null)`,
      );
    }
    m.operator_status = status;
    this.table.restatus(m, this.stamp());
    const event = machineEvent(m, this.table.regionOf(m));
    await this.persistMachines([m]);
    this.emit(event);
    return machineView(m);
  }

  /** The model as ./remote changes it for a shared store (another host's changes); not in StoreService. */
  remote(): RemoteTarget {
    const reset = () => {
      const versions = new Map(this.table.machines.map((m) => [m.id, m.version]));
      this.table = this.build();
      for (const m of this.table.machines) m.version = versions.get(m.id) ?? 0;
      this.emit({ type: 'reset', seq: 0, at: this.stamp() });
    };
    const changed = (m: MachineRecord) => this.emit(machineEvent(m, this.table.regionOf(m)));
    const regionChanged = (r: RegionIndex) => this.emit({ type: 'region', seq: 0, at: this.stamp(), region: r.view() });
    const vmChanged = (vm: Vm, from: VmState | null) => {
      const at = vm.state === TERMINAL_STATE ? this.stamp() : (vm.updated_at ?? this.stamp());
      const event: StoreEvent = { type: 'vm', seq: 0, at, vm, from, to: vm.state };
      if (vm.reason) event.reason = vm.reason;
      this.emit(event);
    };
    return { table: () => this.table, ledger: this.ledger, changed, regionChanged, vmChanged, warn: this.warn, reset };
  }

  /**
   * A shared fleet switched to another generation through another host (an import, or a reset
   * after one): the model rebuilt on `imported` (null: the bootstrap fleet) with the new
   * generation's rows laid over it, then `reset` published, as after an import here.
   */
  switchShared(imported: StoredFleet | null, snapshot: BackendSnapshot): void {
    const versions = new Map(this.table.machines.map((m) => [m.id, m.version]));
    this.imported = imported;
    this.table = this.build();
    for (const m of this.table.machines) m.version = Math.max(m.version, versions.get(m.id) ?? 0);
    this.views.clear();
    overlaySnapshot(snapshot, this.table, this.ledger, this.warn);
    const { seed } = this.settings();
    if (seed !== null) this.rng = mulberry32(seed);
    this.emit({ type: 'reset', seq: 0, at: this.stamp() });
  }

  /**
   * A region's status (`flylight region status`): durable before the `region` event is
   * published, so a launch refused by a Down region is never followed by a restart that forgets it.
   */
  async setRegionStatus(code: string, status: string): Promise<Region> {
    const index = this.table.indexOrThrow(code);
    const known = parseRegionStatus(status);
    await this.commitOrUnavailable([{ t: 'region', code: index.spec.code, status: known }], 'record the region status');
    index.status = known;
    const region = index.view();
    this.emit({ type: 'region', seq: 0, at: this.stamp(), region });
    return region;
  }

  // ---- scenarios -------------------------------------------------------------------------

  /** The settings in force: an imported scenario's where it names them, else the host's. */
  settings(): ScenarioSettings {
    return effectiveSettings(this.hostSettings, this.imported);
  }

  exportScenario(): ScenarioExport {
    return exportScenario(this.table, this.ledger, this.settings(), this.stamp(), this.imported?.description);
  }

  /**
   * Replaces the fleet with a scenario's: every file checked first (nothing changed on a problem),
   * one backend transaction, the swap, a `reset` event; the orchestrator then rebuilds, as after a reset.
   */
  async importScenario(files: ScenarioFiles): Promise<ScenarioImportReport> {
    const data = parseScenario(files, this.stamp());
    const versions = new Map(this.table.machines.map((m) => [m.id, m.version]));
    const prepared = prepareImport(data, versions, this.stamp());
    await unavailableUnless(
      'write the imported fleet, so nothing was changed',
      () => this.backend.replace(prepared.contents),
      this.warn,
    );
    this.imported = prepared.fleet;
    this.table = prepared.table;
    this.ledger.forget();
    for (const vm of data.vms) this.ledger.add(vm);
    const settings = this.settings();
    if (settings.seed !== null) this.rng = mulberry32(settings.seed);
    this.emit({ type: 'reset', seq: 0, at: this.stamp() });
    const { regions, machines, vms } = this.totals();
    return { imported: true, regions, machines, vms, recovered: prepared.transient, settings };
  }

  /** Publishes a supervision event from the orchestrator (not stored: it is news, not state). */
  announce = (restart: ActorRestart): void => this.emit(actorEvent(restart, this.stamp()));

  /** The bootstrap data's machines, a ledger with no VMs. */
  private build(): MachineTable {
    const table = new MachineTable(this.imported?.data ?? this.data, this.stamp());
    this.ledger.forget();
    return table;
  }

  private readonly clock = new IsoClock();
  private readonly stamp = (): string => this.clock.text(this.now().getTime());

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

  private commitOrUnavailable(ops: BackendOp[], what: string): Promise<void> {
    return unavailableUnless(what, () => this.backend.commit(ops), this.warn);
  }

  private emitTransitions(vm: Vm, transitions: readonly Transition[] | undefined): void {
    if (!Array.isArray(transitions)) return;
    this.views.changed();
    this.views.recordAll(transitions);
    for (const event of transitionEvents(vm, transitions, this.stamp())) this.emit(event);
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
