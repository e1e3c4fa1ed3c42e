// Allocation without over-allocation across hosts. A machine's row in etcd holds its allocation,
// which every VM write keeps equal to the sum of its VMs: a VM is put (or deleted) in ONE
// transaction with its machine's row, on condition that neither changed since this host read
// them (mod_revision compares). A host that lost the race reads the rows the transaction's else
// branch returns and tries again, re-checking capacity against what the winner wrote: Nomad's
// plan applier does the same with optimistic plans. etcd serialises the transactions, so two
// hosts can never both take the last cores of a machine, whatever their MachineDs believed.
// Within one host, writes to one machine go one at a time (a lane), so conflicts come only from
// other hosts.

import type { Etcd3, ICompare, IKeyValue, IRequestOp } from 'etcd3';
import { holdsResources } from '../../../shared/lifecycle';
import { takesNewVms } from '../../../shared/placement';
import type { MachineState, StoredVm } from '../backend';
import type { MachineSpec } from '../fleet-data';
import type { EtcdKeys } from './keys';
import { parseValue } from './keys';
import { type Guard, TxnBatcher, type TxnPart } from './txn-batch';

/** A machine's size and the CSV's status (which the row's operator_status overrides): its spec. */
export type Capacity = Pick<MachineSpec, 'cores' | 'memory_gb' | 'status'>;

/** A key as this host last saw it: its value, mod revision ('0' = absent) and when it was seen. */
interface Row<T> {
  value: T | null;
  mod: string;
  seen: bigint;
}

export interface TxnCounters {
  /** Allocation transactions sent (those of one turn share one etcd transaction: ./txn-batch). */
  txns: number;
  /** Transactions that lost a race (a row they compared had moved) and were retried. */
  conflicts: number;
}

/** Thrown when a VM does not fit on its machine as etcd has it: nothing was written. */
export class NoRoomError extends Error {
  readonly code = 'no_room';
  /**
   * The machine's committed allocation the refusal was judged against (fresher than any watch
   * event this host has seen), so the launcher can place again on it without a round trip.
   */
  constructor(
    message: string,
    readonly allocation?: Pick<MachineState, 'cores_allocated' | 'memory_allocated_gb' | 'vm_count'>,
  ) {
    super(message);
  }
}

/** A new VM whose Idempotency-Key another VM holds: nothing was written. */
export class KeyTakenError extends Error {
  readonly code = 'key_taken';
}

/** A delete refused because the VM's put has not finished in etcd yet. */
export class InFlightError extends Error {}

/** Gives up after this many lost races in a row (only under pathological contention). */
const MAX_ATTEMPTS = 64;

/**
 * A VM record as etcd keeps it: `stage` says a `starting` VM is resuming from `suspended` (not
 * booting), so the host that drives it — its machine's owner, maybe not the host that was asked
 * — times the resume stage, not the start stage.
 */
export type EtcdVm = StoredVm & { stage?: 'resume' };

/** The record to write: `starting` from `suspended` (or a resume written again) marked as a resume. */
export function withStage(vm: StoredVm, old: StoredVm | null): EtcdVm {
  const { stage: _s, ...plain } = vm as EtcdVm;
  const resuming =
    plain.state === 'starting' &&
    (old?.state === 'suspended' || (old?.state === 'starting' && (old as EtcdVm).stage === 'resume'));
  return resuming ? { ...plain, stage: 'resume' } : plain;
}

/** What one VM holds on its machine (nothing in a state that holds no resources). */
export function held(vm: StoredVm | null): { cores: number; memory_gb: number; count: number } {
  if (!vm || !holdsResources(vm.state)) return { cores: 0, memory_gb: 0, count: 0 };
  return { cores: vm.cores, memory_gb: vm.memory_gb, count: 1 };
}

export function emptyState(at: string): MachineState {
  return { version: 0, cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0, updated_at: at, operator_status: null };
}

/** The rows to write: the machine's (null: leave it, and do not compare it) and the VM's. */
type Outcome = { machine: MachineState | null; vm: { put: StoredVm } | { delete: true } | null };

export class Allocations {
  private readonly machineRows = new Map<string, Row<MachineState>>();
  private readonly vmRows = new Map<string, Row<StoredVm>>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  /** This host's last committed write of each VM, by revision, until the watch reaches it. */
  private readonly ownVmWrites = new Map<string, bigint>();
  /** Puts still running in etcd, by VM id, even after their caller gave up waiting. */
  private readonly puts = new Map<string, Promise<unknown>>();
  readonly counters: TxnCounters = { txns: 0, conflicts: 0 };
  readonly batcher: TxnBatcher;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly capacity: (machineId: string) => Capacity | undefined,
  ) {
    this.batcher = new TxnBatcher(client.kv);
  }

  /**
   * A row seen in a snapshot or the watch at revision `seen` (value null: deleted); kept only if
   * newer than what this host has.
   */
  observeMachine(id: string, value: MachineState | null, mod: string, seen: string): void {
    observe(this.machineRows, id, { value, mod: value ? mod : '0', seen: BigInt(seen) });
  }

  observeVm(id: string, value: StoredVm | null, mod: string, seen: string): void {
    observe(this.vmRows, id, { value, mod: value ? mod : '0', seen: BigInt(seen) });
  }

  /**
   * The machine row at mod revision `mod` when this host holds exactly that one (its own write
   * coming back through the watch): a key's value at a mod revision is unique, so the watch's copy
   * need not be parsed again. Undefined when this host holds another revision.
   */
  machineAt(id: string, mod: string): MachineState | undefined {
    return valueAt(this.machineRows, id, mod);
  }

  /** The VM record at mod revision `mod` when this host holds exactly that one (see machineAt). */
  vmAt(id: string, mod: string): StoredVm | undefined {
    return valueAt(this.vmRows, id, mod);
  }

  /**
   * A watch event of VM `id` at revision `rev` that a later write of this host's own has
   * superseded: the host's model already holds the newer record (and told its own transitions),
   * so the older one must be neither laid over it nor told again. Forgets the write once the
   * watch reaches it.
   */
  supersededByOwnWrite(id: string, rev: string): boolean {
    const own = this.ownVmWrites.get(id);
    if (own === undefined) return false;
    if (BigInt(rev) < own) return true;
    this.ownVmWrites.delete(id);
    return false;
  }

  /** Forgets every row (after a reset or a resync; the next write reads them again). */
  forget(): void {
    this.machineRows.clear();
    this.vmRows.clear();
    this.ownVmWrites.clear();
  }

  /**
   * Puts a VM (new, or a new version of one) with its machine's allocation changed to match.
   * `guard`: the fleet generation the write is meant for (./txn-batch), on every method here.
   */
  putVm(vm: StoredVm, guard?: Guard): Promise<void> {
    const put = this.lane(vm.machine_id, () =>
      this.transact(vm.machine_id, vm.id, guard, (machine, old) => {
        const was = held(old);
        const now = held(vm);
        const rec = withStage(vm, old);
        // A change of state that moves no resources (started → stopping, …) leaves the row alone,
        // so the lifecycle's many writes never race launches for it.
        if (old && was.cores === now.cores && was.memory_gb === now.memory_gb && was.count === now.count) {
          return { machine: null, vm: { put: rec } };
        }
        const next: MachineState = {
          ...machine,
          updated_at: new Date().toISOString(),
          cores_allocated: machine.cores_allocated - was.cores + now.cores,
          memory_allocated_gb: machine.memory_allocated_gb - was.memory_gb + now.memory_gb,
          vm_count: machine.vm_count - was.count + now.count,
        };
        const cap = this.capacity(vm.machine_id);
        const grows = now.cores > was.cores || now.memory_gb > was.memory_gb;
        if (!cap) throw new NoRoomError(`machine ${vm.machine_id} is not in the fleet`);
        const status = machine.operator_status ?? cap.status;
        // A machine drained or taken offline through any host takes nothing new from any host.
        if (grows && !takesNewVms(status)) throw new NoRoomError(`machine ${vm.machine_id} is ${status}`);
        if (grows && (next.cores_allocated > cap.cores || next.memory_allocated_gb > cap.memory_gb)) {
          throw new NoRoomError(
            `VM ${vm.id} does not fit on ${vm.machine_id}: etcd has ${machine.cores_allocated}/${cap.cores} cores and ${machine.memory_allocated_gb}/${cap.memory_gb} GB allocated`,
            allocationOf(machine),
          );
        }
        return { machine: next, vm: { put: rec } };
      }),
    );
    this.puts.set(vm.id, put);
    const done = () => {
      if (this.puts.get(vm.id) === put) this.puts.delete(vm.id);
    };
    put.then(done, done);
    return put;
  }

  /** Deletes a VM and takes what it held off its machine; nothing to do if it is gone. */
  async deleteVm(id: string, guard?: Guard): Promise<void> {
    // A put its caller stopped waiting for may still commit: delete after it, never before.
    // Refused at once rather than waited for: the caller settles it later (unknown outcome).
    if (this.puts.has(id)) throw new InFlightError(`the write of VM ${id} is still running in etcd; retry`);
    let row = this.vmRows.get(id);
    if (!row) {
      const got = await this.client.get(this.keys.vm(id)).exec();
      this.counters.txns++;
      const kv = got.kvs[0];
      row = rowOf<StoredVm>(kv, got.header.revision);
      this.vmRows.set(id, row);
    }
    const machineId = row.value?.machine_id;
    if (!machineId) return;
    await this.lane(machineId, () =>
      this.transact(machineId, id, guard, (machine, old) => {
        if (!old) return { machine, vm: null };
        const was = held(old);
        return {
          machine: {
            ...machine,
            updated_at: new Date().toISOString(),
            cores_allocated: Math.max(0, machine.cores_allocated - was.cores),
            memory_allocated_gb: Math.max(0, machine.memory_allocated_gb - was.memory_gb),
            vm_count: Math.max(0, machine.vm_count - was.count),
          },
          vm: { delete: true },
        };
      }),
    );
  }

  /** Writes a machine's operator status, FlyD version and time; its allocation stays etcd's. */
  putMachineMeta(id: string, state: MachineState, guard?: Guard): Promise<void> {
    return this.lane(id, () =>
      this.transact(id, null, guard, (machine) => ({
        machine: {
          ...machine,
          version: Math.max(machine.version, state.version),
          updated_at: state.updated_at,
          operator_status: state.operator_status,
        },
        vm: null,
      })),
    );
  }

  private lane<T>(machineId: string, run: () => Promise<T>): Promise<T> {
    const prev = this.lanes.get(machineId) ?? Promise.resolve();
    const next = prev.then(run, run);
    const tail = next.catch(() => {});
    this.lanes.set(machineId, tail);
    void tail.then(() => {
      if (this.lanes.get(machineId) === tail) this.lanes.delete(machineId);
    });
    return next;
  }

  /**
   * The compare-and-swap loop: compute the new rows from the cached ones, commit if neither
   * key moved, else learn the keys from the else branch and compute again. The first attempt is
   * grouped with the other transactions of this turn (./txn-batch); a retry goes alone.
   */
  private async transact(
    machineId: string,
    vmId: string | null,
    guard: Guard | undefined,
    compute: (machine: MachineState, vm: StoredVm | null) => Outcome,
  ): Promise<void> {
    const mKey = this.keys.machine(machineId);
    const vKey = vmId === null ? null : this.keys.vm(vmId);
    let alone = false;
    for (let attempt = 1; ; attempt++) {
      const mRow = this.machineRows.get(machineId) ?? ABSENT;
      const vRow = vmId === null ? null : (this.vmRows.get(vmId) ?? ABSENT);
      const out = compute(mRow.value ?? emptyState(new Date().toISOString()), vRow?.value ?? null);
      const part: TxnPart = { compare: [], success: [], failure: [], writes: [], ...(guard ? { guard } : {}) };
      // Compare the rows that are written; a VM-only write (a state change) compares its VM alone.
      if (out.machine || !vKey || !vRow) part.compare.push(modIs(mKey, mRow.mod));
      if (vKey && vRow) part.compare.push(modIs(vKey, vRow.mod));
      if (out.machine) put(part, mKey, JSON.stringify(out.machine));
      if (vKey && out.vm && 'put' in out.vm) put(part, vKey, JSON.stringify(out.vm.put));
      if (vKey && out.vm && 'delete' in out.vm) del(part, vKey);
      // An Idempotency-Key names one live VM across every host: claimed with a new VM (only if
      // no other holds it), freed with its delete.
      const claim = out.vm && 'put' in out.vm && !vRow?.value ? out.vm.put.idempotency_key : undefined;
      const freed = out.vm && 'delete' in out.vm ? vRow?.value?.idempotency_key : undefined;
      if (claim !== undefined) {
        const kKey = this.keys.idempotency(claim);
        part.compare.push({ key: Buffer.from(kKey), result: 'Equal', target: 'Create', create_revision: '0' });
        put(part, kKey, vmId ?? '');
      }
      if (freed !== undefined) del(part, this.keys.idempotency(freed));
      part.failure.push(read(mKey));
      if (vKey) part.failure.push(read(vKey));
      if (claim !== undefined) part.failure.push(read(this.keys.idempotency(claim)));
      const res = await this.batcher.run(part, alone);
      this.counters.txns++;
      const rev = res.revision;
      if (res.succeeded) {
        if (out.machine) observe(this.machineRows, machineId, { value: out.machine, mod: rev, seen: BigInt(rev) });
        if (vmId !== null && out.vm) {
          const value = 'put' in out.vm ? out.vm.put : null;
          observe(this.vmRows, vmId, { value, mod: value ? rev : '0', seen: BigInt(rev) });
          this.ownVmWrites.set(vmId, BigInt(rev));
        }
        return;
      }
      const mNow = rowOf<MachineState>(res.reads[0]?.response_range?.kvs[0], rev);
      const vNow = vmId === null ? null : rowOf<StoredVm>(res.reads[1]?.response_range?.kvs[0], rev);
      const holder = claim === undefined ? undefined : res.reads[2]?.response_range?.kvs[0]?.value.toString();
      // In a group, another part's compare may have failed the transaction while this one's held:
      // not a lost race, just sent again alone.
      const lost = mNow.mod !== mRow.mod || (vNow !== null && vNow.mod !== vRow?.mod) || holder !== undefined;
      alone = true;
      observe(this.machineRows, machineId, mNow);
      if (vmId !== null && vNow) observe(this.vmRows, vmId, vNow);
      if (!lost) continue;
      this.counters.conflicts++;
      if (holder !== undefined && holder !== vmId) {
        throw new KeyTakenError(`Idempotency-Key ${claim} already names VM ${holder} (launched through another host)`);
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`machine ${machineId} changed under ${MAX_ATTEMPTS} transactions in a row; try again`);
      }
      // Past a few lost races, step back a little at random so the racers spread out.
      if (attempt > 3) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

function allocationOf(m: MachineState): NonNullable<NoRoomError['allocation']> {
  return { cores_allocated: m.cores_allocated, memory_allocated_gb: m.memory_allocated_gb, vm_count: m.vm_count };
}

const ABSENT: Row<never> = { value: null, mod: '0', seen: 0n };

function modIs(key: string, mod: string): ICompare {
  return { key: Buffer.from(key), result: 'Equal', target: 'Mod', mod_revision: mod };
}

function put(part: TxnPart, key: string, value: string): void {
  part.success.push({ request_put: { key: Buffer.from(key), value: Buffer.from(value) } });
  part.writes.push(key);
}

function del(part: TxnPart, key: string): void {
  part.success.push({ request_delete_range: { key: Buffer.from(key) } });
  part.writes.push(key);
}

function read(key: string): IRequestOp {
  return { request_range: { key: Buffer.from(key) } };
}

/** A key read at revision `seen` (kv absent: the key does not exist). */
function rowOf<T>(kv: IKeyValue | undefined, seen: string): Row<T> {
  return kv
    ? { value: parseValue<T>(kv.value), mod: kv.mod_revision, seen: BigInt(seen) }
    : { value: null, mod: '0', seen: BigInt(seen) };
}

/** Keeps the newer of what is cached and what was just seen (watch and txn answers race). */
function observe<T>(rows: Map<string, Row<T>>, id: string, row: Row<T>): void {
  const cur = rows.get(id);
  if (cur && cur.seen > row.seen) return;
  rows.set(id, row);
}

function valueAt<T>(rows: Map<string, Row<T>>, id: string, mod: string): T | undefined {
  const row = rows.get(id);
  return row && row.mod === mod && row.value !== null ? row.value : undefined;
}
