// The circuit breaker between the proxy and the orchestrator. When the orchestrator stops
// answering (restarting, wedged, or drowning), requests fail at once with 503 and a reason
// instead of each waiting out its RPC deadline and piling up behind the others. After a
// cool-down one request probes it; its success closes the breaker again.

import { ApiError, toErrorBody } from '../../shared/errors';
import type { BreakerStatus } from '../../shared/types';
import type { Clock } from './limits';

export type BreakerState = BreakerStatus['state'];

export interface BreakerOptions {
  /** Who is behind it, for messages: "orchestrator is not answering…". */
  peer: string;
  /** Consecutive failures that open it. */
  failures: number;
  cooldownMs: number;
  /** Calls waiting at once that count as piling up: it opens instead of adding more. */
  maxInFlight: number;
  now?: Clock;
  /** Told about every state change (for the log). */
  onChange?: (state: BreakerState, reason: string) => void;
}

/**
 * Errors that say the peer is not answering; anything else is an answer (no_capacity, not_found…),
 * and so is a launch that lost its room to concurrent launches (`lost_race`): the orchestrator
 * answered "try again", and under contention counting those would open the breaker on a peer
 * that is answering every call. Likewise a refusal the orchestrator decided itself (`answered`:
 * a shared host whose etcd lease lapsed refuses launches at once, and says why).
 */
function isOutage(err: unknown): boolean {
  const { code, details } = toErrorBody(err);
  return (code === 'unavailable' || code === 'timeout') && details?.lost_race !== true && details?.answered !== true;
}

export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  private inFlight = 0;
  private opened = 0;
  private readonly now: Clock;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs `fn` unless the breaker is open; counts its outcome. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    const probe = this.admit();
    this.inFlight++;
    try {
      const value = await fn();
      this.succeeded();
      return value;
    } catch (err) {
      if (isOutage(err)) this.failed(toErrorBody(err).message);
      else this.succeeded();
      throw err;
    } finally {
      this.inFlight--;
      if (probe) this.probing = false;
    }
  }

  /**
   * The host says every worker is ready again: end the cool-down now and let the next request
   * probe, instead of failing fast for the rest of it.
   */
  recovered(): void {
    if (this.state !== 'open') return;
    this.state = 'half_open';
    this.opts.onChange?.('half_open', 'the host reports every worker ready; the next request checks the peer');
  }

  status(): BreakerStatus {
    this.tick();
    const s: BreakerStatus = { state: this.state, failures: this.consecutive, opened: this.opened };
    if (this.state === 'open') s.retry_after_s = this.retryAfterS();
    return s;
  }

  /** Throws the fail-fast error, or returns whether this call is the half-open probe. */
  private admit(): boolean {
    this.tick();
    const { peer } = this.opts;
    if (this.state === 'open') {
      const s = this.retryAfterS();
      throw new ApiError(
        'unavailable',
        `${peer} is not answering; failing fast for ${s} s (then one request checks it again)`,
        { retry_after_s: s, breaker: 'open' },
      );
    }
    if (this.state === 'half_open') {
      if (this.probing) {
        throw new ApiError('unavailable', `${peer} is recovering; failing fast while one request checks it`, {
          retry_after_s: 1,
          breaker: 'half_open',
        });
      }
      this.probing = true;
      return true;
    }
    if (this.inFlight >= this.opts.maxInFlight) {
      this.open(`${this.inFlight} calls are waiting for the ${peer}`);
      const s = this.retryAfterS();
      throw new ApiError(
        'unavailable',
        `${peer} has ${this.inFlight} calls waiting; failing fast for ${s} s instead of adding more`,
        { retry_after_s: s, breaker: 'open' },
      );
    }
    return false;
  }

  private tick(): void {
    if (this.state === 'open' && this.now() - this.openedAt >= this.opts.cooldownMs) {
      this.state = 'half_open';
      this.opts.onChange?.('half_open', 'cool-down over; the next request checks the peer');
    }
  }

  private retryAfterS(): number {
    return Math.max(1, Math.ceil((this.openedAt + this.opts.cooldownMs - this.now()) / 1000));
  }

  private succeeded(): void {
    this.consecutive = 0;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.opts.onChange?.('closed', `the ${this.opts.peer} answered again`);
    }
  }

  private failed(reason: string): void {
    this.consecutive++;
    if (this.state === 'half_open') this.open(`the probe failed: ${reason}`);
    else if (this.state === 'closed' && this.consecutive >= this.opts.failures)
      this.open(`${this.consecutive} failures in a row, the last: ${reason}`);
  }

  private open(reason: string): void {
    this.state = 'open';
    this.openedAt = this.now();
    this.opened++;
    this.opts.onChange?.('open', reason);
  }
}
