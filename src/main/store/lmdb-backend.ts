// The durable backend: one LMDB environment with a database per record kind. lmdb-js batches
// the writes of one event turn into one transaction and resolves their promise once that
// transaction is committed and flushed, which is the moment a launch may be acknowledged.

import { type Database, open, type RootDatabase } from 'lmdb';
import type { BackendOp, BackendSnapshot, MachineState, StoreBackend, StoredVm } from './backend';

/** Bumped when the stored record shapes change incompatibly. */
const SCHEMA = 1;

export class LmdbBackend implements StoreBackend {
  readonly kind = 'lmdb';

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly machines: Database<MachineState, string>,
    private readonly vms: Database<StoredVm, string>,
  ) {}

  static async open(path: string): Promise<LmdbBackend> {
    const root = open({ path, maxDbs: 8 });
    const meta = root.openDB<number, string>({ name: 'meta' });
    const schema = meta.get('schema');
    if (schema !== undefined && schema !== SCHEMA) {
      await root.close();
      throw new Error(
        `${path}: stored data has schema ${schema}, this version reads ${SCHEMA} (move the data directory away or use --ephemeral)`,
      );
    }
    if (schema === undefined) await meta.put('schema', SCHEMA);
    return new LmdbBackend(path, root, root.openDB({ name: 'machines' }), root.openDB({ name: 'vms' }));
  }

  async load(): Promise<BackendSnapshot> {
    const machines = new Map<string, MachineState>();
    for (const { key, value } of this.machines.getRange()) machines.set(key, value);
    const vms: StoredVm[] = [];
    for (const { value } of this.vms.getRange()) vms.push(value);
    return { machines, vms };
  }

  async commit(ops: BackendOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.root.transaction(() => {
      for (const op of ops) {
        if (op.t === 'machine') void this.machines.put(op.id, op.state);
        else if (op.t === 'vm') void this.vms.put(op.vm.id, op.vm);
        else void this.vms.remove(op.id);
      }
    });
  }

  async clear(): Promise<void> {
    // Queued in this order with the other writes. Should the process die between the two,
    // the next start reconciles the machines from the (empty) VM set: the same end state.
    await Promise.all([this.vms.clearAsync(), this.machines.clearAsync()]);
  }

  async close(): Promise<void> {
    await this.root.flushed;
    await this.root.close();
  }
}
