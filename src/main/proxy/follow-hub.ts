// Streams that start with a backlog and then follow: `GET /v1/events?since=SEQ` (the host's
// event log after SEQ, then each new entry) and `GET /v1/logs?follow=true` (the newest log
// records, then each new one). The backlog comes from the host while new entries may already
// be arriving, so a stream queues live entries until its backlog is written and drops those
// the backlog already held: nothing is missed, nothing shown twice.

import { cutOff, type DropReason, type SseSink, writable } from './events';

export interface FollowHubOptions {
  /** Comment lines that keep an idle stream open; 0 for none (a stream that has its own). */
  heartbeatMs?: number;
  /** Bytes a slow client may have queued before it is dropped. */
  maxBufferedBytes?: number;
  /** Told of each stream the hub cuts off (for /metrics). */
  onDrop?: (reason: DropReason) => void;
}

interface Follower<E> {
  accept: (e: E) => boolean;
  /** Live entries held back while the backlog is on its way; null once it is written. */
  queue: E[] | null;
}

export class FollowHub<E extends { seq: number }> {
  private readonly followers = new Map<SseSink, Follower<E>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private readonly onDrop: (reason: DropReason) => void;
  /** Called with the number of followers whenever it changes. */
  onCount: (n: number) => void = () => {};

  constructor(
    private readonly frame: (e: E) => string,
    opts: FollowHubOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 1 << 20;
    this.onDrop = opts.onDrop ?? (() => {});
  }

  get size(): number {
    return this.followers.size;
  }

  /**
   * Follows on `sink` (headers already sent): writes the backlog, then every accepted entry
   * numbered after `last` (the newest entry the backlog covers, shown or not).
   * Returns the detach function; a backlog that cannot be read ends the stream.
   */
  attach(
    sink: SseSink,
    backlog: () => Promise<{ entries: E[]; last: number }>,
    accept: (e: E) => boolean = () => true,
  ): () => void {
    const f: Follower<E> = { accept, queue: [] };
    this.followers.set(sink, f);
    this.onCount(this.followers.size);
    this.startHeartbeat();
    backlog().then(
      ({ entries, last }) => {
        if (!this.followers.has(sink)) return;
        let chunk = '';
        for (const e of entries) if (accept(e)) chunk += this.frame(e);
        for (const e of f.queue ?? []) if (e.seq > last && accept(e)) chunk += this.frame(e);
        f.queue = null;
        if (chunk) this.send(sink, chunk);
      },
      () => {
        this.detach(sink);
        sink.end();
      },
    );
    return () => this.detach(sink);
  }

  publish(e: E): void {
    let frame: string | null = null;
    for (const [sink, f] of this.followers) {
      if (f.queue) f.queue.push(e);
      else if (f.accept(e)) {
        frame ??= this.frame(e);
        this.send(sink, frame);
      }
    }
  }

  closeAll(): void {
    for (const sink of [...this.followers.keys()]) {
      this.detach(sink);
      try {
        sink.end();
      } catch {
        // already gone
      }
    }
  }

  private detach(sink: SseSink): void {
    if (!this.followers.delete(sink)) return;
    this.onCount(this.followers.size);
    if (this.followers.size === 0 && this.heartbeat) {
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
      if (sink.writableLength > this.maxBufferedBytes) {
        this.detach(sink);
        cutOff(sink, this.maxBufferedBytes);
        this.onDrop('slow_consumer');
        return;
      }
      sink.write(chunk);
    } catch {
      this.detach(sink);
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat || this.heartbeatMs <= 0) return;
    this.heartbeat = setInterval(() => {
      for (const s of this.followers.keys()) this.send(s, ': heartbeat\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }
}
