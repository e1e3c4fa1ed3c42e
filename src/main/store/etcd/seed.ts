// The bootstrap fleet in etcd. The first host on an empty etcd writes its regions CSV there;
// every later host reads the fleet that is there instead of its own file. Two hosts starting
// together must not both seed: a host claims the seed with a transaction (only if neither the
// finished seed nor another claim exists), the claim is held by a short lease (a claimant that
// dies frees it within SEED_CLAIM_TTL_S), and the seed counts only once `fleet/ready` is
// written, last. Chunks stay under etcd's 1.5 MB request limit, so a 300k-machine fleet fits.

import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
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

interface Ready {
  seed_id: string;
  chunks: number;
  regions: number;
  machines: number;
  by: string;
  at: string;
}

interface Chunk {
  regions: RegionSpec[];
  machines: MachineSpec[];
}

export interface SeedOutcome {
  data: FleetData;
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
    const ready = parseValue<Ready>(await client.get(keys.ready).buffer());
    if (ready) return { data: await readSeed(client, keys, ready), seeded: false, by: ready.by };
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
        await writeSeed(client, keys, csv, hostLabel);
        return { data: csv, seeded: true, by: hostLabel };
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

async function writeSeed(client: Etcd3, keys: EtcdKeys, csv: FleetData, hostLabel: string): Promise<void> {
  const seedId = randomUUID();
  const chunks = toChunks(csv);
  // One chunk per request: each is far below the request limit, together they may not be.
  for (let i = 0; i < chunks.length; i++) {
    await client.put(`${keys.chunks(seedId)}${String(i).padStart(6, '0')}`).value(JSON.stringify(chunks[i]));
  }
  const ready: Ready = {
    seed_id: seedId,
    chunks: chunks.length,
    regions: csv.regions.length,
    machines: csv.machines.length,
    by: hostLabel,
    at: new Date().toISOString(),
  };
  await client
    .if(keys.ready, 'Create', '==', 0)
    .then(client.put(keys.ready).value(JSON.stringify(ready)))
    .commit();
}

async function readSeed(client: Etcd3, keys: EtcdKeys, ready: Ready): Promise<FleetData> {
  // A few chunks per read: all of a 300k-machine fleet's at once is over gRPC's 4 MB message limit.
  const chunks: (Chunk | null)[] = [];
  await readPrefix(client.kv, keys.chunks(ready.seed_id), (kv) => chunks.push(parseValue<Chunk>(kv.value)), {
    limit: CHUNKS_PER_READ,
  });
  if (chunks.length !== ready.chunks || chunks.some((c) => c === null)) {
    throw new Error(
      `the fleet in etcd is damaged: seed ${ready.seed_id} has ${chunks.length} of ${ready.chunks} chunks readable`,
    );
  }
  return fromChunks(chunks as Chunk[]);
}
