// The typed request/response protocol between threads. Messages are structured-cloned over
// MessagePorts (never JSON); every call carries a correlation id, is answered with a value or
// an ErrorBody, and fails with `timeout` or `unavailable` rather than hanging. Messages to one
// port are gathered per event-loop turn and cross as one (rpc-outbox.ts).

import { type Deadline, DeadlineLanes } from './deadline-lanes';
import { ApiError, type ErrorBody, toErrorBody } from './errors';
import { Outbox, unpack } from './rpc-outbox';

/**
 * The part of a worker_threads MessagePort that the protocol needs (structural, so this file
 * imports nothing from Node). Attaching a 'message' listener starts the port.
 */
export interface PortLike {
  postMessage(message: unknown): void;
  // biome-ignore lint/suspicious/noExplicitAny: matches Node's EventEmitter signature
  on(event: 'message', listener: (value: any) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: matches Node's EventEmitter signature
  off(event: 'message', listener: (value: any) => void): unknown;
  close?(): void;
}

type RpcRequest = { t: 'req'; id: number; m: string; a: unknown[] };
type RpcResult = { t: 'res'; id: number; ok: true; v: unknown } | { t: 'res'; id: number; ok: false; e: ErrorBody };
type RpcEvent = { t: 'evt'; topic: string; data: unknown };
export type RpcMessage = RpcRequest | RpcResult | RpcEvent;

/** A service as seen from the other side of a port: every method returns a promise. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface RpcClientOptions {
  /** Per-call deadline; past it the call rejects with `timeout`. */
  timeoutMs: number;
  /** Methods allowed longer than timeoutMs (ms by name): whole-fleet work such as an import. */
  longCalls?: Readonly<Record<string, number>>;
  /**
   * Topics whose events cross in a packed form (several per message): how to unpack each, so
   * every subscriber still gets one event at a time (store-event-wire.ts).
   */
  decode?: Readonly<Record<string, (data: unknown, each: (event: unknown) => void) => void>>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: ApiError) => void;
  method: string;
  deadline: Deadline | null;
}

/**
 * The calling side of a port. The port can be swapped (a restarted worker gets a new channel);
 * calls in flight on the old port are rejected with `unavailable`, and calls made while no
 * port is attached fail at once instead of piling up.
 */
export class RpcClient<T> {
  readonly api: Remote<T>;
  private port: PortLike | null = null;
  private outbox: Outbox | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly onMessage = (msg: unknown) => unpack(msg, (m) => this.receive(m as RpcMessage));
  /** One timer per deadline length, not one per call (a launch makes two calls). */
  private readonly deadlines = new DeadlineLanes();

  constructor(
    readonly peer: string,
    private readonly options: RpcClientOptions,
  ) {
    this.api = new Proxy({} as Remote<T>, {
      get: (_t, method) => (typeof method === 'string' ? (...args: unknown[]) => this.call(method, args) : undefined),
    });
  }

  get attached(): boolean {
    return this.port !== null;
  }

  attach(port: PortLike): void {
    this.detach(`${this.peer} was replaced`);
    this.port = port;
    this.outbox = new Outbox((m) => port.postMessage(m));
    port.on('message', this.onMessage);
  }

  /** Drops the port; every call in flight rejects with `unavailable`. */
  detach(reason = `${this.peer} is unavailable`): void {
    if (this.port) {
      this.port.off('message', this.onMessage);
      this.port = null;
    }
    this.outbox?.close();
    this.outbox = null;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ApiError('unavailable', reason));
    }
    this.deadlines.clear();
  }

  /** Calls `method` with `args`; `timeoutMs` overrides the default deadline for this call. */
  call(
    method: string,
    args: unknown[],
    timeoutMs = this.options.longCalls?.[method] ?? this.options.timeoutMs,
  ): Promise<never> {
    const outbox = this.outbox;
    if (!outbox)
      return Promise.reject(new ApiError('unavailable', `${this.peer} is unavailable (restarting or stopped)`));
    const id = this.nextId++;
    return new Promise<never>((resolve, reject) => {
      const p: Pending = { resolve: resolve as (v: unknown) => void, reject, method, deadline: null };
      this.pending.set(id, p);
      p.deadline = this.deadlines.add(timeoutMs, () => {
        if (!this.pending.delete(id)) return;
        reject(new ApiError('timeout', `${this.peer} did not answer ${method} within ${timeoutMs} ms`));
      });
      outbox.send({ t: 'req', id, m: method, a: args } satisfies RpcRequest, (err) => {
        if (!this.pending.delete(id)) return; // already failed by detach or its deadline
        if (p.deadline) this.deadlines.settled(p.deadline);
        reject(new ApiError('internal', `could not send ${method} to ${this.peer}: ${(err as Error).message}`));
      });
    });
  }

  /** Subscribes to events the serving side emits on `topic`; returns the unsubscribe. */
  on(topic: string, handler: (data: unknown) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private receive(msg: RpcMessage): void {
    if (msg.t === 'res') {
      const p = this.pending.get(msg.id);
      if (!p) return; // answered after its timeout: dropped on purpose
      this.pending.delete(msg.id);
      if (p.deadline) this.deadlines.settled(p.deadline);
      if (msg.ok) p.resolve(msg.v);
      else p.reject(ApiError.from(msg.e));
    } else if (msg.t === 'evt') {
      const set = this.listeners.get(msg.topic);
      if (!set || set.size === 0) return;
      const decode = this.options.decode?.[msg.topic];
      if (!decode) for (const h of set) h(msg.data);
      else
        decode(msg.data, (e) => {
          for (const h of set) h(e);
        });
    }
  }
}

export interface RpcServer {
  /** Sends an event to the client at the other end of this port (within LINGER_MS; in order with answers). */
  emit(topic: string, data: unknown): void;
  close(): void;
}

/**
 * The serving side of a port: each request calls `impl[method](...args)`. Throwing (or
 * rejecting) answers with an ErrorBody; an unknown method is `bad_request`. Nothing a caller
 * sends can throw out of the handler.
 */
export function serveRpc<T extends object>(port: PortLike, impl: T): RpcServer {
  const outbox = new Outbox((m) => port.postMessage(m));
  const onOne = (msg: RpcMessage) => {
    if (msg?.t !== 'req') return;
    // A value that cannot cross (say, a function in a result) is answered as the error it is.
    const reply = (r: RpcResult) =>
      outbox.send(r, (err) =>
        outbox.send({ t: 'res', id: msg.id, ok: false, e: toErrorBody(err) } satisfies RpcResult, () => {}),
      );
    const fn = (impl as Record<string, unknown>)[msg.m];
    // Only the service's own methods: never 'constructor', '__proto__' or anything private.
    if (typeof fn !== 'function' || typeof msg.m !== 'string' || msg.m in Object.prototype || msg.m.startsWith('_')) {
      reply({
        t: 'res',
        id: msg.id,
        ok: false,
        e: { code: 'bad_request', message: `unknown method ${String(msg.m)}` },
      });
      return;
    }
    let result: unknown;
    try {
      result = (fn as (...a: unknown[]) => unknown).apply(impl, Array.isArray(msg.a) ? msg.a : []);
    } catch (err) {
      reply({ t: 'res', id: msg.id, ok: false, e: toErrorBody(err) });
      return;
    }
    Promise.resolve(result).then(
      (v) => reply({ t: 'res', id: msg.id, ok: true, v }),
      (err) => reply({ t: 'res', id: msg.id, ok: false, e: toErrorBody(err) }),
    );
  };
  const onMessage = (msg: unknown) => unpack(msg, (m) => onOne(m as RpcMessage));
  port.on('message', onMessage);
  return {
    // An event that cannot be cloned is dropped: events are plain data built by the store.
    // Nobody waits on an event: it lingers for company (rpc-outbox.ts).
    emit: (topic, data) => outbox.send({ t: 'evt', topic, data } satisfies RpcEvent, () => {}, true),
    close: () => {
      outbox.flush();
      outbox.close();
      port.off('message', onMessage);
    },
  };
}
