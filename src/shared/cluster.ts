// A shared fleet's hosts and its etcd cluster, as `GET /v1/cluster` and `flylight cluster` show them.

export interface ClusterHost {
  id: string;
  hostname: string;
  pid: number;
  started_at: string;
  /** The etcd lease that holds its registration and its machines (hex). */
  lease: string;
  /** Seconds left on that lease when asked (-1: gone; it is being renewed every TTL/3). */
  lease_ttl_s: number;
  /** The TTL the lease was granted with (`serve --lease-ttl`; -1: gone). */
  lease_granted_ttl_s: number;
  /**
   * Under half its TTL left: the host missed a renewal (dead, partitioned or stalled). Launches
   * go to other hosts' machines while any fits, until it renews or its machines move.
   */
  lapsing: boolean;
  machines_owned: number;
  /** Its orchestrator's actors, as it last wrote them (under a second old); null before its first report. */
  actors: ActorCounts | null;
  /** True for the host that answered. */
  self: boolean;
}

export interface ClusterMember {
  name: string;
  id: string;
  client_urls: string[];
  /** Answered a status request just now. */
  healthy: boolean;
  leader: boolean;
}

export interface ClusterView {
  store: string;
  /** The TTL of the answering host's lease (`serve --lease-ttl`): a dead host's machines move within its TTL. */
  lease_ttl_s: number;
  hosts: ClusterHost[];
  machines: number;
  /** Machines no live host holds right now (only while ownership moves). */
  unowned: number;
  etcd: { members: ClusterMember[]; leader: string | null; revision: string };
}

/** A shared fleet's traffic with etcd since this host started, for `/metrics`. */
export interface EtcdStats {
  /** Calls sent to etcd members (each attempt of a unary call, streams opened). */
  round_trips: number;
  /** Allocation transactions (each one compare-and-swap of a machine's row and a VM). */
  txns: number;
  /** Transactions that lost to another host's write and were computed again. */
  txn_conflicts: number;
  /** Keep-alives of this host's lease that etcd answered. */
  lease_renewals: number;
  /** Keep-alives that failed (the lease is lost once they fail for the whole TTL). */
  lease_renewal_failures: number;
  /** Machines this host owns now (their actors run here). */
  machines_owned?: number;
  /** True while the host has not renewed its lease for a whole TTL (it refuses launches). */
  lease_lapsed?: boolean;
}

/**
 * A host's MachineD/FlyD pairs. They wake when first asked for and sleep once idle (a big fleet
 * starts without them); on a shared fleet only a machine's owner wakes them.
 */
export interface ActorCounts {
  /** Machines this host owns (all of them without a shared fleet). */
  owned: number;
  /** Machines whose actors are awake now. */
  awake: number;
  /** Awake machines it no longer owns (put to sleep at its next FlyD round): 0 when settled. */
  awake_not_owned: number;
  /** Times a machine's actors were woken here since start. */
  woken: number;
  /** Of those, for a machine this host did not own: 0, unless something breaks the rule. */
  woken_not_owned: number;
}
