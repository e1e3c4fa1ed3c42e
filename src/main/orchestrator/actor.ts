// A tiny actor runtime, in the shape of an Erlang process: a mailbox drained one message at a
// time by a behaviour whose handler is synchronous. Synchronous handlers are the point: with
// JavaScript's single thread, nothing can interleave between a check and the change it guards,
// so MachineD's check-and-reserve is atomic without locks. The cell (mailbox + name) outlives
// its behaviour: when a handler throws, the supervisor swaps in a fresh behaviour and the
// messages still queued are handled by it, so nobody's request disappears with the crash.

import { ApiError } from '../../shared/errors';

/**
 * The answer handle carried by a request (OTP's `call`); casts carry none. The behaviour calls
 * exactly one of its methods: `answer` with the value, or `fail` with the error.
 */
export interface Reply<T> {
  answer(value: T): void;
  fail(error: unknown): void;
}

export interface Behaviour<M> {
  /** Runs before the first message; messages sent meanwhile wait in the mailbox. */
  init?(): Promise<void> | void;
  /** Must not await: one message is handled completely before the next one starts. */
  handle(msg: M): void;
  /** The behaviour is being replaced after a crash: fail the replies it still owes. */
  terminate?(reason: string): void;
}

/** Who is told when an actor crashes (its supervisor). */
export interface CrashHandler {
  crashed(cell: ActorCell<never>, error: unknown, during: string): void;
}

export type ActorStatus = 'starting' | 'running' | 'dead';

/** How a behaviour is (re)built; `incarnation` is 0 at first start, then 1, 2, … per restart. */
export type BehaviourFactory<B> = (incarnation: number) => B;

type AnyMessage = { t: string; reply?: Reply<never> };

/** askNow's answer when the actor cannot take the message at once. */
export const NOT_NOW: unique symbol = Symbol('not now');

/**
 * An empty mailbox, shared until a message arrives (never pushed to: tell() gives the cell its
 * own array first). A MachineD answered through askNow never gets one, and a woken machine's
 * cells live until it sleeps again, so an array each was garbage the collector had to promote.
 */
const EMPTY_QUEUE: never[] = [];

export class ActorCell<M extends { t: string }, B extends Behaviour<M> = Behaviour<M>> {
  private queue: (M | undefined)[] = EMPTY_QUEUE;
  private head = 0;
  private behaviour: B | null = null;
  private status: ActorStatus = 'starting';
  private scheduled = false;
  /** Inside a handler: a message sent now waits in the mailbox (no handler runs inside another). */
  private draining = false;
  private incarnation = -1;

  constructor(
    readonly name: string,
    private readonly factory: BehaviourFactory<B>,
    private readonly supervisor: CrashHandler,
  ) {}

  start(): this {
    this.boot();
    return this;
  }

  get state(): ActorStatus {
    return this.status;
  }

  /** Messages waiting in the mailbox. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  /**
   * The running behaviour, for read-only peeks (free resources for placement and error
   * details). Safe because nothing runs concurrently with the caller; null while restarting.
   */
  get current(): B | null {
    return this.status === 'running' ? this.behaviour : null;
  }

  /** Fire and forget (OTP's cast). */
  tell(msg: M): void {
    if (this.status === 'dead') {
      failReply(msg, new ApiError('unavailable', `${this.name} is stopped (the orchestrator is restarting)`));
      return;
    }
    if (this.queue === EMPTY_QUEUE) this.queue = [];
    this.queue.push(msg);
    this.schedule();
  }

  /**
   * Request and answer (OTP's call): `build` puts the reply handle into the message. An actor
   * that is running with nothing queued and not inside a handler takes the message at once
   * (the answer is ready when this returns): exactly what the next drain would do, one message
   * handled whole, minus a turn of the microtask queue on placement's hot path.
   */
  ask<R>(build: (reply: Reply<R>) => M): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const msg = build({ answer: resolve, fail: reject });
      if (this.status === 'running' && !this.scheduled && !this.draining && this.head >= this.queue.length) {
        this.handleNow(msg);
      } else {
        this.tell(msg);
      }
    });
  }

  /**
   * ask() without a promise, for a behaviour that answers within its handler: the answer now
   * when the actor could take the message at once (running, nothing queued, not inside a
   * handler), else NOT_NOW and nothing sent (the caller asks the usual way). A handler that
   * throws or fails the reply throws here.
   */
  askNow<R>(build: (reply: Reply<R>) => M): R | typeof NOT_NOW {
    if (this.status !== 'running' || this.scheduled || this.draining || this.head < this.queue.length) return NOT_NOW;
    const got = new SyncReply<R>();
    this.handleNow(build(got));
    if (!got.done) throw new Error(`${this.name} did not answer within its handler`);
    if (!got.ok) throw got.value;
    return got.value as R;
  }

  /** Called by the supervisor: a fresh behaviour takes over the same mailbox. */
  restart(): void {
    this.boot();
  }

  /** Called by the supervisor when it gives up: every waiting request fails, none hangs. */
  kill(reason: string): void {
    const old = this.behaviour;
    this.status = 'dead';
    this.behaviour = null;
    this.incarnation++;
    safeTerminate(old, reason);
    const error = new ApiError('unavailable', `${this.name} is stopped: ${reason}`);
    while (this.head < this.queue.length) {
      const msg = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (msg) failReply(msg, error);
    }
    this.queue = EMPTY_QUEUE;
    this.head = 0;
  }

  private boot(): void {
    const incarnation = ++this.incarnation;
    this.status = 'starting';
    this.behaviour = null;
    let ready: Promise<void> | void;
    try {
      this.behaviour = this.factory(incarnation);
      ready = this.behaviour.init?.();
    } catch (err) {
      this.fail(err, 'init');
      return;
    }
    if (ready && typeof ready.then === 'function') {
      ready.then(
        () => incarnation === this.incarnation && this.run(),
        (err) => incarnation === this.incarnation && this.fail(err, 'init'),
      );
    } else {
      this.run();
    }
  }

  private run(): void {
    this.status = 'running';
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.status !== 'running' || this.head >= this.queue.length) return;
    this.scheduled = true;
    this.drainNow ??= () => this.drain();
    queueMicrotask(this.drainNow);
  }

  /**
   * Bound once, on the first drain: a closure per scheduled drain was garbage on every message,
   * and a MachineD answered through askNow is never drained at all.
   */
  private drainNow: (() => void) | null = null;

  /** One message, handled as drain() handles each (a crash fails its reply and restarts). */
  private handleNow(msg: M): void {
    this.draining = true;
    try {
      (this.behaviour as B).handle(msg);
    } catch (err) {
      failReply(msg, new ApiError('unavailable', `${this.name} crashed while handling '${msg.t}' and is restarting`));
      this.fail(err, msg.t);
    } finally {
      this.draining = false;
    }
    // Whatever the handler sent this actor itself waits for the usual drain.
    this.schedule();
  }

  private drain(): void {
    this.scheduled = false;
    this.draining = true;
    try {
      while (this.status === 'running' && this.behaviour && this.head < this.queue.length) {
        const msg = this.queue[this.head] as M;
        this.queue[this.head++] = undefined;
        try {
          this.behaviour.handle(msg);
        } catch (err) {
          failReply(
            msg,
            new ApiError('unavailable', `${this.name} crashed while handling '${msg.t}' and is restarting`),
          );
          this.fail(err, msg.t);
          return; // the restarted behaviour drains the rest
        }
      }
    } finally {
      this.draining = false;
    }
    // Give the array back its memory once most of it is consumed.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private fail(error: unknown, during: string): void {
    const old = this.behaviour;
    this.behaviour = null;
    this.status = 'starting';
    safeTerminate(old, `${this.name} crashed while handling '${during}'`);
    this.supervisor.crashed(this as unknown as ActorCell<never>, error, during);
  }
}

function failReply(msg: { t: string }, error: ApiError): void {
  const reply = (msg as AnyMessage).reply;
  if (reply) reply.fail(error);
}

function safeTerminate(b: Behaviour<never> | null, reason: string): void {
  try {
    b?.terminate?.(reason);
  } catch {
    // A behaviour that crashes while cleaning up after a crash has nothing more to give.
  }
}

/** askNow's reply: one object, no closures (it is made once per placement). */
class SyncReply<T> implements Reply<T> {
  done = false;
  ok = false;
  value: unknown = undefined;
  answer(value: T): void {
    this.done = true;
    this.ok = true;
    this.value = value;
  }
  fail(error: unknown): void {
    this.done = true;
    this.value = error;
  }
}
