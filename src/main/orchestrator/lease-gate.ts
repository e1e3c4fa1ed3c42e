// A shared fleet's launches wait on this host's etcd lease: a host that has not renewed it for
// a whole TTL may no longer own its machines (from inside, a partition looks the same as etcd
// expiring the lease), so it places nothing until the store says the lease is healthy again.
// Checked before placing, not left to the commit failing: a launch hears why at once.

import { ApiError } from '../../shared/errors';
import type { Logger } from '../common/log';

export class LeaseGate {
  private refusal: string | null = null;

  constructor(private readonly log: Logger) {}

  /** The store's word: why launches are refused now (null: they are not). */
  set(refusal: string | null): void {
    if (refusal !== null && refusal !== this.refusal) {
      this.log.warn('refusing launches: this host cannot renew its etcd lease', { reason: refusal });
    } else if (refusal === null && this.refusal !== null) {
      this.log.info('etcd lease renewed again; taking launches');
    }
    this.refusal = refusal;
  }

  /** Throws `unavailable` (503) naming the reason while the lease is not known to be held. */
  check(): void {
    // `answered`: the orchestrator's own word, not an outage (the gate's breaker stays closed).
    if (this.refusal) throw new ApiError('unavailable', this.refusal, { lease: 'expired', answered: true });
  }
}
