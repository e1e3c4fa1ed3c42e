// Where the store keeps what must outlive the process: VM records and each machine's
// allocation state. The bootstrap CSV is not stored: it is read at every start and the
// backend's contents are laid over it. The interface is small (load, commit a batch, clear,
// close) so a shared backend (etcd) can fill it later without the model changing.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioSettings } from '../../shared/scenario';
import type { Vm } from '../../shared/types';
import type { FleetData, OperatorStatus } from './fleet-data';

/** A machine's state beyond its bootstrap row. */
export interface MachineState {
  /** Last applied FlyD update version. */
  version: number;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  updated_at: string;
  /** Set at runtime (fault simulation); null = whatever the CSV says. */
  operator_status: OperatorStatus | null;
}

/** A VM as stored: the record plus the Idempotency-Key that launched it, if one was sent. */
/**
 * A VM as a backend keeps it. `driver`: on a shared store, the host whose lifecycle engine wrote
 * it last, and so runs its stage if it is mid-transition (see etcd/orphans).
 */
export type StoredVm = Vm & { idempotency_key?: string; driver?: string };

export type BackendOp =
  | { t: 'machine'; id: string; state: MachineState }
  | { t: 'vm'; vm: StoredVm }
  | { t: 'vm-delete'; id: string }
  /** A region status an operator set; the CSV's status when none is stored. */
  | { t: 'region'; code: string; status: string };

export interface BackendSnapshot {
  machines: Map<string, MachineState>;
  vms: StoredVm[];
  /** Region code → status set at runtime (absent from backends written before faults). */
  regions?: Map<string, string>;
  /** An imported scenario's fleet, which stands in for the bootstrap file until a reset. */
  fleet?: StoredFleet | null;
}

/** The shape and settings of an imported fleet (its VMs and states are stored as usual). */
export interface StoredFleet {
  data: FleetData;
  settings: Partial<ScenarioSettings>;
  description?: string;
}

/** Everything a backend holds, written at once by an import. */
export interface BackendContents {
  fleet: StoredFleet;
  machines: [string, MachineState][];
  vms: StoredVm[];
  regions: [string, string][];
}

export interface StoreBackend {
  /** 'memory' (ephemeral), 'lmdb' (durable) or 'etcd' (shared), for logs and status. */
  readonly kind: string;
  /**
   * True when other hosts write the same fleet (etcd): each machine's allocation is then kept
   * by the backend with its VMs, and other hosts' changes reach the Fleet through applyRemote.
   */
  readonly shared?: boolean;
  /** Everything stored, read once at start. */
  load(): Promise<BackendSnapshot>;
  /** Applies the ops atomically, in order; resolves when they are durable. */
  commit(ops: BackendOp[]): Promise<void>;
  /** Removes everything (reset). */
  clear(): Promise<void>;
  /**
   * Replaces everything with `contents` in one transaction (an import): on failure the backend
   * holds what it held before, never a mix.
   */
  replace(contents: BackendContents): Promise<void>;
  close(): Promise<void>;
}

/** `--ephemeral`: kept in memory only, so nothing survives the process. */
export class MemoryBackend implements StoreBackend {
  readonly kind = 'memory';
  private readonly machines = new Map<string, MachineState>();
  private readonly vms = new Map<string, StoredVm>();
  private readonly regions = new Map<string, string>();
  private fleet: StoredFleet | null = null;
  private closed = false;

  async load(): Promise<BackendSnapshot> {
    this.assertOpen();
    return {
      machines: new Map([...this.machines].map(([id, s]) => [id, { ...s }])),
      vms: [...this.vms.values()].map((v) => ({ ...v })),
      regions: new Map(this.regions),
      fleet: this.fleet && structuredClone(this.fleet),
    };
  }

  async commit(ops: BackendOp[]): Promise<void> {
    this.assertOpen();
    for (const op of ops) {
      if (op.t === 'machine') this.machines.set(op.id, { ...op.state });
      else if (op.t === 'vm') this.vms.set(op.vm.id, { ...op.vm });
      else if (op.t === 'region') this.regions.set(op.code, op.status);
      else this.vms.delete(op.id);
    }
  }

  async clear(): Promise<void> {
    this.assertOpen();
    this.machines.clear();
    this.vms.clear();
    this.regions.clear();
    this.fleet = null;
  }

  async replace(contents: BackendContents): Promise<void> {
    this.assertOpen();
    await this.clear();
    this.fleet = structuredClone(contents.fleet);
    for (const [id, state] of contents.machines) this.machines.set(id, { ...state });
    for (const vm of contents.vms) this.vms.set(vm.id, { ...vm });
    for (const [code, status] of contents.regions) this.regions.set(code, status);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store backend is closed');
  }
}

/** The backend for a data directory: LMDB at DIR/store.lmdb, or memory when dir is null. */
export async function openBackend(dataDir: string | null): Promise<StoreBackend> {
  if (dataDir === null) return new MemoryBackend();
  await mkdir(dataDir, { recursive: true });
  // Loaded on demand so that `--ephemeral` never needs the native module.
  const { LmdbBackend } = await import('./lmdb-backend');
  const { GroupCommit } = await import('./group-commit');
  return new GroupCommit(await LmdbBackend.open(join(dataDir, 'store.lmdb')));
}
