// The durable backend: one LMDB environment with a database per record kind. lmdb-js batches
// the writes of one event turn into one transaction. With overlappingSync (its default on
// Linux and macOS) the transaction's promise resolves once the commit is visible, and the fsync
// of that batch follows; `commit` also awaits `flushed`, so a launch is acknowledged only once
// it is on disk. Every launch committed in one batch shares that batch's one fsync (a group
// commit), so the cost is latency, not one fsync per launch: see bench/durability.js.
//   kill -9 / crash of the process: everything acknowledged survives (it was on disk).
//   power loss / kernel crash: everything acknowledged survives too; a write not yet
//   acknowledged may be lost, never half-applied (LMDB's meta pages switch atomically).

import { chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Database, open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { ensurePrivateDir } from '../common/paths';
import type { BackendOp, BackendSnapshot, MachineState, StoreBackend, StoredVm } from './backend';

/** Bumped when the stored record shapes change incompatibly. */
const SCHEMA = 1;

/**
 * How the environment is opened. Spelled out rather than left to lmdb-js's platform defaults:
 * overlappingSync keeps the fsync out of the write lock (batches keep flowing while one is
 * flushed), and no noSync/noMetaSync, so `flushed` means "on disk".
 */
export const LMDB_OPTIONS = { maxDbs: 8, overlappingSync: true, noSync: false, noMetaSync: false } as const;

/** The data files: the environment and its lock file, private to the user. */
function tighten(path: string): void {
  for (const file of [path, `${path}-lock`]) if (existsSync(file)) chmodSync(file, 0o600);
}
export class LmdbBackend implements StoreBackend {
  readonly kind = 'lmdb';

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly machines: Database<MachineState, string>,
    private readonly vms: Database<StoredVm, string>,
    private readonly regions: Database<string, string>,
  ) {}

  static async open(path: string): Promise<LmdbBackend> {
    // The directory first: while it is 0700 nobody else can open the files being created in it.
    ensurePrivateDir(dirname(path));
    const options: RootDatabaseOptionsWithPath = { path, ...LMDB_OPTIONS };
    const root = open(options);
    tighten(path);
    const meta = root.openDB<number, string>({ name: 'meta' });
    const schema = meta.get('schema');
    if (schema !== undefined && schema !== SCHEMA) {
      await root.close();
      throw new Error(
        `${path}: stored data has schema ${schema}, this version reads ${SCHEMA} (move the data directory away or use --ephemeral)`,
      );
    }
    if (schema === undefined) await meta.put('schema', SCHEMA);
    return new LmdbBackend(
      path,
      root,
      root.openDB({ name: 'machines' }),
      root.openDB({ name: 'vms' }),
      root.openDB({ name: 'regions' }),
    );
  }

  async load(): Promise<BackendSnapshot> {
    const machines = new Map<string, MachineState>();
    for (const { key, value } of this.machines.getRange()) machines.set(key, value);
    const vms: StoredVm[] = [];
    for (const { value } of this.vms.getRange()) vms.push(value);
    const regions = new Map<string, string>();
    for (const { key, value } of this.regions.getRange()) regions.set(key, value);
    return { machines, vms, regions };
  }

  async commit(ops: BackendOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.root.transaction(() => {
      for (const op of ops) {
        if (op.t === 'machine') void this.machines.put(op.id, op.state);
        else if (op.t === 'vm') void this.vms.put(op.vm.id, op.vm);
        else if (op.t === 'region') void this.regions.put(op.code, op.status);
        else void this.vms.remove(op.id);
      }
    });
    // The batch is committed and visible; the acknowledgement waits for it to reach the disk.
    await this.root.flushed;
  }

  async clear(): Promise<void> {
    // Queued in this order with the other writes. Should the process die between the two,
    // the next start reconciles the machines from the (empty) VM set: the same end state.
    await Promise.all([this.vms.clearAsync(), this.machines.clearAsync(), this.regions.clearAsync()]);
    await this.root.flushed;
  }

  async close(): Promise<void> {
    await this.root.flushed;
    await this.root.close();
  }
}
