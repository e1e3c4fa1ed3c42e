// Writes whose outcome the store left unknown: it died, or timed out, between doing a write and
// answering. Until such a write is settled MachineD cannot know whether to free the resources,
// so each one is kept here as an idempotent "find out and finish" step and retried on every
// FlyD tick until the store answers. Without this a store crash could leave a VM recorded that
// nobody acknowledged, or a destroyed VM's resources held forever.

import { toErrorBody } from '../../shared/errors';
import type { Logger } from '../common/log';

interface Entry {
  attempt: () => Promise<void>;
  /** The try in progress, resolving to whether it settled. */
  running: Promise<boolean> | null;
}

export class Unsettled {
  private readonly pending = new Map<string, Entry>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.pending.size;
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Keeps `attempt` to be retried by retry() until one run of it resolves. */
  add(key: string, attempt: () => Promise<void>): void {
    this.pending.set(key, { attempt, running: null });
  }

  /** Forgets `key`: what it would have finished was done another way. */
  drop(key: string): void {
    this.pending.delete(key);
  }

  /** Tries every entry not already being tried; resolves when this round's tries are done. */
  async retry(): Promise<number> {
    const round = [...this.pending].filter(([, e]) => !e.running);
    const settled = await Promise.all(round.map(([key, e]) => this.run(key, e)));
    return settled.filter(Boolean).length;
  }

  /** Settles `key` now (or waits for the try in progress); true when nothing is left unknown. */
  settleNow(key: string): Promise<boolean> {
    const e = this.pending.get(key);
    if (!e) return Promise.resolve(true);
    return e.running ?? this.run(key, e);
  }

  private run(key: string, e: Entry): Promise<boolean> {
    e.running = this.attempt(key, e).finally(() => {
      e.running = null;
    });
    return e.running;
  }

  private async attempt(key: string, e: Entry): Promise<boolean> {
    try {
      await e.attempt();
      if (this.pending.get(key) === e) this.pending.delete(key);
      this.log.info('settled a store write left unknown', { key });
      return true;
    } catch (err) {
      this.log.debug('store write still unknown; retrying next tick', { key, error: toErrorBody(err).message });
      return false;
    }
  }
}
