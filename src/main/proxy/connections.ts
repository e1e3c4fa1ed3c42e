// The connection cap. Every open socket costs a file descriptor, and the proxy shares the
// process's descriptor limit with LMDB, the logs and the workers: past `max` open connections a
// newcomer first makes room by closing one that holds a descriptor for nothing — a kept-alive
// connection waiting for its next request, a reply nobody has read for `graceMs`, a connection
// that has said nothing for `graceMs` — oldest first. Only when none is found is the newcomer
// refused, with a 503 a person can read, and closed. Event streams are never closed here.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Conn {
  opened: number;
  /** Requests on it whose response has not closed yet. */
  busy: number;
  served: number;
  idleSince: number;
  stream: boolean;
  /** Write progress, for telling a slow reader from one that stopped reading. */
  written: number;
  stalledSince: number | null;
}

export type EvictReason = 'idle' | 'stalled' | 'silent';

export interface ConnectionGuardOptions {
  max: number;
  /** How long a reply may sit unread, or a new connection stay silent, before it may be closed. */
  graceMs?: number;
  now?: () => number;
  onRefuse?: () => void;
  onEvict?: (why: EvictReason) => void;
}

export function refusalBytes(max: number): string {
  const body = JSON.stringify({
    error: {
      code: 'unavailable',
      message: `too many open connections (at most ${max}); retry in a second`,
    },
  });
  return (
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\n' +
    `connection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export class ConnectionGuard {
  private readonly conns = new Map<Socket, Conn>();
  private readonly refused = new WeakSet<Socket>();
  private readonly graceMs: number;
  private readonly now: () => number;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly opts: ConnectionGuardOptions) {
    this.graceMs = opts.graceMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.conns.size;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    server.on('close', () => this.stopSweeping());
  }

  /** Call first for every request; false means the socket was refused and the request dropped. */
  begin(req: IncomingMessage, res: ServerResponse): boolean {
    const c = this.conns.get(req.socket);
    if (!c || this.refused.has(req.socket)) {
      req.socket.destroy();
      return false;
    }
    c.busy++;
    c.written = req.socket.bytesWritten;
    c.stalledSince = null;
    // 'close' comes once per response: no once() wrapper per request.
    res.on('close', () => {
      c.busy--;
      c.served++;
      c.idleSince = this.now();
    });
    return true;
  }

  /** An event stream: long-lived by design, and the hub drops one that stops reading. */
  markStream(socket: Socket): void {
    const c = this.conns.get(socket);
    if (c) c.stream = true;
  }

  private onConnection(socket: Socket): void {
    if (this.conns.size >= this.opts.max && !this.evictOne()) {
      this.refused.add(socket);
      this.opts.onRefuse?.();
      socket.on('error', () => {});
      socket.end(refusalBytes(this.opts.max));
      // A client that never reads its 503 must not keep the descriptor either.
      setTimeout(() => socket.destroy(), this.graceMs).unref?.();
      return;
    }
    const now = this.now();
    this.conns.set(socket, {
      opened: now,
      busy: 0,
      served: 0,
      idleSince: now,
      stream: false,
      written: 0,
      stalledSince: null,
    });
    socket.once('close', () => {
      this.conns.delete(socket);
      if (this.conns.size === 0) this.stopSweeping();
    });
    this.startSweeping();
  }

  /** Closes the connection that is wasting its descriptor the longest; false when none is. */
  private evictOne(): boolean {
    this.sweep();
    const now = this.now();
    let best: { socket: Socket; since: number; why: EvictReason; rank: number } | null = null;
    for (const [socket, c] of this.conns) {
      let cand: { since: number; why: EvictReason; rank: number } | null = null;
      if (c.busy === 0 && c.served > 0) cand = { since: c.idleSince, why: 'idle', rank: 0 };
      else if (c.busy > 0 && !c.stream && c.stalledSince !== null && now - c.stalledSince >= this.graceMs)
        cand = { since: c.stalledSince, why: 'stalled', rank: 1 };
      else if (c.busy === 0 && c.served === 0 && now - c.opened >= this.graceMs)
        cand = { since: c.opened, why: 'silent', rank: 2 };
      if (cand && (!best || cand.rank < best.rank || (cand.rank === best.rank && cand.since < best.since)))
        best = { socket, ...cand };
    }
    if (!best) return false;
    this.conns.delete(best.socket);
    best.socket.destroy();
    this.opts.onEvict?.(best.why);
    return true;
  }

  /** Notes which busy connections have stopped taking their reply. */
  private sweep(): void {
    const now = this.now();
    for (const [socket, c] of this.conns) {
      if (c.busy === 0 || c.stream) continue;
      const written = socket.bytesWritten;
      if (socket.writableLength > 0 && written === c.written) c.stalledSince ??= now;
      else c.stalledSince = null;
      c.written = written;
    }
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, this.graceMs / 2));
    this.sweeper.unref?.();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
