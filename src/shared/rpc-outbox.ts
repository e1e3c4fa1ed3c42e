// Thread crossings batched per event-loop turn. A postMessage costs far more than the clone of
// one small request (a lock, a wake-up of the other thread, a task there), and under load the
// proxy answers many requests in one turn: so messages for one port are gathered during the
// turn and crossed as one array at its end. The receiving side unpacks the array and handles
// each message as if it had come alone, in order.

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

/** The end of the current turn: after the I/O callbacks of this turn, before the next wait. */
const endOfTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => queueMicrotask(fn);

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
  private scheduled = false;
  private closed = false;

  constructor(private readonly post: (message: unknown) => void) {}

  send(msg: unknown, failed: (err: unknown) => void): void {
    if (this.closed) {
      failed(new Error('the port is closed'));
      return;
    }
    this.queue.push({ msg, failed });
    if (this.scheduled) return;
    this.scheduled = true;
    endOfTurn(() => this.flush());
  }

  /** Posts what is queued now (also called at the end of the turn). */
  flush(): void {
    this.scheduled = false;
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    if (q.length === 1) {
      this.postOne(q[0]);
      return;
    }
    try {
      this.post({ t: 'batch', m: q.map((x) => x.msg) } satisfies RpcBatch);
    } catch {
      for (const x of q) this.postOne(x);
    }
  }

  /** Drops what is queued: the port is gone, and its callers are failed by their owner. */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private postOne(x: Queued): void {
    try {
      this.post(x.msg);
    } catch (err) {
      x.failed(err);
    }
  }
}
