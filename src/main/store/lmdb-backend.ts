// The durable backend: one LMDB environment with a database per record kind. Each commit is a
// synchronous LMDB transaction on the store thread, and a launch is acknowledged only once it is
// on disk. Every launch committed in one batch (group-commit.ts gathers a turn's writes) shares
// that batch's syncs (a group commit), so the cost is latency, not syncs per launch: see
// bench/durability.js.
//   kill -9 / crash of the process: everything acknowledged survives (it was on disk).
//   power loss / kernel crash: everything acknowledged survives too; a write not yet
//   acknowledged may be lost, never half-applied (LMDB's meta pages switch atomically).
//
// Two syncs make a commit durable: LMDB's of the data pages, inside the transaction, before it
// writes the meta page that points at them (what keeps a power loss from half-applying it), and
// one of the meta page. LMDB would do the second inside the transaction too (an O_DSYNC write),
// blocking the store thread for both: measured, a commit held it ~2 ms, and every request that
// arrived meanwhile waited. With noMetaSync the transaction returns once the data is synced and
// the meta page written; the meta page's sync is an fdatasync on libuv's pool (./file-sync),
// shared by the batches committed while one runs, and a batch is answered only after it. The
// store thread handles the next requests meanwhile, and the next batch's data sync overlaps it.
//
// Why synchronous transactions: lmdb-js's asynchronous ones hand each commit to a write thread
// on libuv's pool and resolve it back through an event-turn machinery; measured on two cores that
// cost ~430–600 µs of the process's CPU per commit against ~190–300 µs for the same commit done
// in place (fsync included), and the hop added latency to every launch. The whole-database
// operations (clear, replace) stay asynchronous; a commit waits for them first, so a synchronous
// transaction never nests in an asynchronous one (it would then be committed only with it).

import { chmodSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Database, open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { ensurePrivateDir } from '../common/paths';
import type {
  BackendContents,
  BackendOp,
  BackendSnapshot,
  MachineState,
  StoreBackend,
  StoredFleet,
  StoredVm,
} from './backend';
import { FileSync } from './file-sync';

const FLEET_KEY = 'current';

/** Bumped when the stored record shapes change incompatibly. */
const SCHEMA = 1;

/**
 * How the environment is opened. Spelled out rather than left to lmdb-js's platform defaults:
 * no noSync, so LMDB syncs a transaction's data before writing the meta page that points at it;
 * noMetaSync, so the meta page's sync is ours, off the store thread (see above); overlappingSync
 * keeps the fsync of the asynchronous operations (clear, replace) out of the write lock.
 *
 * mapSize: lmdb-js starts the map at 128 KB and doubles it as the file grows, mapping the file
 * again each time and leaving the old mappings in place (for readers still on them) until the
 * environment closes; each old one's pages stay resident. After ~36,000 launches on a 100k fleet
 * the process held 40 MB of mappings of an 18.5 MB file. A map of 1 GB from the start is mapped
 * once: address space only (without a write map the file grows as pages are written, not to the
 * map's size), and past it lmdb-js still grows the map as before.
 */
export const LMDB_OPTIONS = {
  maxDbs: 8,
  overlappingSync: true,
  noSync: false,
  noMetaSync: true,
  mapSize: 2 ** 30,
} as const;

/** The data files: the environment and its lock file, private to the user. */
function tighten(path: string): void {
  for (const file of [path, `${path}-lock`]) if (existsSync(file)) chmodSync(file, 0o600);
}
export class LmdbBackend implements StoreBackend {
  readonly kind = 'lmdb';
  /** The clear or import under way (asynchronous), which commits wait for. */
  private whole: Promise<void> | null = null;

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly machines: Database<MachineState, string>,
    private readonly vms: Database<StoredVm, string>,
    private readonly regions: Database<string, string>,
    /** The imported fleet under FLEET_KEY, when there is one. */
    private readonly fleet: Database<StoredFleet, string>,
    /** The data file's syncs that make a commit's meta page durable. */
    readonly file: FileSync,
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
      root.openDB({ name: 'fleet' }),
      // The data file: `path` itself, or data.mdb in it when lmdb-js made a directory (no extension).
      new FileSync(statSync(path).isDirectory() ? join(path, 'data.mdb') : path),
    );
  }

  async load(): Promise<BackendSnapshot> {
    const machines = new Map<string, MachineState>();
    for (const { key, value } of this.machines.getRange()) machines.set(key, value);
    const vms: StoredVm[] = [];
    for (const { value } of this.vms.getRange()) vms.push(value);
    const regions = new Map<string, string>();
    for (const { key, value } of this.regions.getRange()) regions.set(key, value);
    return { machines, vms, regions, fleet: this.fleet.get(FLEET_KEY) ?? null };
  }

  async commit(ops: BackendOp[]): Promise<void> {
    if (ops.length === 0) return;
    // After a clear or an import asked for earlier, in order, and never inside it (see above).
    if (this.whole) await this.whole;
    // The data synced and the meta page written when transactionSync returns (noMetaSync).
    this.root.transactionSync(() => {
      for (const op of ops) {
        if (op.t === 'machine') void this.machines.put(op.id, op.state);
        else if (op.t === 'vm') void this.vms.put(op.vm.id, op.vm);
        else if (op.t === 'region') void this.regions.put(op.code, op.status);
        else void this.vms.remove(op.id);
      }
    });
    // On disk, meta page and all, before the caller hears it is.
    await this.file.sync();
  }

  clear(): Promise<void> {
    // Queued in this order. Should the process die between the two, the next start reconciles
    // the machines from the (empty) VM set: the same end state.
    return this.wholeDatabase(async () => {
      await Promise.all([
        this.vms.clearAsync(),
        this.machines.clearAsync(),
        this.regions.clearAsync(),
        this.fleet.clearAsync(),
      ]);
      await this.root.flushed;
      await this.file.sync();
    });
  }

  replace(contents: BackendContents): Promise<void> {
    // One write transaction: LMDB commits all of it or none (a throw inside aborts it), so an
    // import that fails half-way — or a kill -9 during it — leaves the fleet as it was.
    return this.wholeDatabase(async () => {
      await this.root.transaction(() => {
        for (const db of [this.vms, this.machines, this.regions, this.fleet] as Database[]) db.clearSync();
        void this.fleet.put(FLEET_KEY, contents.fleet);
        for (const [id, state] of contents.machines) void this.machines.put(id, state);
        for (const vm of contents.vms) void this.vms.put(vm.id, vm);
        for (const [code, status] of contents.regions) void this.regions.put(code, status);
      });
      await this.root.flushed;
      await this.file.sync();
    });
  }

  /** A clear or an import: asynchronous, after the one before it; commits wait for it. */
  private wholeDatabase(run: () => Promise<void>): Promise<void> {
    const prior = this.whole ?? Promise.resolve();
    const done = prior.then(run, run);
    const settled = done.then(
      () => {},
      () => {},
    );
    this.whole = settled;
    void settled.then(() => {
      if (this.whole === settled) this.whole = null;
    });
    return done;
  }

  async close(): Promise<void> {
    if (this.whole) await this.whole;
    await this.root.flushed;
    await this.file.close();
    await this.root.close();
  }
}
