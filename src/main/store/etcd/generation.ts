// The fleet's generations. An import replaces the machines themselves (and a reset after one
// brings the bootstrap machines back), which every host sharing the fleet must switch to at once:
// a host still placing on the old machines must never write a VM onto one that no longer exists.
// So a new generation is written BESIDE the one in force, under a data prefix of its own
// (`gen/N-TOKEN/`: its machine rows, VMs, region statuses, Idempotency-Keys; its shape as seed
// chunks), where no host looks; then ONE transaction, on condition that fleet/ready has not moved
// since this host read it, names the new generation in fleet/ready and deletes the old one's rows
// (and any generation a crashed import left half-written). Every host follows fleet/ready through
// its watch and switches; every allocation transaction compares fleet/ready's revision too
// (./txn-batch), so a launch racing the switch either committed before it (and was swept with its
// generation) or is refused (FleetReplacedError) — nothing lands in a generation that is gone.

import { randomUUID } from 'node:crypto';
import type { Etcd3, IRequestOp } from 'etcd3';
import type { MachineState, StoredFleet, StoredVm } from '../backend';
import type { FleetData } from '../fleet-data';
import type { EtcdKeys } from './keys';
import { prefixEnd } from './pages';
import { type Ready, type SeedRef, writeChunks } from './seed';

/** A write refused because fleet/ready moved under it: the fleet it was meant for is gone. */
export class FleetReplacedError extends Error {
  readonly code = 'fleet_replaced';
  constructor(
    message = 'the shared fleet was replaced (a scenario import or a reset through some host) while this write was on its way; nothing was written',
  ) {
    super(message);
  }
}

/** What the next generation holds. */
export interface NextFleet {
  /** Its regions and machines (the bootstrap's for a reset). */
  shape: FleetData;
  /** The imported fleet, with its settings; null: the bootstrap fleet (a reset after an import). */
  fleet: StoredFleet | null;
  machines: [string, MachineState][];
  vms: StoredVm[];
  regions: [string, string][];
}

export interface Switched {
  ready: Ready;
  /** The revision of the switch (fleet/ready's new mod revision). */
  mod: string;
  /** The revision each written row was committed at, for the allocator's cache. */
  machineMods: Map<string, string>;
  vmMods: Map<string, string>;
}

/** Rows per staging transaction (etcd's default --max-txn-ops is 128), several in flight. */
const ROWS_PER_TXN = 64;
const IN_FLIGHT = 8;

/** A new generation's data prefix (the token keeps two imports racing for N apart). */
export function nextDataPrefix(ready: Ready): string {
  return `gen/${(ready.generation ?? 0) + 1}-${randomUUID().slice(0, 8)}/`;
}

export function isBootstrap(ready: Ready): boolean {
  return !ready.bootstrap || ready.bootstrap.seed_id === ready.seed_id;
}

/**
 * Writes the next generation and switches to it, if fleet/ready is still at `from.mod`; else
 * throws FleetReplacedError and takes away what it wrote. A crash half-way leaves rows no
 * ready names, which the next switch deletes.
 */
export async function switchGeneration(
  client: Etcd3,
  keys: EtcdKeys,
  from: { ready: Ready; mod: string },
  next: NextFleet,
  by: string,
  data = nextDataPrefix(from.ready),
): Promise<Switched> {
  const generation = (from.ready.generation ?? 0) + 1;
  const staged = keys.withData(data);
  const bootstrap: SeedRef = from.ready.bootstrap ?? { seed_id: from.ready.seed_id, chunks: from.ready.chunks };
  const root = keys.root;
  let sent = false;
  let seed: SeedRef = bootstrap;
  try {
    if (next.fleet) seed = await writeChunks(client, keys, next.shape);
    const mods = await writeRows(client, staged, next);
    const ready: Ready = {
      ...seed,
      regions: next.shape.regions.length,
      machines: next.shape.machines.length,
      by,
      at: new Date().toISOString(),
      generation,
      data,
      bootstrap,
      reason: next.fleet ? 'import' : 'reset',
    };
    if (next.fleet && Object.keys(next.fleet.settings).length > 0) ready.settings = next.fleet.settings;
    if (next.fleet?.description !== undefined) ready.description = next.fleet.description;
    // The first generation's rows (at the root), every other generation's (the one in force, a
    // crashed import's), and every fleet's chunks but the bootstrap's and the new one's.
    const sweep = keys
      .dataPrefixes()
      .filter((p) => !p.startsWith(keys.generations))
      .map((p) => deleteRange(Buffer.from(p), prefixEnd(Buffer.from(p))));
    sweep.push(...deleteAllBut(keys.generations, [`${root}${data}`]));
    sweep.push(...deleteAllBut(`${root}fleet/chunks/`, [keys.chunks(bootstrap.seed_id), keys.chunks(seed.seed_id)]));
    sent = true;
    const res = await client.kv.txn({
      compare: [{ key: Buffer.from(keys.ready), result: 'Equal', target: 'Mod', mod_revision: from.mod }],
      // fleet/ready first: a host's watch switches on it and ignores the rest of this revision.
      success: [{ request_put: { key: Buffer.from(keys.ready), value: Buffer.from(JSON.stringify(ready)) } }, ...sweep],
      failure: [],
    });
    if (!res.succeeded) {
      sent = false; // definitely not switched: what was staged can go
      throw new FleetReplacedError(
        'another host replaced or reset the shared fleet while this one was being written; nothing was changed (try again)',
      );
    }
    return { ready, mod: res.header.revision, ...mods };
  } catch (err) {
    // Unless the switch may have committed (its answer lost), nothing refers to what was staged.
    if (!sent) {
      await client
        .delete()
        .prefix(`${root}${data}`)
        .catch(() => {});
      if (seed !== bootstrap)
        await client
          .delete()
          .prefix(keys.chunks(seed.seed_id))
          .catch(() => {});
    }
    throw err;
  }
}

/** The next generation's rows under its own prefix, ROWS_PER_TXN at a time, IN_FLIGHT at once. */
async function writeRows(
  client: Etcd3,
  staged: EtcdKeys,
  next: NextFleet,
): Promise<{ machineMods: Map<string, string>; vmMods: Map<string, string> }> {
  const rows: { key: string; value: string; machine?: string; vm?: string }[] = [];
  for (const [id, state] of next.machines) {
    // A machine without a row holds nothing (the allocator reads an absent row as empty).
    if (state.vm_count === 0 && state.cores_allocated === 0 && state.operator_status === null) continue;
    rows.push({ key: staged.machine(id), value: JSON.stringify(state), machine: id });
  }
  for (const vm of next.vms) {
    rows.push({ key: staged.vm(vm.id), value: JSON.stringify(vm), vm: vm.id });
    if (vm.idempotency_key) rows.push({ key: staged.idempotency(vm.idempotency_key), value: vm.id });
  }
  for (const [code, status] of next.regions) {
    rows.push({ key: staged.region(code), value: JSON.stringify({ t: 'region', code, status }) });
  }
  const machineMods = new Map<string, string>();
  const vmMods = new Map<string, string>();
  let at = 0;
  const lane = async () => {
    while (at < rows.length) {
      const batch = rows.slice(at, at + ROWS_PER_TXN);
      at += ROWS_PER_TXN;
      const res = await client.kv.txn({
        compare: [],
        success: batch.map((r) => ({ request_put: { key: Buffer.from(r.key), value: Buffer.from(r.value) } })),
        failure: [],
      });
      for (const r of batch) {
        if (r.machine) machineMods.set(r.machine, res.header.revision);
        if (r.vm) vmMods.set(r.vm, res.header.revision);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { machineMods, vmMods };
}

function deleteRange(key: Buffer, end: Buffer): IRequestOp {
  return { request_delete_range: { key, range_end: end } };
}

/** Delete ranges covering every key under `prefix` except those under the `keep` prefixes. */
export function deleteAllBut(prefix: string, keep: string[]): IRequestOp[] {
  const out: IRequestOp[] = [];
  let from: Buffer = Buffer.from(prefix);
  for (const k of [...new Set(keep)].sort()) {
    const start = Buffer.from(k);
    if (Buffer.compare(from, start) < 0) out.push(deleteRange(from, start));
    const end = prefixEnd(start);
    if (Buffer.compare(end, from) > 0) from = end;
  }
  out.push(deleteRange(from, prefixEnd(Buffer.from(prefix))));
  return out;
}
