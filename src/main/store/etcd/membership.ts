// Who is in the shared fleet, and which host owns which machine. Each host registers under an
// etcd lease (`--lease-ttl`, default 5 s, renewed every third of it): if the host dies, even by
// kill -9, etcd deletes its registration and its `owners/MACHINE` keys when the lease runs out.
// Owners come from rendezvous hashing over the live hosts (same list, same answer everywhere; a
// joining host takes only its ~1/N share, a dead one's machines alone move). A host claims a
// machine only if no live host holds it (a transaction on the key's absence), and releases the rest.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Etcd3, Lease } from 'etcd3';
import type { ActorCounts, ClusterView } from '../../../shared/cluster';
import type { EtcdStoreConfig } from '../../../shared/store-spec';
import type { Vm } from '../../../shared/types';
import { ActorReport } from './actor-report';
import { claimOwners, releaseOwners } from './claims';
import { clusterView, type HostRecord } from './cluster-view';
import { diagnose } from './connect';
import { HOST_LEASE_TTL_S, HostLease } from './host-lease';
import { type EtcdKeys, parseValue } from './keys';
import { findOrphans } from './orphans';
import { OwnedSet } from './owned-set';
import { OwnerBook } from './owner-book';
import { Share } from './rendezvous';

export { HOST_LEASE_TTL_S } from './host-lease';

/** How long orphans() waits for the first rebalance after the fleet switched generation. */
const SWITCH_SETTLE_MS = 10_000;
/** Quiet time before a rebalance, so a burst of owner key changes is read once. */
const SETTLE_MS = 100;

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

/** What membership tells the rest of the host. */
export interface MembershipEvents {
  /** Told the VMs left mid-stage by hosts that are gone, on machines this host now owns. */
  orphaned?(vms: Vm[]): void;
  /** The machines this host owns now (after every change). */
  owned?(machines: string[]): void;
  /** The lease turned unhealthy (why: launches are refused) or healthy again (null). */
  lease?(refusal: string | null): void;
}

/** A new host's id in the fleet (its registration, its owner keys, its VMs' `driver`). */
export function newHostId(): string {
  return randomUUID().slice(0, 8);
}

export class Membership {
  private readonly hostLease: HostLease;
  /** The machines this host owns, told to the orchestrator as they change (./owned-set). */
  private readonly owned: OwnedSet;
  /** Every machine's holder (the driver named in VM writes), kept from the watch (./owner-book). */
  private readonly book: OwnerBook;
  /** The machines this host should own, for the last host list (what a released key may be for). */
  private mine: ReadonlySet<string> = new Set();
  /** A rebalance is due after this watch response (a machine of this host's share came free). */
  private due = false;
  /** The hosts changed since the running rebalance read them: its claims and releases stop. */
  private hostsMoved = false;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** The live hosts at the last rebalance; null before the first. */
  private live: Set<string> | null = null;
  /** This host's share of the machines, for the last host list (./rendezvous). */
  private share: Share;
  /** The fleet's machines (they change when an import switches the fleet's generation). */
  private machines: readonly string[];
  private machineSet: ReadonlySet<string>;
  /** The hosts as last read (for `flylight cluster`, which must answer while claims are in flight). */
  private hostRecords: HostRecord[] = [];
  /** Set after a switch of generation until the next rebalance has claimed this host's share. */
  private switchSettled: { done: Promise<void>; resolve: () => void } | null = null;
  /** The next rebalance looks for VMs mid-stage that no live host drives (after a switch). */
  private lookForOrphans = false;
  private record: HostRecord | null = null;
  /** The orchestrator's actor counts, written for `flylight cluster` (./actor-report). */
  private readonly actors: ActorReport;

  constructor(
    readonly id: string,
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly store: EtcdStoreConfig,
    private readonly probes: Map<string, Etcd3>,
    machines: readonly string[],
    private readonly log: Log,
    private readonly events: MembershipEvents = {},
    /** The last revision of the fleet this host has applied (what `flylight cluster` shows). */
    private readonly revision: () => string = () => '0',
  ) {
    this.machines = machines;
    this.machineSet = new Set(machines);
    this.share = new Share(id, machines);
    this.book = new OwnerBook(client, keys);
    this.owned = new OwnedSet((list) => this.events.owned?.(list));
    this.actors = new ActorReport(
      this.actorsKey(id),
      () => this.hostLease?.current ?? null,
      (msg, fields) => log('warn', msg, fields),
    );
    this.hostLease = new HostLease(
      client,
      {
        granted: (lease, id) => this.register(lease, id.hex),
        health: (refusal) => {
          // Not renewed for a whole TTL: etcd may have given our machines to others already.
          if (refusal !== null) this.dropAll();
          else this.changed();
          this.events.lease?.(refusal);
        },
        diagnose: (lastError) => diagnose(client, probes, store, new Error(lastError)),
      },
      log,
      store.leaseTtlS ?? HOST_LEASE_TTL_S,
    );
  }

  /** Keep-alives of this host's lease, answered and failed (for /metrics). */
  get renewals(): { ok: number; failed: number } {
    return this.hostLease.renewals;
  }

  /** Why this host may not launch now (its lease), or null. */
  get leaseRefusal(): string | null {
    return this.hostLease.unhealthy;
  }

  /**
   * The host whose stages a VM on `machine` runs on: its owner as last read from etcd, or,
   * while it has none (ownership moving), the one the bounded rendezvous hashing gives it.
   */
  driverOf(machine: string): string {
    if (this.owned.has(machine)) return this.id;
    const held = this.holders.get(machine);
    if (held !== undefined) return held;
    return (this.live && this.share.ownerAmong(machine, [...this.live].sort())) ?? this.id;
  }

  /** The host that holds `machine` now (as last read from etcd), or null while it moves. */
  holderOf(machine: string): string | null {
    return this.owned.has(machine) ? this.id : (this.holders.get(machine) ?? null);
  }

  /**
   * The VMs mid-stage on machines this host owns that no live host drives: left by hosts that
   * are gone, or by this host's own orchestrator before it was rebuilt (its timers went with it).
   */
  async orphans(): Promise<Vm[]> {
    // After a switch, the orchestrator rebuilt on the new fleet asks at once: answer once this
    // host holds its share of the new machines, or the imported VMs left mid-stage are missed.
    const settling = this.switchSettled?.done;
    if (settling) await Promise.race([settling, new Promise((r) => setTimeout(r, SWITCH_SETTLE_MS).unref?.())]);
    const live = new Set(this.live ?? (await this.hosts()).map((h) => h.id));
    live.delete(this.id);
    return findOrphans(this.client, this.keys, live, this.owned);
  }

  /** The machines this host owns now. */
  ownedMachines(): string[] {
    return this.owned.sorted();
  }

  /**
   * The fleet switched generation (an import, or a reset after one): its machines are these now.
   * Machines in both keep their owner keys (the same hosts hash them the same way); this host
   * releases those of machines that are gone and claims its share of the new ones.
   */
  switchFleet(machines: readonly string[]): void {
    this.machines = machines;
    this.machineSet = new Set(machines);
    this.share = new Share(this.id, machines);
    for (const m of [...this.owned]) if (!this.machineSet.has(m)) this.owned.mark(m, false);
    if (!this.switchSettled) {
      let resolve = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      this.switchSettled = { done, resolve };
    }
    this.lookForOrphans = true;
    this.owned.tell();
    this.changed();
  }

  /** Registers this host under a fresh lease and takes its share of the machines. */
  async start(): Promise<void> {
    await this.hostLease.start();
  }

  /** The orchestrator's actor counts, written for `flylight cluster` (at most twice a second). */
  reportActors(counts: ActorCounts): void {
    this.actors.report(counts);
  }

  private actorsKey(host: string): string {
    return `${this.keys.root}actors/${host}`;
  }

  private async register(lease: Lease, hex: string): Promise<void> {
    const record: HostRecord = {
      id: this.id,
      hostname: hostname(),
      pid: process.pid,
      started_at: this.record?.started_at ?? new Date().toISOString(),
      lease: hex,
    };
    await lease.put(this.keys.host(this.id)).value(JSON.stringify(record));
    this.record = record;
    this.actors.write(); // under the new lease too
    this.log('info', 'joined the shared fleet', { host: this.id, lease: hex, ttl_s: this.hostLease.ttlS });
    this.changed();
  }

  /** Every machine's holder as this host knows it (change it only through the book). */
  get holders(): Map<string, string> {
    return this.book.holders;
  }

  /** The other hosts, as the last rebalance read them. */
  readonly others = (): HostRecord[] => this.hostRecords.filter((h) => h.id !== this.id);

  /** This host's machines are no longer known to be its own: their actors stop here. */
  private dropAll(): void {
    for (const m of this.owned) this.holders.delete(m);
    this.owned.clear();
    this.book.forget(); // read them whole when the lease is healthy again
    this.owned.tell();
  }

  /** The watch lost its place: the owner keys are read whole again at the next rebalance. */
  forgetOwners(): void {
    this.book.forget();
    this.changed();
  }

  /**
   * An owner key changed (`holder` null: deleted), as the watch tells it at revision `rev`. Kept in
   * the holders map; a machine of this host's share that came free makes a rebalance due.
   */
  ownerEvent(machine: string, holder: string | null, rev: string): void {
    if (!this.book.event(machine, holder, rev)) return;
    const mineNow = holder === this.id && this.machineSet.has(machine);
    this.owned.mark(machine, mineNow);
    // While a rebalance runs, its share and owner reads may predate this release: look again after it.
    if (holder === null && (this.mine.has(machine) || this.running !== null)) this.due = true;
  }

  /** The end of a watch response: rebalance if hosts changed or a machine is due; else tell what moved. */
  followed(hostsChanged: boolean): void {
    if (hostsChanged) this.hostsMoved = true;
    if (hostsChanged || this.due || !this.book.current) {
      this.due = false;
      this.changed();
    }
    this.owned.tellSoon();
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
    this.actors.stop();
    this.owned.stop();
    await this.running;
    await this.hostLease.stop();
  }

  private async hosts(): Promise<HostRecord[]> {
    const got = await this.client.getAll().prefix(this.keys.hosts).strings();
    return Object.values(got)
      .map((v) => parseValue<HostRecord>(v))
      .filter((h): h is HostRecord => h !== null && typeof h.id === 'string');
  }

  private async rebalance(): Promise<void> {
    const lease = this.hostLease.current;
    if (!lease || this.stopped || this.hostLease.unhealthy) return;
    const leaseDec = this.hostLease.id.dec;
    this.hostsMoved = false;
    const hosts = await this.hosts();
    this.hostRecords = hosts;
    const ids = hosts.map((h) => h.id).sort();
    if (!ids.includes(this.id)) return; // not registered (yet, or again)
    const settled = this.switchSettled;
    const orphansToo = this.lookForOrphans;
    this.lookForOrphans = false;
    const owners = await this.book.all((m, holder, rev) => this.ownerEvent(m, holder, rev));
    const claim: string[] = [];
    const release: string[] = [];
    const share = this.share;
    const mine = await share.of(ids);
    if (share !== this.share) return this.changed(); // the fleet switched meanwhile: again, on the new one
    this.mine = mine;
    for (const m of this.machines) {
      const want = mine.has(m);
      const holder = owners.get(m);
      this.owned.mark(m, holder === this.id);
      if (want && holder === undefined) claim.push(m);
      if (!want && holder === this.id) release.push(m);
    }
    // Machines an import took out of the fleet: their owner keys go.
    for (const [m, holder] of owners) if (holder === this.id && !this.machineSet.has(m)) release.push(m);
    // Either stops when the hosts change meanwhile (the next run works from the new list: a host
    // that registered first and saw itself alone would otherwise go on claiming the whole fleet
    // against the others), or the lease is in doubt; a claim also skips keys the watch has since
    // shown held.
    const going = () => !this.hostsMoved && !this.stopped && !this.hostLease.unhealthy;
    let released = 0;
    let claimed = 0;
    await releaseOwners(this.client, this.keys, this.id, release, {
      still: going,
      done: (batch) => {
        released += batch.length;
        for (const m of batch) {
          this.owned.mark(m, false);
          this.holders.delete(m); // its next owner (rendezvous) drives what is written meanwhile
        }
      },
    });
    await claimOwners(this.client, this.keys, this.id, leaseDec, claim, {
      still: (m) => going() && !this.holders.has(m),
      done: (batch) => {
        claimed += batch.length;
        for (const m of batch) {
          this.owned.mark(m, true);
          this.holders.set(m, this.id);
        }
      },
    });
    // A host gone (or this host's first look): its unfinished stages on our machines are ours.
    const before = this.live;
    this.live = new Set(ids);
    if (orphansToo || before === null || [...before].some((h) => !this.live?.has(h))) {
      const vms = await findOrphans(this.client, this.keys, this.live, this.owned);
      if (vms.length > 0) {
        this.log('info', 'taking over VMs left mid-stage by a host that is gone', { host: this.id, vms: vms.length });
        this.events.orphaned?.(vms);
      }
    }
    this.owned.tell();
    const cut = !going(); // a next run follows (hosts moved) or the lease is in doubt
    if (settled && settled === this.switchSettled && !cut) {
      this.switchSettled = null;
      settled.resolve();
    }
    if (claim.length + release.length > 0) {
      this.log('info', 'machine ownership moved', {
        host: this.id,
        hosts: ids.length,
        claimed,
        released,
        owned: this.owned.size,
        ...(cut ? { cut_short: 'the hosts changed meanwhile; the next rebalance goes on' } : {}),
      });
    }
  }

  /** Hosts, their leases and machines, and etcd's members and leader (`flylight cluster`): ./cluster-view. */
  view(): Promise<ClusterView> {
    const hosts = this.hostRecords.length > 0 ? this.hostRecords : this.record ? [this.record] : [];
    return clusterView({
      client: this.client,
      probes: this.probes,
      store: this.store,
      self: this.id,
      hosts,
      holders: this.holders,
      machines: this.machines,
      machineSet: this.machineSet,
      actorsPrefix: this.actorsKey(''),
      revision: this.revision(),
      leaseTtlS: this.hostLease.ttlS,
    });
  }
}
