// Thread crossings batched per event-loop turn. A postMessage costs far more than the clone of
// one small request (a lock, a wake-up of the other thread, a task there), and under load the
// proxy answers many requests in one turn: so messages for one port are gathered during the
// turn and crossed as one array at its end. The receiving side unpacks the array and handles
// each message as if it had come alone, in order.
//
// Messages nobody waits on (events: a launch makes four `vm` events for two subscribers) may
// linger instead: at most one such crossing per LINGER_MS under load (coalesce.ts), so that many
// turns' worth cross together; measured on two cores, a crossing costs the two threads about
// 25 µs of CPU before any cloning, more than the clone of a VM. A message somebody waits on (a
// call, an answer) is never held back: it goes at the end of its turn and takes whatever
// lingers with it, in order.

import { Coalescer, endOfTurn } from './coalesce';

/** What crosses a port: one message, or several gathered in one turn. */
export interface RpcBatch {
  t: 'batch';
  m: unknown[];
}

export function isBatch(msg: unknown): msg is RpcBatch {
  return (msg as RpcBatch | null)?.t === 'batch' && Array.isArray((msg as RpcBatch).m);
}

/** Each message alone, whether it came alone or in a batch. */
export function unpack(msg: unknown, each: (m: unknown) => void): void {
  if (!isBatch(msg)) {
    each(msg);
    return;
  }
  for (const m of msg.m) each(m);
}

/** Under load, how long a lingering message may wait for company. */
export const LINGER_MS = 10;

interface Queued {
  msg: unknown;
  /** Told when this message cannot cross (it does not clone, or the port is closed). */
  failed: (err: unknown) => void;
}

/**
 * Gathers messages for one port and posts them once per turn. A message that cannot be
 * cloned fails alone: the batch is sent again message by message, so one bad value never
 * takes its neighbours down with it.
 */
export class Outbox {
  private queue: Queued[] = [];
  /** A flush at the end of this turn is due. */
  private scheduled = false;
  /** When lingering messages alone are queued: their flush. */
  private readonly lingering: Coalescer;
  private closed = false;

  constructor(
    private readonly post: (message: unknown) => void,
    lingerMs = LINGER_MS,
  ) {
    // Not keeping the process alive: the port's owner flushes on close.
    this.lingering = new Coalescer(() => this.flush(), lingerMs, true);
  }

  /** `linger`: nobody waits on this message, so under load it may wait for company (see above). */
  send(msg: unknown, failed: (err: unknown) => void, linger = false): void {
    if (this.closed) {
      failed(new Error('the port is closed'));
      return;
    }
    this.queue.push({ msg, failed });
    if (this.scheduled) return;
    if (linger) {
      this.lingering.schedule();
      return;
    }
    this.scheduled = true;
    endOfTurn(() => this.flush());
  }

  /** Posts what is queued now (also called at the end of the turn, or when lingering is over). */
  flush(): void {
    this.scheduled = false;
    this.lingering.done();
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    if (q.length === 1) {
      this.postOne(q[0]);
      return;
    }
    // Built by push, not map: an optimised map makes a holey array, which V8 clones as a sparse
    // one (every element read back as a keyed property on the receiving thread).
    const m: unknown[] = [];
    for (const x of q) m.push(x.msg);
    try {
      this.post({ t: 'batch', m } satisfies RpcBatch);
    } catch {
      for (const x of q) this.postOne(x);
    }
  }

  /** Drops what is queued: the port is gone, and its callers are failed by their owner. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.lingering.done();
  }

  private postOne(x: Queued): void {
    try {
      this.post(x.msg);
    } catch (err) {
      x.failed(err);
    }
  }
}
