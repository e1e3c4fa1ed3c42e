// Who is in the shared fleet, and which host owns which machine. Each host registers under an
// etcd lease of HOST_LEASE_TTL_S (renewed every third of it by the client): if the host dies,
// even by kill -9, etcd deletes its registration and every `owners/MACHINE` key it held when
// the lease runs out. Owners are assigned by rendezvous hashing over the live hosts: every host
// computes the same answer from the same host list, a host that joins takes only its share
// (about 1/N of the machines move, not all of them), and when one dies only its machines move.
// A host claims a machine only if no live host holds it (a transaction on the key's absence),
// so two hosts never hold one machine, and it releases what it should no longer own.

import { hash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Etcd3, Lease } from 'etcd3';
import type { ClusterHost, ClusterMember, ClusterView } from '../../../shared/cluster';
import { describeStore, type EtcdStoreConfig } from '../../../shared/store-spec';
import type { Vm } from '../../../shared/types';
import { probe } from './connect';
import { type EtcdKeys, parseValue } from './keys';
import { findOrphans } from './orphans';
import { readPrefix } from './pages';

/** A dead host's machines move to the survivors within this (plus one watch round trip). */
export const HOST_LEASE_TTL_S = 5;
/** Claims and releases per transaction: a join or a death moves machines in steps, not a storm. */
const BATCH = 64;
/** Owner keys per read (~60 bytes each). */
const OWNERS_PAGE = 20_000;
/** Quiet time before a rebalance, so a burst of owner key changes is read once. */
const SETTLE_MS = 100;

interface HostRecord {
  id: string;
  hostname: string;
  pid: number;
  started_at: string;
  lease: string;
}

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

/** The host rendezvous hashing gives `machine` among `hosts` (sorted ids). */
export function ownerOf(machine: string, hosts: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = '';
  for (const h of hosts) {
    // One-shot hash (the same digest as createHash): a 300k fleet's share is 900k of them.
    const score = hash('sha1', `${machine}\n${h}`, 'hex');
    if (best === null || score > bestScore) {
      best = h;
      bestScore = score;
    }
  }
  return best;
}

/** A new host's id in the fleet (its registration, its owner keys, its VMs' `driver`). */
export function newHostId(): string {
  return randomUUID().slice(0, 8);
}

export class Membership {
  private lease: Lease | null = null;
  /** The lease's id: decimal for etcd, hex for people (as etcdctl shows it). */
  private leaseDec = '0';
  private leaseId = '';
  private readonly owned = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Keep-alives of this host's lease, answered and failed (for /metrics). */
  readonly renewals = { ok: 0, failed: 0 };
  /** The live hosts at the last rebalance; null before the first. */
  private live: Set<string> | null = null;
  /** This host's share for one host list (rendezvous hashing of 300k machines is ~1 s of CPU). */
  private wantedFor: { key: string; mine: Set<string> } | null = null;

  constructor(
    readonly id: string,
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly store: EtcdStoreConfig,
    private readonly probes: Map<string, Etcd3>,
    private readonly machines: readonly string[],
    private readonly log: Log,
    /** Told the VMs left mid-stage by hosts that are gone, on machines this host now owns. */
    private readonly orphaned: (vms: Vm[]) => void = () => {},
  ) {}

  /** The VMs left mid-stage by hosts that are gone, on machines this host owns now. */
  async orphans(): Promise<Vm[]> {
    const live = this.live ?? new Set((await this.hosts()).map((h) => h.id));
    return findOrphans(this.client, this.keys, live, this.owned);
  }

  /** Registers this host under a fresh lease and takes its share of the machines. */
  async start(): Promise<void> {
    const lease = this.client.lease(HOST_LEASE_TTL_S);
    this.lease = lease;
    this.leaseDec = await lease.grant();
    this.leaseId = BigInt(this.leaseDec).toString(16);
    lease.on('keepaliveSucceeded', () => this.renewals.ok++);
    lease.on('keepaliveFailed', () => this.renewals.failed++);
    lease.on('lost', (err) => {
      if (this.stopped) return;
      // Cut off from etcd longer than the TTL: our machines went to others. Start over.
      this.log('warn', 'etcd lease lost; registering again', { host: this.id, error: err.message });
      this.owned.clear();
      void this.start().catch((e) => this.log('warn', 'registering again failed', { error: String(e) }));
    });
    const record: HostRecord = {
      id: this.id,
      hostname: hostname(),
      pid: process.pid,
      started_at: new Date().toISOString(),
      lease: this.leaseId,
    };
    await lease.put(this.keys.host(this.id)).value(JSON.stringify(record));
    this.log('info', 'joined the shared fleet', { host: this.id, lease: this.leaseId, ttl_s: HOST_LEASE_TTL_S });
    this.changed();
  }

  /**
   * Hosts or owners changed (the watch says so): rebalance, one run at a time, after a short
   * quiet spell, so the burst of keys one move makes costs one more run, not one per key.
   */
  changed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = new Promise((r) => setTimeout(r, SETTLE_MS))
      .then(() => this.rebalance())
      .catch((err) => this.log('warn', 'rebalancing machines failed', { error: (err as Error).message }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.changed();
        }
      });
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  /** Leaves: revoking the lease frees its machines at once (no TTL to wait out). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.lease?.revoke().catch(() => {});
  }

  private async hosts(): Promise<HostRecord[]> {
    const got = await this.client.getAll().prefix(this.keys.hosts).strings();
    return Object.values(got)
      .map((v) => parseValue<HostRecord>(v))
      .filter((h): h is HostRecord => h !== null && typeof h.id === 'string');
  }

  /** Every owner key, in pages (300k of them are over gRPC's 4 MB message limit in one read). */
  private async owners(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const skip = this.keys.owners.length;
    await readPrefix(
      this.client.kv,
      this.keys.owners,
      (kv) => out.set(kv.key.toString().slice(skip), kv.value.toString()),
      {
        limit: OWNERS_PAGE,
      },
    );
    return out;
  }

  /**
   * The machines rendezvous hashing gives this host among `ids`, computed once per host list,
   * in slices that let the lease's keep-alives through (300k machines take seconds under load,
   * longer than the lease's TTL if the loop were held the whole time).
   */
  private async wanted(ids: string[]): Promise<Set<string>> {
    const key = ids.join(',');
    if (this.wantedFor?.key !== key) {
      const mine = new Set<string>();
      for (let i = 0; i < this.machines.length; i++) {
        const m = this.machines[i] as string;
        if (ownerOf(m, ids) === this.id) mine.add(m);
        if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
      }
      this.wantedFor = { key, mine };
    }
    return this.wantedFor.mine;
  }

  private async rebalance(): Promise<void> {
    if (!this.lease || this.stopped) return;
    const ids = (await this.hosts()).map((h) => h.id).sort();
    if (!ids.includes(this.id)) return; // not registered (yet, or again)
    const owners = await this.owners();
    const claim: string[] = [];
    const release: string[] = [];
    const mine = await this.wanted(ids);
    for (const m of this.machines) {
      const want = mine.has(m);
      const holder = owners.get(m);
      if (holder === this.id) this.owned.add(m);
      else this.owned.delete(m);
      if (want && holder === undefined) claim.push(m);
      if (!want && holder === this.id) release.push(m);
    }
    for (let i = 0; i < release.length; i += BATCH) {
      // Only keys still ours: one compare per key, so a batch never deletes another host's.
      const batch = release.slice(i, i + BATCH);
      let txn = this.client.if(this.keys.owner(batch[0]), 'Value', '==', this.id);
      for (const m of batch.slice(1)) txn = txn.and(this.keys.owner(m), 'Value', '==', this.id);
      await txn.then(...batch.map((m) => this.client.delete().key(this.keys.owner(m)))).commit();
      for (const m of batch) this.owned.delete(m);
    }
    for (let i = 0; i < claim.length; i += BATCH) {
      const batch = claim.slice(i, i + BATCH);
      const put = (m: string) => this.client.put(this.keys.owner(m)).value(this.id).lease(this.leaseDec);
      let txn = this.client.if(this.keys.owner(batch[0]), 'Create', '==', 0);
      for (const m of batch.slice(1)) txn = txn.and(this.keys.owner(m), 'Create', '==', 0);
      if ((await txn.then(...batch.map(put)).commit()).succeeded) {
        for (const m of batch) this.owned.add(m);
        continue;
      }
      // Someone holds one of them: claim the batch one by one.
      for (const m of batch) {
        const one = await this.client.if(this.keys.owner(m), 'Create', '==', 0).then(put(m)).commit();
        if (one.succeeded) this.owned.add(m);
      }
    }
    // A host gone (or this host's first look): its unfinished stages on our machines are ours.
    const before = this.live;
    this.live = new Set(ids);
    if (before === null || [...before].some((h) => !this.live?.has(h))) {
      const vms = await findOrphans(this.client, this.keys, this.live, this.owned);
      if (vms.length > 0) {
        this.log('info', 'taking over VMs left mid-stage by a host that is gone', { host: this.id, vms: vms.length });
        this.orphaned(vms);
      }
    }
    if (claim.length + release.length > 0) {
      this.log('info', 'machine ownership moved', {
        host: this.id,
        hosts: ids.length,
        claimed: claim.length,
        released: release.length,
        owned: this.owned.size,
      });
    }
  }

  /** Hosts, their leases and machines, and etcd's members and leader (`flylight cluster`). */
  async view(): Promise<ClusterView> {
    const [hosts, owners, list, ready] = await Promise.all([
      this.hosts(),
      this.owners(),
      this.client.cluster.memberList({}),
      this.client.get(this.keys.ready).exec(), // for the KV revision (the member list's header has none)
    ]);
    const counts = new Map<string, number>();
    for (const h of owners.values()) counts.set(h, (counts.get(h) ?? 0) + 1);
    const out: ClusterHost[] = await Promise.all(
      hosts
        .sort((a, b) => a.started_at.localeCompare(b.started_at))
        .map(async (h) => {
          const ttl = await this.client.leaseClient
            .leaseTimeToLive({ ID: BigInt(`0x${h.lease}`).toString() })
            .then((r) => Number(r.TTL))
            .catch(() => -1);
          return { ...h, lease_ttl_s: ttl, machines_owned: counts.get(h.id) ?? 0, self: h.id === this.id };
        }),
    );
    const members: ClusterMember[] = await Promise.all(
      list.members.map(async (m) => {
        const url = m.clientURLs[0]?.replace(/^https?:\/\//, '');
        const status = url
          ? await probe(this.probes, this.store, url)
              .maintenance.status({ deadline: Date.now() + 800 })
              .catch(() => null)
          : null;
        return {
          name: m.name,
          id: m.ID,
          client_urls: m.clientURLs,
          healthy: status !== null,
          leader: status !== null && status.leader === m.ID,
        };
      }),
    );
    return {
      store: describeStore(this.store),
      lease_ttl_s: HOST_LEASE_TTL_S,
      hosts: out,
      machines: this.machines.length,
      unowned: this.machines.filter((m) => !owners.has(m)).length,
      etcd: {
        members,
        leader: members.find((m) => m.leader)?.name ?? null,
        revision: ready.header.revision,
      },
    };
  }
}
