// The bootstrap fleet in etcd. The first host on an empty etcd writes its regions CSV there;
// every later host reads the fleet that is there instead of its own file. Two hosts starting
// together must not both seed: a host claims the seed with a transaction (only if neither the
// finished seed nor another claim exists), the claim is held by a short lease (a claimant that
// dies frees it within SEED_CLAIM_TTL_S), and the seed counts only once `fleet/ready` is
// written, last. Chunks stay under etcd's 1.5 MB request limit, so a 300k-machine fleet fits.

import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { ScenarioSettings } from '../../../shared/scenario';
import type { StoredFleet } from '../backend';
import type { FleetData, MachineSpec, RegionSpec } from '../fleet-data';
import { type EtcdKeys, parseValue } from './keys';
import { readPrefix } from './pages';

export const SEED_CLAIM_TTL_S = 10;
/** Bytes of JSON per chunk: well under etcd's default --max-request-bytes (1.5 MiB). */
const CHUNK_BYTES = 512 * 1024;
/** Chunks per read when joining: 4 × 512 KB stays under gRPC's 4 MB message limit. */
const CHUNKS_PER_READ = 4;
/** How long a joining host waits for another host's seed to finish. */
export const SEED_WAIT_MS = 60_000;

/** A fleet's regions and machines in etcd: fleet/chunks/SEED_ID/, in `chunks` chunks. */
export interface SeedRef {
  seed_id: string;
  chunks: number;
}

/** fleet/ready: the fleet in force. Fields after `at` are absent in the first generation. */
export interface Ready extends SeedRef {
  regions: number;
  machines: number;
  by: string;
  at: string;
  /** 0 (absent) for the seed; each import, and each reset after one, adds one. */
  generation?: number;
  /** Where this generation's rows live, relative to the root ('' or absent: the root itself). */
  data?: string;
  /** The bootstrap fleet (what a reset returns to), when it is not this seed. */
  bootstrap?: SeedRef;
  /** An imported scenario's settings and description (every host applies them until a reset). */
  settings?: Partial<ScenarioSettings>;
  description?: string;
  reason?: 'import' | 'reset';
}

interface Chunk {
  regions: RegionSpec[];
  machines: MachineSpec[];
}

export interface SeedOutcome {
  /** The bootstrap fleet (what a reset returns to). */
  data: FleetData;
  /** The fleet in force when it is not the bootstrap (a scenario imported through some host). */
  imported: StoredFleet | null;
  /** fleet/ready as read, and its mod revision (every write this host makes is conditional on it). */
  ready: Ready;
  readyMod: string;
  /** True when this host wrote the fleet; false when it joined one already there. */
  seeded: boolean;
  by: string;
}

/** Splits the fleet into chunks of about CHUNK_BYTES, regions first, machines in order. */
export function toChunks(data: FleetData): Chunk[] {
  const chunks: Chunk[] = [];
  let cur: Chunk = { regions: [], machines: [] };
  let size = 0;
  const push = (bytes: number) => {
    if (size + bytes > CHUNK_BYTES && (cur.regions.length > 0 || cur.machines.length > 0)) {
      chunks.push(cur);
      cur = { regions: [], machines: [] };
      size = 0;
    }
    size += bytes;
  };
  for (const r of data.regions) {
    push(JSON.stringify(r).length + 1);
    cur.regions.push(r);
  }
  for (const m of data.machines) {
    push(JSON.stringify(m).length + 1);
    cur.machines.push(m);
  }
  chunks.push(cur);
  return chunks;
}

export function fromChunks(chunks: Chunk[]): FleetData {
  const data: FleetData = { regions: [], machines: [] };
  for (const c of chunks) {
    data.regions.push(...c.regions);
    data.machines.push(...c.machines);
  }
  return data;
}

/** The fleet in etcd, seeding it from `csv` first if this host is the first. */
export async function joinOrSeed(
  client: Etcd3,
  keys: EtcdKeys,
  csv: FleetData,
  hostLabel: string,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<SeedOutcome> {
  const deadline = Date.now() + SEED_WAIT_MS;
  for (;;) {
    const got = (await client.get(keys.ready).exec()).kvs[0];
    const ready = parseValue<Ready>(got?.value);
    if (got && ready) {
      const data = await readSeed(client, keys, ready.bootstrap ?? ready);
      const imported = await importedFleet(client, keys, ready);
      return { data, imported, ready, readyMod: got.mod_revision, seeded: false, by: ready.by };
    }
    const lease = client.lease(SEED_CLAIM_TTL_S, { autoKeepAlive: true });
    try {
      const leaseId = await lease.grant();
      const claimed = await client
        .if(keys.ready, 'Create', '==', 0)
        .and(keys.claim, 'Create', '==', 0)
        .then(
          client
            .put(keys.claim)
            .value(JSON.stringify({ by: hostLabel }))
            .lease(leaseId),
        )
        .commit();
      if (claimed.succeeded) {
        const { ready, mod } = await writeSeed(client, keys, csv, hostLabel);
        return { data: csv, imported: null, ready, readyMod: mod, seeded: true, by: hostLabel };
      }
    } finally {
      // Revoking drops the claim with it (the seed, if written, is not under the lease).
      await lease.revoke().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(`another host has been seeding the fleet in etcd for over ${SEED_WAIT_MS / 1000} s; giving up`);
    }
    await sleep(200);
  }
}

/** Writes a fleet's chunks under a new seed id (nobody reads them until fleet/ready names it). */
export async function writeChunks(client: Etcd3, keys: EtcdKeys, data: FleetData): Promise<SeedRef> {
  const seedId = randomUUID();
  const chunks = toChunks(data);
  // One chunk per request: each is far below the request limit, together they may not be.
  for (let i = 0; i < chunks.length; i++) {
    await client.put(`${keys.chunks(seedId)}${String(i).padStart(6, '0')}`).value(JSON.stringify(chunks[i]));
  }
  return { seed_id: seedId, chunks: chunks.length };
}

async function writeSeed(
  client: Etcd3,
  keys: EtcdKeys,
  csv: FleetData,
  hostLabel: string,
): Promise<{ ready: Ready; mod: string }> {
  const ready: Ready = {
    ...(await writeChunks(client, keys, csv)),
    regions: csv.regions.length,
    machines: csv.machines.length,
    by: hostLabel,
    at: new Date().toISOString(),
  };
  const res = await client
    .if(keys.ready, 'Create', '==', 0)
    .then(client.put(keys.ready).value(JSON.stringify(ready)))
    .commit();
  return { ready, mod: res.header.revision };
}

/** The fleet `ready` names when it is not the bootstrap one (an import's), with its settings. */
export async function importedFleet(
  client: Etcd3,
  keys: EtcdKeys,
  ready: Ready,
  revision?: string,
): Promise<StoredFleet | null> {
  if (!ready.bootstrap || ready.bootstrap.seed_id === ready.seed_id) return null;
  const fleet: StoredFleet = { data: await readSeed(client, keys, ready, revision), settings: ready.settings ?? {} };
  if (ready.description !== undefined) fleet.description = ready.description;
  return fleet;
}

/** A fleet's chunks, read at `revision` when given (the chunks of a fleet replaced since are still there). */
export async function readSeed(client: Etcd3, keys: EtcdKeys, ready: SeedRef, revision?: string): Promise<FleetData> {
  // A few chunks per read: all of a 300k-machine fleet's at once is over gRPC's 4 MB message limit.
  const chunks: (Chunk | null)[] = [];
  await readPrefix(client.kv, keys.chunks(ready.seed_id), (kv) => chunks.push(parseValue<Chunk>(kv.value)), {
    limit: CHUNKS_PER_READ,
    ...(revision === undefined ? {} : { revision }),
  });
  if (chunks.length !== ready.chunks || chunks.some((c) => c === null)) {
    throw new Error(
      `the fleet in etcd is damaged: seed ${ready.seed_id} has ${chunks.length} of ${ready.chunks} chunks readable`,
    );
  }
  return fromChunks(chunks as Chunk[]);
}
