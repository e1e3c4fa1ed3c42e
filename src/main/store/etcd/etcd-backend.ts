// The shared backend: the fleet in etcd, so several hosts run one platform. Durability is
// etcd's (a write is acknowledged once a majority of members has it in its log, fsynced);
// allocation is conditional on the machine's row (see ./allocations); every host follows the
// others through one watch from the revision of its snapshot (see ./follow).

import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { ApiError } from '../../../shared/errors';
import type { EtcdStoreConfig } from '../../../shared/store-spec';
import type { BackendContents, BackendOp, BackendSnapshot, MachineState, StoreBackend, StoredVm } from '../backend';
import type { FleetData } from '../fleet-data';
import { Allocations, type Capacity, InFlightError, KeyTakenError, NoRoomError } from './allocations';
import { connectEtcd, diagnose } from './connect';
import { EtcdKeys, parseValue } from './keys';
import { joinOrSeed, SEED_WAIT_MS, type SeedOutcome } from './seed';

/**
 * One store operation's time in etcd, retries included: under the worker RPC deadline (5 s) with
 * room for the diagnosis, so a launch hears "etcd has lost quorum", not "the store timed out".
 */
const OPERATION_DEADLINE_MS = 2500;
/** Reading the whole fleet (start, resync) may take longer on a large one. */
const LOAD_DEADLINE_MS = 30_000;

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
      backend.capacities = new Map(
        seed.data.machines.map((m) => [
          m.id,
          { cores_total: m.cores, memory_total_gb: m.memory_gb, bootstrap_status: m.status },
        ]),
      );
      return { backend, seed };
    } catch (err) {
      await backend.close();
      throw err;
    }
  }

  async load(): Promise<BackendSnapshot> {
    return this.guard(
      'read the fleet from etcd',
      async () => {
        // Two ranges at one revision: a consistent snapshot, and where the watch picks up.
        const machines = await this.client.getAll().prefix(this.keys.machines).exec();
        const rev = machines.header.revision;
        const vms = await this.client.getAll().prefix(this.keys.vms).revision(rev).exec();
        const regions = await this.client.getAll().prefix(this.keys.regions).revision(rev).strings();
        const out: BackendSnapshot = { machines: new Map(), vms: [], regions: new Map() };
        for (const [key, value] of Object.entries(regions)) {
          const status = parseValue<{ status?: unknown }>(value)?.status;
          if (typeof status === 'string') out.regions?.set(key.slice(this.keys.regions.length), status);
        }
        this.allocations.forget();
        for (const kv of machines.kvs) {
          const id = kv.key.toString().slice(this.keys.machines.length);
          const state = parseValue<MachineState>(kv.value);
          if (state) out.machines.set(id, state);
          this.allocations.observeMachine(id, state, kv.mod_revision, rev);
        }
        for (const kv of vms.kvs) {
          const vm = parseValue<StoredVm>(kv.value);
          if (vm) out.vms.push(vm);
          this.allocations.observeVm(kv.key.toString().slice(this.keys.vms.length), vm, kv.mod_revision, rev);
        }
        this.revision = rev;
        return out;
      },
      LOAD_DEADLINE_MS,
    );
  }

  async commit(ops: BackendOp[]): Promise<void> {
    const machines = ops.filter((op) => op.t === 'machine');
    const rest = ops.filter((op) => op.t !== 'machine');
    await this.guard('write to etcd', async () => {
      await Promise.all(machines.map((op) => this.allocations.putMachineMeta(op.id, op.state)));
      for (const op of rest) {
        if (op.t === 'vm') await this.allocations.putVm({ ...op.vm, driver: this.driverOf(op.vm.machine_id) });
        else if (op.t === 'vm-delete') await this.allocations.deleteVm(op.id);
        else if (op.t === 'region') await this.client.put(this.keys.region(op.code)).value(JSON.stringify(op));
      }
    });
  }

  /**
   * A scenario import replaces the whole fleet; on a fleet shared by several hosts that needs
   * every host to adopt the new machines at once, which the shared store does not do yet.
   */
  async replace(_contents: BackendContents): Promise<void> {
    throw new ApiError(
      'bad_request',
      'scenario import is not supported on a fleet shared through etcd yet; import into a single host (without --store), or reset and launch',
    );
  }

  /** Every VM and machine row gone, and a reset mark every host follows (one transaction). */
  async clear(): Promise<void> {
    const id = randomUUID();
    this.ownResets.add(id);
    await this.guard('reset the fleet in etcd', () =>
      this.client
        .if(this.keys.reset, 'Version', '>', -1)
        .then(
          this.client.delete().prefix(this.keys.vms),
          this.client.delete().prefix(this.keys.machines),
          this.client.delete().prefix(this.keys.regions),
          this.client.delete().prefix(this.keys.idempotency('')),
          this.client.put(this.keys.reset).value(JSON.stringify({ id, at: new Date().toISOString() })),
        )
        .commit(),
    );
    this.allocations.forget();
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
      if (err instanceof InFlightError) throw new EtcdUnavailableError(err.message);
      const why = await diagnose(this.client, this.probes, this.store, err).catch(() => (err as Error).message);
      throw new EtcdUnavailableError(`could not ${what}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
