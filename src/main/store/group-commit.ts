// Group commit: every write the store is asked for during one event-loop turn (VM records of
// many launches, FlyD's machine updates) goes to the durable backend as ONE transaction, and
// each caller is answered when that transaction is on disk. A launch is still acknowledged
// only after its record is durable (kill -9 loses nothing acknowledged: see
// test/integration/durability.test.ts); what changes is that a hundred launches share one
// transaction and one fsync instead of queueing a hundred of each.
//
// Each caller's ops stay together and in order inside the batch, so what was atomic alone is
// atomic in the batch. If the batch fails, nothing of it was written, and every caller in it
// is told so (they all get the error): none is acknowledged for a write that did not happen.

import type { BackendContents, BackendOp, BackendSnapshot, StoreBackend } from './backend';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit implements StoreBackend {
  private ops: BackendOp[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  /**
   * Batches handed to the backend and not yet answered. They are not chained: the backend
   * applies commits in the order it is given them (LMDB in place, after any clear or import
   * under way; memory at once).
   */
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches committed and ops written, for tests and status. */
  readonly counts = { batches: 0, ops: 0 };

  /** `inner` is the backend that writes (LMDB); exposed for its own tests. */
  constructor(readonly inner: StoreBackend) {}

  get kind(): string {
    return this.inner.kind;
  }

  load(): Promise<BackendSnapshot> {
    return this.inner.load();
  }

  commit(ops: BackendOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      for (const op of ops) this.ops.push(op);
      this.waiters.push({ resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // The end of this turn: every write asked for in it joins the batch.
      setImmediate(() => void this.flush());
    });
  }

  /** Hands what is gathered now to the backend as one commit. */
  private flush(): void {
    this.scheduled = false;
    if (this.waiters.length === 0) return;
    const ops = this.ops;
    const waiters = this.waiters;
    this.ops = [];
    this.waiters = [];
    let done: Promise<void>;
    try {
      done = this.inner.commit(ops);
    } catch (err) {
      done = Promise.reject(err);
    }
    const settled = done.then(
      () => {
        this.counts.batches++;
        this.counts.ops += ops.length;
        for (const w of waiters) w.resolve();
      },
      (err) => {
        for (const w of waiters) w.reject(err);
      },
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  /** Every write asked for so far, durable (or failed). */
  private async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  /**
   * Writes already asked for are handed over first, then the clear, in that order and at once:
   * the backend keeps that order, and a write asked for after this call lands after the clear.
   */
  clear(): Promise<void> {
    this.flush();
    return this.inner.clear();
  }

  /** A scenario import: like clear(), in order after every write asked for before it. */
  replace(contents: BackendContents): Promise<void> {
    this.flush();
    return this.inner.replace(contents);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.inner.close();
  }
}
