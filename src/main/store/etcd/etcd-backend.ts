// The shared backend: the fleet in etcd, so several hosts run one platform. Durability is
// etcd's (a write is acknowledged once a majority of members has it in its log, fsynced);
// allocation is conditional on the machine's row (see ./allocations); every host follows the
// others through one watch from the revision of its snapshot (see ./follow).

import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { EtcdStoreConfig } from '../../../shared/store-spec';
import type {
  BackendContents,
  BackendOp,
  BackendSnapshot,
  MachineState,
  StoreBackend,
  StoredFleet,
  StoredVm,
} from '../backend';
import type { FleetData } from '../fleet-data';
import { Allocations, type Capacity, InFlightError, KeyTakenError, NoRoomError } from './allocations';
import { connectEtcd, diagnose } from './connect';
import { FleetReplacedError, isBootstrap, type NextFleet, nextDataPrefix, switchGeneration } from './generation';
import { EtcdKeys, parseValue } from './keys';
import { readPrefix } from './pages';
import { joinOrSeed, type Ready, SEED_WAIT_MS, type SeedOutcome } from './seed';
import type { Guard } from './txn-batch';

/**
 * One store operation's time in etcd, retries included: under the worker RPC deadline (5 s) with
 * room for the diagnosis, so a launch hears "etcd has lost quorum", not "the store timed out".
 */
const OPERATION_DEADLINE_MS = 2500;
/** Reading the whole fleet (start, resync) may take longer on a large one. */
const LOAD_DEADLINE_MS = 30_000;
/** Rows per read while loading: machine rows are ~150 bytes, VMs ~600 (a page stays near 1 MB). */
const MACHINES_PAGE = 5000;
const VMS_PAGE = 1500;

/** What a failed etcd call becomes: the diagnosis, with the code the gate answers 503 for. */
export class EtcdUnavailableError extends Error {
  readonly code = 'unavailable';
}

export class EtcdBackend implements StoreBackend {
  readonly kind = 'etcd';
  readonly shared = true;
  readonly keys: EtcdKeys;
  readonly allocations: Allocations;
  /** The revision load() read at; the watch starts after it. */
  revision = '0';
  /** Resets this host wrote, so its own watch does not apply them twice. */
  readonly ownResets = new Set<string>();
  /** One-endpoint clients, for asking each member alone (diagnosis, the member table). */
  readonly probes = new Map<string, Etcd3>();
  private capacities = new Map<string, Capacity>();
  private closed = false;
  /** The host a VM on this machine names as driver: its owner (membership sets this). */
  driverOf: (machineId: string) => string = () => this.hostId;
  /** fleet/ready as this host follows it, and its mod revision: the generation every write is meant for. */
  ready: Ready = { seed_id: '', chunks: 0, regions: 0, machines: 0, by: '', at: '' };
  readyMod = '0';
  /** The bootstrap fleet (what a reset returns to), and the imported one in force, if any. */
  bootstrap: FleetData = { regions: [], machines: [] };
  imported: StoredFleet | null = null;
  /** A switch this host is making (to the generation under `data`): its own watch waits for it. */
  switching: { data: string; done: Promise<void> } | null = null;
  /** Told the machines of the fleet this host switched to itself (an import or reset through it). */
  switched?: (machines: string[]) => void;
  /** For fleet/ready's `by`. */
  private label = '';

  private constructor(
    readonly client: Etcd3,
    readonly store: EtcdStoreConfig,
    /** This host's id in the fleet: every VM it writes names it as the VM's driver. */
    readonly hostId: string,
    /** Calls sent to etcd by `client` (counted by its per-member policy). */
    readonly calls: { round_trips: number } = { round_trips: 0 },
  ) {
    this.keys = new EtcdKeys(store.prefix);
    this.allocations = new Allocations(client, this.keys, (id) => this.capacities.get(id));
  }

  /** Connects and joins the fleet in etcd, seeding it from `csv` if etcd has none yet. */
  static async open(
    store: EtcdStoreConfig,
    csv: FleetData,
    hostLabel: string,
    hostId: string,
  ): Promise<{ backend: EtcdBackend; seed: SeedOutcome }> {
    const calls = { round_trips: 0 };
    const backend = new EtcdBackend(connectEtcd(store, undefined, calls), store, hostId, calls);
    try {
      const seed = await backend.guard(
        'join the fleet in etcd',
        () => joinOrSeed(backend.client, backend.keys, csv, hostLabel),
        SEED_WAIT_MS + 5000,
      );
      backend.label = hostLabel;
      backend.bootstrap = seed.data;
      backend.adopt(seed.ready, seed.readyMod, seed.imported);
      return { backend, seed };
    } catch (err) {
      await backend.close();
      throw err;
    }
  }

  /** Follows the generation `ready` names from now on: its rows, its machines' capacities. */
  adopt(ready: Ready, mod: string, imported: StoredFleet | null): void {
    this.ready = ready;
    this.readyMod = mod;
    this.imported = imported;
    this.keys.followData(ready.data ?? '');
    // The specs themselves (the Fleet keeps them): no second object per machine of a big fleet.
    this.capacities = new Map((imported?.data ?? this.bootstrap).machines.map((m) => [m.id, m]));
  }

  /** True when `ready` names the generation this host follows. */
  isCurrent(ready: Ready): boolean {
    return (ready.data ?? '') === this.keys.dataPrefix;
  }

  /**
   * The fleet's rows at one revision (`at`, or the current one), of the generation in force or
   * of the one `keys` read (a switch reads the next generation before it swaps to it).
   */
  async load(options: { at?: string; keys?: EtcdKeys } = {}): Promise<BackendSnapshot> {
    const keys = options.keys ?? this.keys;
    return this.guard(
      'read the fleet from etcd',
      async () => {
        // Three prefixes at one revision, in pages: a consistent snapshot of any size, and
        // the revision the watch picks up after.
        const out: BackendSnapshot = { machines: new Map(), vms: [], regions: new Map(), fleet: this.imported };
        this.allocations.forget();
        const kv = this.client.kv;
        const rev = await readPrefix(
          kv,
          keys.machines,
          (row, at) => {
            const id = row.key.toString().slice(keys.machines.length);
            const state = parseValue<MachineState>(row.value);
            if (state) out.machines.set(id, state);
            this.allocations.observeMachine(id, state, row.mod_revision, at);
          },
          { limit: MACHINES_PAGE, ...(options.at === undefined ? {} : { revision: options.at }) },
        );
        await readPrefix(
          kv,
          keys.vms,
          (row) => {
            const vm = parseValue<StoredVm>(row.value);
            if (vm) out.vms.push(vm);
            this.allocations.observeVm(row.key.toString().slice(keys.vms.length), vm, row.mod_revision, rev);
          },
          { limit: VMS_PAGE, revision: rev },
        );
        await readPrefix(
          kv,
          keys.regions,
          (row) => {
            const status = parseValue<{ status?: unknown }>(row.value)?.status;
            if (typeof status === 'string') out.regions?.set(row.key.toString().slice(keys.regions.length), status);
          },
          { limit: VMS_PAGE, revision: rev },
        );
        this.revision = rev;
        return out;
      },
      LOAD_DEADLINE_MS,
    );
  }

  /**
   * Every write is meant for the generation of the fleet in force when it was asked for: if an
   * import or reset replaced it meanwhile, etcd refuses it (FleetReplacedError, nothing written).
   */
  async commit(ops: BackendOp[]): Promise<void> {
    const guard: Guard = { key: this.keys.ready, mod: this.readyMod };
    const machines = ops.filter((op) => op.t === 'machine');
    const rest = ops.filter((op) => op.t !== 'machine');
    await this.guard('write to etcd', async () => {
      await Promise.all(machines.map((op) => this.allocations.putMachineMeta(op.id, op.state, guard)));
      for (const op of rest) {
        if (op.t === 'vm') await this.allocations.putVm({ ...op.vm, driver: this.driverOf(op.vm.machine_id) }, guard);
        else if (op.t === 'vm-delete') await this.allocations.deleteVm(op.id, guard);
        else if (op.t === 'region') {
          const res = await this.client
            .if(guard.key, 'Mod', '==', guard.mod)
            .then(this.client.put(this.keys.region(op.code)).value(JSON.stringify(op)))
            .commit();
          if (!res.succeeded) throw new FleetReplacedError();
        }
      }
    });
  }

  /**
   * A scenario import: the new fleet written beside the one in force and switched to in one
   * transaction, which every host follows (./generation).
   */
  async replace(contents: BackendContents): Promise<void> {
    const { fleet, machines, vms, regions } = contents;
    await this.switchTo({ shape: fleet.data, fleet, machines, vms, regions });
  }

  /**
   * A reset. Under an imported fleet: back to the bootstrap fleet, as a new generation every host
   * switches to. Else every VM and machine row gone, and a reset mark every host follows (one
   * transaction, if no import or reset got there first).
   */
  async clear(): Promise<void> {
    if (!isBootstrap(this.ready)) {
      await this.switchTo({ shape: this.bootstrap, fleet: null, machines: [], vms: [], regions: [] });
      return;
    }
    const id = randomUUID();
    this.ownResets.add(id);
    const res = await this.guard('reset the fleet in etcd', () =>
      this.client
        .if(this.keys.ready, 'Mod', '==', this.readyMod)
        .then(
          ...this.keys.dataPrefixes().map((p) => this.client.delete().prefix(p)),
          this.client.put(this.keys.reset).value(JSON.stringify({ id, at: new Date().toISOString() })),
        )
        .commit(),
    );
    if (!res.succeeded)
      throw new EtcdUnavailableError(`could not reset the fleet in etcd: ${new FleetReplacedError().message}`);
    this.allocations.forget();
  }

  private async switchTo(next: NextFleet): Promise<void> {
    const data = nextDataPrefix(this.ready);
    let finish = () => {};
    this.switching = { data, done: new Promise<void>((r) => (finish = r)) };
    try {
      const from = { ready: this.ready, mod: this.readyMod };
      const sw = await this.guard(
        next.fleet ? 'write the imported fleet to etcd' : 'reset the fleet in etcd',
        () => switchGeneration(this.client, this.keys, from, next, this.label, data),
        LOAD_DEADLINE_MS,
      );
      this.allocations.forget();
      this.adopt(sw.ready, sw.mod, next.fleet);
      // What this host just wrote, so its next writes need not read the rows first.
      for (const [id, state] of next.machines) {
        const mod = sw.machineMods.get(id);
        if (mod) this.allocations.observeMachine(id, state, mod, sw.mod);
      }
      for (const vm of next.vms) {
        const mod = sw.vmMods.get(vm.id);
        if (mod) this.allocations.observeVm(vm.id, vm, mod, sw.mod);
      }
      this.switched?.(next.shape.machines.map((m) => m.id));
    } finally {
      this.switching = null;
      finish();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.probes.values()) p.close();
    this.client.close();
  }

  /**
   * Runs etcd calls with one overall deadline (the client retries on other members within it);
   * a failure becomes EtcdUnavailableError with the cause in words. A write cut off by the
   * deadline may still commit: its outcome is unknown, which the orchestrator settles as it
   * settles any store write of unknown outcome.
   */
  async guard<T>(what: string, run: () => Promise<T>, deadlineMs = OPERATION_DEADLINE_MS): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      return await Promise.race([run(), expired]);
    } catch (err) {
      if (err instanceof NoRoomError || err instanceof KeyTakenError) throw err;
      if (err instanceof InFlightError || err instanceof FleetReplacedError)
        throw new EtcdUnavailableError(err.message);
      const why = await diagnose(this.client, this.probes, this.store, err).catch(() => (err as Error).message);
      throw new EtcdUnavailableError(`could not ${what}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
