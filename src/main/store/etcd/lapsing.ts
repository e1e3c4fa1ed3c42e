// Other hosts whose etcd lease is lapsing, and the machines they hold. A host renews its lease
// every third of its TTL, so a lease with less than half its TTL left belongs to a host that
// missed a renewal: it is dead, partitioned or stalled, and unless it renews, etcd will hand
// its machines to the survivors when the lease runs out. A VM placed on one of them meanwhile
// is committed, but its create stage waits for the new owner (a TTL and more): launches are
// better placed elsewhere while other machines fit. Each other host's lease is asked about
// every POLL fraction of the TTL; the machines of the lapsing hosts are told when that set of
// hosts changes.

import type { Etcd3 } from 'etcd3';
import type { HostRecord } from './cluster-view';

/** The lease is asked about this often, as a fraction of the TTL (at least MIN_POLL_MS apart). */
const POLL = 1 / 10;
const MIN_POLL_MS = 250;

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

/**
 * A lease with `left` of `granted` seconds to live is lapsing (left < 0: etcd has expired it).
 * etcd reports the time left in whole seconds, cut down (3.9 s reads 3), so a lease renewed on
 * time could read below half its TTL: with a 5 s TTL, renewed every 1.7 s, it reads 3 s just
 * before each renewal, and 2 s if a renewal is a few hundred ms late under load. Lapsing is
 * called only once the time left is surely under half, whatever the cut: left + 1 <= TTL / 2.
 */
export function isLapsing(left: number, granted: number): boolean {
  return left < 0 || (granted > 0 && left + 1 <= granted / 2);
}

export class LapsingOwners {
  /** The other hosts whose lease is lapsing now. */
  private lapsing = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;

  constructor(
    private readonly client: Etcd3,
    /** The other live hosts, as last read. */
    private readonly others: () => readonly HostRecord[],
    /** Machine → the host holding it. */
    private readonly holders: () => ReadonlyMap<string, string>,
    /** Told the machines of the lapsing hosts (empty once none is). */
    private readonly tell: (machines: string[]) => void,
    private readonly log: Log,
    ttlS: number,
  ) {
    this.everyMs = Math.max(MIN_POLL_MS, ttlS * 1000 * POLL);
  }

  private readonly everyMs: number;

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Asks etcd about every other host's lease once; tells the machines if the set of lapsing hosts changed. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const hosts = this.others();
      const verdicts = await Promise.all(
        hosts.map((h) =>
          this.client.leaseClient.leaseTimeToLive({ ID: BigInt(`0x${h.lease}`).toString() }).then(
            (r) => isLapsing(Number(r.TTL), Number(r.grantedTTL)),
            // etcd does not answer (this host is cut off): its last word stands.
            () => this.lapsing.has(h.id),
          ),
        ),
      );
      const next = new Set(hosts.filter((_, i) => verdicts[i]).map((h) => h.id));
      if (next.size === this.lapsing.size && [...next].every((h) => this.lapsing.has(h))) return;
      const started = [...next].filter((h) => !this.lapsing.has(h));
      this.lapsing = next;
      const machines: string[] = [];
      for (const [m, h] of this.holders()) if (next.has(h)) machines.push(m);
      if (started.length > 0) {
        this.log('warn', "another host's etcd lease is lapsing; launches go to other machines while any fits", {
          hosts: started.join(','),
          machines: machines.length,
        });
      }
      this.tell(machines);
    } finally {
      this.polling = false;
    }
  }
}
