// Server-sent events: every store change goes to every open `GET /v1/events` stream. Each
// event is serialised once, however many clients listen, and not at all while none does (a
// launch makes four events: kept for a reconnect's replay, framed only if one asks); a client
// that cannot keep up is cut off (it reconnects and resynchronises) rather than growing the
// worker's memory, and told why in a last frame (cutOff).

import type { StoreEvent, WorkerStatus } from '../../shared/types';

/** What the hub needs of a response stream (node's ServerResponse fits). */
export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  readonly writableLength: number;
  /** Ended by us (a cut-off): nothing more may be written (node would emit an error). */
  readonly writableEnded?: boolean;
}

/** Why a stream was ended by the proxy rather than by its client. */
export type DropReason = 'slow_consumer';

export interface EventHubOptions {
  heartbeatMs?: number;
  /** Bytes a slow client may have queued before it is dropped. */
  maxBufferedBytes?: number;
  /** Recent events kept to answer a reconnect's Last-Event-ID. */
  replay?: number;
  maxClients?: number;
  /** Told of each stream the hub cuts off (for /metrics). */
  onDrop?: (reason: DropReason) => void;
}

/**
 * How long a client cut off for being slow has to read what is queued and then the reason;
 * one that reads nothing by then loses the connection.
 */
export const CUT_OFF_GRACE_MS = 30_000;

/** The last frame of a stream cut off for being slow: `event: error` with the reason as JSON. */
export function slowConsumerFrame(maxBufferedBytes: number): string {
  const size =
    maxBufferedBytes >= 1 << 20
      ? `${Math.round((maxBufferedBytes / (1 << 20)) * 10) / 10} MB`
      : `${maxBufferedBytes} bytes`;
  const message = `this stream was closed because more than ${size} of it was waiting unread (the client reads more slowly than events arrive); reconnect to resume (Last-Event-ID replays what the host still keeps)`;
  return `event: error\ndata: ${JSON.stringify({ code: 'slow_consumer', message })}\n\n`;
}

/**
 * Ends a stream whose client has fallen more than `maxBufferedBytes` behind: the reason goes
 * after what it has not read yet, then the stream ends; a client that reads none of it within
 * CUT_OFF_GRACE_MS loses the connection. Nothing more is written to it.
 */
export function cutOff(sink: SseSink, maxBufferedBytes: number): void {
  try {
    sink.write(slowConsumerFrame(maxBufferedBytes));
    sink.end();
  } catch {
    sink.destroy();
    return;
  }
  const timer = setTimeout(() => sink.destroy(), CUT_OFF_GRACE_MS);
  timer.unref?.();
}

/** Whether a sink still takes frames (not ended by a cut-off, not closed). */
export function writable(sink: SseSink): boolean {
  return sink.writableEnded !== true;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const;

/** One SSE frame for a store event. JSON never contains a raw newline, so `data:` is one line. */
export function frameOf(e: StoreEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

function frameOrNull(e: StoreEvent): string | null {
  try {
    return frameOf(e);
  } catch {
    return null;
  }
}

export class EventHub {
  private readonly clients = new Set<SseSink>();
  /** The newest events for a reconnect's replay; `frame` is made when first needed. */
  private readonly recent: { seq: number; event: StoreEvent; frame: string | null }[] = [];
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly opts: Required<EventHubOptions>;

  constructor(opts: EventHubOptions = {}) {
    this.opts = {
      heartbeatMs: 15_000,
      maxBufferedBytes: 1 << 20,
      replay: 1000,
      maxClients: 256,
      onDrop: () => {},
      ...opts,
    };
  }

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  /**
   * Starts a stream on `sink` (headers already sent). With a Last-Event-ID whose successors are
   * all still remembered, the missed events are replayed; otherwise the client resyncs itself.
   * Returns the detach function (call it when the connection closes).
   */
  attach(sink: SseSink, lastEventId?: string): () => void {
    let head = ': connected\nretry: 2000\n\n';
    const last = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : null;
    if (last !== null && this.recent.length > 0 && this.recent[0].seq <= last + 1) {
      for (const r of this.recent) {
        if (r.seq <= last) continue;
        r.frame ??= frameOrNull(r.event);
        if (r.frame !== null) head += r.frame;
      }
    }
    this.clients.add(sink);
    this.send(sink, head);
    this.startHeartbeat();
    return () => this.detach(sink);
  }

  publish(e: StoreEvent): void {
    // Framed now only for clients that are listening now; not serialisable: nothing to read.
    const frame = this.clients.size > 0 ? frameOrNull(e) : null;
    const seq = typeof e.seq === 'number' ? e.seq : Number.NaN;
    // A restarted store counts from the start again: old events would replay wrongly.
    const tail = this.recent[this.recent.length - 1];
    if (tail && !(seq > tail.seq)) this.recent.length = 0;
    if (Number.isFinite(seq)) {
      this.recent.push({ seq, event: e, frame });
      if (this.recent.length > this.opts.replay) this.recent.shift();
    }
    if (frame !== null) for (const c of this.clients) this.send(c, frame);
  }

  /**
   * The host's worker states, so a browser dashboard can say "recovering" while a worker
   * restarts, as the desktop window does. Not numbered and not replayed: only the latest counts.
   */
  publishWorkers(workers: WorkerStatus[]): void {
    let frame: string;
    try {
      frame = `event: workers\ndata: ${JSON.stringify({ workers })}\n\n`;
    } catch {
      return;
    }
    for (const c of this.clients) this.send(c, frame);
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const c of [...this.clients]) {
      this.detach(c);
      try {
        c.end();
      } catch {
        // already gone
      }
    }
  }

  private detach(sink: SseSink): void {
    this.clients.delete(sink);
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private send(sink: SseSink, chunk: string): void {
    try {
      if (!writable(sink)) {
        this.detach(sink);
        return;
      }
      if (sink.writableLength > this.opts.maxBufferedBytes) {
        this.detach(sink);
        cutOff(sink, this.opts.maxBufferedBytes);
        this.opts.onDrop('slow_consumer');
        return;
      }
      sink.write(chunk);
    } catch {
      this.detach(sink);
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    // Keeps idle connections (and any proxy between) from timing out, and finds dead clients.
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) this.send(c, ': heartbeat\n\n');
    }, this.opts.heartbeatMs);
    this.heartbeat.unref?.();
  }
}
