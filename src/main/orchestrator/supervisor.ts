// one_for_one supervision with restart intensity, as OTP's supervisor does it: a crashed actor
// is restarted alone; more than `maxRestarts` restarts within `windowMs` means something is
// wrong beyond one actor, so the supervisor gives up and escalates (the host then restarts the
// whole worker, which rebuilds every actor from the store).

import type { Logger } from '../common/log';
import type { ActorCell, CrashHandler } from './actor';

export interface SupervisorOptions {
  maxRestarts: number;
  windowMs: number;
  log: Logger;
  escalate: (reason: string) => void;
  now?: () => number;
  /** Told of every restart done (the orchestrator publishes it as an `actor` event). */
  restarted?: (actor: string, cause: string, restarts: number) => void;
}

export class Supervisor implements CrashHandler {
  /** Restarts done since start (for stats and metrics). */
  restarts = 0;
  private escalatedReason: string | null = null;
  private recent: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
  }

  get escalated(): boolean {
    return this.escalatedReason !== null;
  }

  /**
   * Gives up at once: an actor's state cannot be rebuilt in place, so the whole worker must
   * be (from the store's durable VMs). Idempotent.
   */
  giveUp(actor: string, reason: string): void {
    if (this.escalatedReason !== null) return;
    this.escalatedReason = reason;
    this.options.log.error('escalating to a worker restart', { actor, reason });
    this.options.escalate(reason);
  }

  crashed(cell: ActorCell<never>, error: unknown, during: string): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.escalatedReason !== null) {
      // Already given up: the worker is about to be replaced; fail fast instead of restarting.
      cell.kill(this.escalatedReason);
      return;
    }
    const now = this.now();
    this.recent = this.recent.filter((t) => now - t < this.options.windowMs);
    this.recent.push(now);
    if (this.recent.length > this.options.maxRestarts) {
      const reason = `${this.recent.length} actor crashes within ${this.options.windowMs} ms (last: ${cell.name} on '${during}': ${message})`;
      this.escalatedReason = reason;
      this.options.log.error('restart intensity exceeded; escalating to a worker restart', {
        actor: cell.name,
        reason,
      });
      cell.kill(reason);
      this.options.escalate(reason);
      return;
    }
    this.restarts++;
    this.options.log.warn(`${cell.name} crashed; restarting it alone`, {
      actor: cell.name,
      during,
      error: message,
      restarts: this.restarts,
    });
    cell.restart();
    try {
      this.options.restarted?.(cell.name, message, this.restarts);
    } catch (err) {
      this.options.log.warn('reporting an actor restart failed', { actor: cell.name, error: String(err) });
    }
  }
}
