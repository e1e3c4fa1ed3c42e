// The read side of the store's model: regions, machines, VMs and their views, each a copy or a
// view, so no caller can change the model by what it was handed. Fleet (./fleet) holds the
// state and every change to it.

import { ApiError } from '../../shared/errors';
import { type MachineColumns, toColumns } from '../../shared/machine-columns';
import { encodeMachineColumns } from '../../shared/machine-wire';
import type { Rng } from '../../shared/random';
import type { FleetTotals, Machine, Region, Vm } from '../../shared/types';
import type { VmHistory } from '../../shared/vm-history';
import { pageOf, selectVms, type VmPage, type VmQuery } from '../../shared/vm-query';
import { machineView } from './machine-record';
import type { MachineTable } from './machine-table';
import type { RegionIndex } from './region-index';
import { requireWhole, show } from './values';
import type { VmLedger } from './vm-ledger';
import { byCreated } from './vm-record';
import type { VmViews } from './vm-views';

export abstract class FleetReads {
  protected abstract table: MachineTable;
  protected abstract readonly ledger: VmLedger;
  protected abstract readonly views: VmViews;
  /** The candidate shuffle's randomness. */
  protected abstract rng: Rng;

  regions(): Region[] {
    return this.table.regions.map((r) => r.view());
  }

  region(code: string): Region {
    return this.table.indexOrThrow(code).view();
  }

  machines(region: string): Machine[] {
    return this.table.indexOrThrow(region).machines.map(machineView);
  }

  /** With `limit`, the first `limit` machines only (they are in id order). */
  machineColumnsJson(region: string, limit?: number): string {
    const all = this.table.indexOrThrow(region).machines;
    return encodeMachineColumns(limit === undefined ? all : all.slice(0, limit));
  }

  allMachines(): Machine[] {
    return this.table.machines.map(machineView);
  }

  /** Every machine and its FlyD version as columns: the orchestrator's start-up read. */
  machineColumns(): MachineColumns {
    return toColumns(this.table.machines);
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

  /** One page of the VMs that match the query, sorted (GET /v1/vms?limit=…). */
  vmPage(q: VmQuery): VmPage {
    if (q.region !== undefined) this.table.indexOrThrow(q.region);
    // One machine's VMs (a dashboard card's chips, a machine drawer): from the ledger's index by
    // machine, without a scan of every VM or evicting the VM list's cached selection.
    if (q.machine !== undefined) return pageOf(selectVms(this.ledger.onMachines([{ id: q.machine }]), q), q);
    return this.views.page(q);
  }

  vmHistory(id: string): VmHistory {
    return this.views.of(id);
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

  vmStates(): Record<string, number> {
    return this.ledger.byState();
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
}
