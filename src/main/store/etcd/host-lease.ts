// A host's etcd lease: granted at join, renewed every third of its TTL by the client, and the
// one thing that entitles the host to its machines. A host that has not renewed it for a whole
// TTL cannot know whether etcd still holds it (a partition looks the same from inside as
// etcd expiring it), so from then on it behaves as if it had lost it: it takes no launches
// and runs no machine's actors, until a renewal (or a new lease) says otherwise. A lease etcd
// did expire is replaced by a new one, tried again until etcd answers.

import type { Etcd3, Lease } from 'etcd3';
import { LEASE_TTL } from '../../../shared/store-spec';

/**
 * The default TTL (`serve --lease-ttl` sets another): a dead host's machines move to the
 * survivors within it (plus one watch round trip).
 */
export const HOST_LEASE_TTL_S = LEASE_TTL.default;
/** How often the lease's health is looked at (a refusal starts at most this late). */
const CHECK_MS = 250;
/** Between attempts to grant a new lease while etcd does not answer. */
const REGRANT_MS = 1000;

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export interface LeaseEvents {
  /** A lease was granted (at join, or after the last one was lost): register under it. */
  granted(lease: Lease, id: { dec: string; hex: string }): Promise<void>;
  /** The lease turned unhealthy (why; told again once the cause is known) or healthy again (null). */
  health(refusal: string | null): void;
  /** Why etcd does not answer, in words (lost quorum, unreachable…), from the last error seen. */
  diagnose?(lastError: string): Promise<string>;
}

export class HostLease {
  private lease: Lease | null = null;
  private dec = '0';
  private hex = '';
  /** When etcd last confirmed the lease (grant or keep-alive answered). */
  private renewedAt = 0;
  private lastError = '';
  private refusal: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  /** Keep-alives answered and failed (for /metrics). */
  readonly renewals = { ok: 0, failed: 0 };

  constructor(
    private readonly client: Etcd3,
    private readonly events: LeaseEvents,
    private readonly log: Log,
    /** The lease's TTL in seconds: etcd expires it when not renewed for that long. */
    readonly ttlS: number = HOST_LEASE_TTL_S,
    private readonly now: () => number = Date.now,
  ) {}

  get id(): { dec: string; hex: string } {
    return { dec: this.dec, hex: this.hex };
  }

  get current(): Lease | null {
    return this.lease;
  }

  /** Why this host may not act as an owner now (its lease is not known to be held), or null. */
  get unhealthy(): string | null {
    return this.refusal;
  }

  /** Grants the first lease (throws if etcd does not answer) and starts watching its health. */
  async start(): Promise<void> {
    await this.grant();
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.lease?.revoke().catch(() => {});
  }

  private async grant(): Promise<void> {
    const lease = this.client.lease(this.ttlS, { autoKeepAlive: true });
    this.dec = await lease.grant();
    this.hex = BigInt(this.dec).toString(16);
    this.lease = lease;
    this.renewedAt = this.now();
    lease.on('keepaliveSucceeded', () => {
      if (this.lease !== lease) return;
      this.renewals.ok++;
      this.renewedAt = this.now();
    });
    // etcd3 types this argument as a response, but emits the gRPC error that failed the renewal.
    lease.on('keepaliveFailed', (err: unknown) => {
      if (this.lease !== lease) return;
      this.renewals.failed++;
      this.lastError = (err as Error)?.message ?? String(err);
    });
    lease.on('lost', (err) => {
      if (this.stopped || this.lease !== lease) return;
      // etcd expired it (we were cut off longer than the TTL): our machines went to others.
      this.log('warn', 'etcd lease lost; registering again', { error: err.message });
      this.lease = null;
      this.renewedAt = 0;
      this.lastError = err.message;
      this.check();
      void this.regrant();
    });
    await this.events.granted(lease, this.id);
    this.check();
  }

  private async regrant(): Promise<void> {
    while (!this.stopped && this.lease === null) {
      try {
        await this.grant();
        return;
      } catch (err) {
        this.lastError = (err as Error).message;
        await new Promise((r) => setTimeout(r, REGRANT_MS));
      }
    }
  }

  private check(): void {
    if (this.stopped) return;
    const since = this.now() - this.renewedAt;
    let refusal: string | null = null;
    if (this.lease === null) {
      refusal = "this host's etcd lease expired and a new one is not granted yet";
    } else if (since >= this.ttlS * 1000) {
      refusal = `this host has not renewed its etcd lease for ${(since / 1000).toFixed(1)} s (the TTL is ${this.ttlS} s), so it may no longer own its machines`;
    }
    // Only a change is news (the seconds in the message grow every check).
    if ((refusal === null) === (this.refusal === null)) {
      if (refusal !== null) this.refusal = refusal;
      return;
    }
    this.refusal = refusal;
    if (refusal === null) {
      this.events.health(null);
      return;
    }
    // Told at once (its machines are not its own from now on), then with the cause, as a launch
    // cut off by the same fault would say it.
    this.events.health(refusal);
    const told = refusal;
    const cause = this.events.diagnose
      ? this.events.diagnose(this.lastError || 'no renewal answered').catch(() => this.lastError)
      : Promise.resolve(this.lastError);
    void cause.then((why) => {
      if (this.refusal === null) return; // healthy again meanwhile
      this.refusal = `${told}: ${why || 'etcd does not answer'}`;
      this.events.health(this.refusal);
    });
  }
}
