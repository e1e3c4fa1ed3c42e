// A shared fleet's traffic with etcd on /metrics: round trips, allocation transactions and the
// conflicts among them, lease renewals; and the machines this host owns, and whether its lease
// has lapsed (it then refuses launches). Counted in the store worker, set here at scrape time;
// registered on the first scrape that has them, so a host with its own store shows none.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { EtcdStats } from '../../shared/cluster';

export class EtcdMetrics {
  private registered = false;
  private readonly roundTrips = new Counter({
    name: 'flylight_etcd_round_trips_total',
    help: 'Calls this host sent to etcd members (each attempt of a request, each stream opened).',
    registers: [],
  });
  private readonly txns = new Counter({
    name: 'flylight_etcd_txns_total',
    help: "Allocation transactions sent to etcd (a VM with its machine's row, conditional on both).",
    registers: [],
  });
  private readonly conflicts = new Counter({
    name: 'flylight_etcd_txn_conflicts_total',
    help: "Allocation transactions that lost to another host's write and were computed again.",
    registers: [],
  });
  private readonly renewals = new Counter<'result'>({
    name: 'flylight_etcd_lease_renewals_total',
    help: "Keep-alives of this host's lease, by result (ok, failed).",
    labelNames: ['result'],
    registers: [],
  });

  private readonly owned = new Gauge({
    name: 'flylight_etcd_machines_owned',
    help: 'Machines this host owns (held under its lease): their MachineD and FlyD run here.',
    registers: [],
  });
  private readonly lapsed = new Gauge({
    name: 'flylight_etcd_lease_lapsed',
    help: 'Whether this host has gone a whole TTL without renewing its lease (1: it refuses launches).',
    registers: [],
  });

  constructor(private readonly registry: Registry) {}

  /** The store's figures (null: not a shared fleet, nothing to show). */
  set(stats: EtcdStats | null): void {
    if (!stats) return;
    if (!this.registered) {
      for (const c of [this.roundTrips, this.txns, this.conflicts, this.renewals, this.owned, this.lapsed])
        this.registry.registerMetric(c);
      this.registered = true;
    }
    setTo(this.roundTrips, stats.round_trips);
    setTo(this.txns, stats.txns);
    setTo(this.conflicts, stats.txn_conflicts);
    this.renewals.reset();
    this.renewals.inc({ result: 'ok' }, Math.max(0, stats.lease_renewals));
    this.renewals.inc({ result: 'failed' }, Math.max(0, stats.lease_renewal_failures));
    this.owned.set(Math.max(0, stats.machines_owned ?? 0));
    this.lapsed.set(stats.lease_lapsed ? 1 : 0);
  }
}

function setTo(c: Counter, value: number): void {
  c.reset();
  c.inc(Math.max(0, value));
}
