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

export class ActorCell<M extends { t: string }, B extends Behaviour<M> = Behaviour<M>> {
  private queue: (M | undefined)[] = [];
  private head = 0;
  private behaviour: B | null = null;
  private status: ActorStatus = 'starting';
  private scheduled = false;
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
    this.queue.push(msg);
    this.schedule();
  }

  /** Request and answer (OTP's call): `build` puts the reply handle into the message. */
  ask<R>(build: (reply: Reply<R>) => M): Promise<R> {
    return new Promise<R>((resolve, reject) => this.tell(build({ answer: resolve, fail: reject })));
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
    this.queue = [];
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
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    while (this.status === 'running' && this.behaviour && this.head < this.queue.length) {
      const msg = this.queue[this.head] as M;
      this.queue[this.head++] = undefined;
      try {
        this.behaviour.handle(msg);
      } catch (err) {
        failReply(msg, new ApiError('unavailable', `${this.name} crashed while handling '${msg.t}' and is restarting`));
        this.fail(err, msg.t);
        return; // the restarted behaviour drains the rest
      }
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
