// `flylight cluster` (GET /v1/cluster) on a shared fleet: the hosts, their leases and machines,
// and etcd's members and leader. Built from what the host already holds (the hosts and owner keys
// its membership last read, its own claims since, the revision its watch has applied) plus a few
// small etcd calls of VIEW_CALL_MS each. Reading all 300,000 owner keys for each answer, behind a
// host's claim transactions, once took longer than the 5 s an answer has.

import type { Etcd3 } from 'etcd3';
import type { ActorCounts, ClusterHost, ClusterMember, ClusterView } from '../../../shared/cluster';
import { describeStore, type EtcdStoreConfig } from '../../../shared/store-spec';
import { probe } from './connect';
import { parseValue } from './keys';
import { isLapsing } from './lapsing';

/** How long the answer waits for each etcd call it still makes. */
const VIEW_CALL_MS = 1000;

export interface HostRecord {
  id: string;
  hostname: string;
  pid: number;
  started_at: string;
  lease: string;
}

export interface ViewInput {
  client: Etcd3;
  probes: Map<string, Etcd3>;
  store: EtcdStoreConfig;
  /** The host answering. */
  self: string;
  hosts: readonly HostRecord[];
  /** Machine → the host holding its owner key, as this host knows it. */
  holders: ReadonlyMap<string, string>;
  machines: readonly string[];
  machineSet: ReadonlySet<string>;
  /** Where hosts write their actor counts (`actors/`). */
  actorsPrefix: string;
  revision: string;
  /** The TTL of the answering host's lease. */
  leaseTtlS: number;
}

export async function clusterView(v: ViewInput): Promise<ClusterView> {
  const within = () => ({ deadline: Date.now() + VIEW_CALL_MS });
  // Every call at once: the answer waits for the slowest, never for their sum.
  // Each lease's time left and the TTL it was granted with (hosts may run with different ones).
  const ttls = Promise.all(
    v.hosts.map((h) =>
      v.client.leaseClient
        .leaseTimeToLive({ ID: BigInt(`0x${h.lease}`).toString() }, within())
        .then((r) => ({ left: Number(r.TTL), granted: Number(r.grantedTTL) }))
        .catch(() => ({ left: -1, granted: -1 })),
    ),
  );
  const [actors, list] = await Promise.all([
    v.client
      .getAll()
      .prefix(v.actorsPrefix)
      .options(within())
      .strings()
      .catch(() => ({}) as Record<string, string>),
    v.client.cluster.memberList({}, within()).catch(() => null),
  ]);
  const probes = (list?.members ?? []).map((m) => {
    const url = m.clientURLs[0]?.replace(/^https?:\/\//, '');
    return url
      ? probe(v.probes, v.store, url)
          .maintenance.status({ deadline: Date.now() + 800 })
          .catch(() => null)
      : Promise.resolve(null);
  });
  const lease = new Map(v.hosts.map((h, i) => [h.id, i]));
  const ttlOf = await ttls;
  const counts = new Map<string, number>();
  let owned = 0;
  for (const [m, h] of v.holders) {
    if (!v.machineSet.has(m)) continue; // an owner key an import's switch has not released yet
    owned++;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const hosts: ClusterHost[] = [...v.hosts]
    .sort((a, b) => a.started_at.localeCompare(b.started_at))
    .map((h) => ({
      ...h,
      lease_ttl_s: ttlOf[lease.get(h.id) ?? -1]?.left ?? -1,
      lease_granted_ttl_s: ttlOf[lease.get(h.id) ?? -1]?.granted ?? -1,
      lapsing: isLapsingHost(ttlOf[lease.get(h.id) ?? -1]),
      machines_owned: counts.get(h.id) ?? 0,
      actors: parseValue<ActorCounts>(actors[`${v.actorsPrefix}${h.id}`]),
      self: h.id === v.self,
    }));
  const statuses = await Promise.all(probes);
  const members: ClusterMember[] = (list?.members ?? []).map((m, i) => {
    const status = statuses[i] ?? null;
    return {
      name: m.name,
      id: m.ID,
      client_urls: m.clientURLs,
      healthy: status !== null,
      leader: status !== null && status.leader === m.ID,
    };
  });
  return {
    store: describeStore(v.store),
    lease_ttl_s: v.leaseTtlS,
    hosts,
    machines: v.machines.length,
    unowned: v.machines.length - owned,
    etcd: { members, leader: members.find((m) => m.leader)?.name ?? null, revision: v.revision },
  };
}

/** A lease still there with under half its TTL left (a gone one shows as such, not as lapsing). */
function isLapsingHost(t: { left: number; granted: number } | undefined): boolean {
  return t !== undefined && t.left >= 0 && isLapsing(t.left, t.granted);
}
